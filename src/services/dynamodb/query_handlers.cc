// Query and Scan: key-range reads of one page (range_read.h), then the
// filter, the projection and Select; run on the worker pool (a page is up
// to 1 MB of items), but for a Query with a small Limit (below).
#include "common/json_fields.h"
#include "common/json_fragment.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/indexes.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/range_read.h"
#include "storage/scan_bound.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

namespace {

// Select, checked against the projection the request gives.
Result<std::string> select_of(const json::object& in, bool has_projection) {
  std::string select = str(in, "Select");
  if (select.empty()) return std::string(has_projection ? "SPECIFIC_ATTRIBUTES" : "ALL_ATTRIBUTES");
  if (select != "ALL_ATTRIBUTES" && select != "ALL_PROJECTED_ATTRIBUTES" && select != "COUNT" &&
      select != "SPECIFIC_ATTRIBUTES") {
    return errors::constraint("'" + select + "'", "select",
                              "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, "
                              "ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
  }
  if (select == "ALL_PROJECTED_ATTRIBUTES" && !has(in, "IndexName")) {
    return errors::validation(
        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  }
  if (select == "SPECIFIC_ATTRIBUTES" && !has_projection) {
    return errors::validation(
        "SPECIFIC_ATTRIBUTES must be used with either AttributesToGet or "
        "ProjectionExpression");
  }
  if (select != "SPECIFIC_ATTRIBUTES" && has_projection) {
    return errors::validation(
        select == "COUNT" ? "Cannot specify the AttributesToGet when choosing to get only "
                            "the Count"
                          : "Cannot specify the AttributesToGet when choosing to get " + select);
  }
  return select;
}

// ExclusiveStartKey as a storage key of table `t` or its index `index` (""
// when absent). On an index it names the table's and the index's keys.
Result<std::string> start_key(const json::object& in, const TableDef& t, const IndexDef* index) {
  const auto* v = in.if_contains("ExclusiveStartKey");
  if (v == nullptr || !v->is_object()) return std::string();
  json::object key = v->as_object();
  if (auto st = model::normalize_item(key); !st) return st.take_error();
  auto start = exclusive_start(t, index, key);
  if (!start) {
    return errors::validation(
        "The provided starting key is invalid: The provided key element does not match the "
        "schema");
  }
  return *start;
}

// Whether the items read are answered as their stored texts (Page::texts):
// when the output is written as awsJson text and whole items are answered.
bool answers_texts(const Payload* wire, const model::RequestExpressions& expr,
                   const std::string& select) {
  return wire != nullptr && wire->json_text && !expr.projection && select != "COUNT";
}

// The answer for the items read: filter, projection, Select, counts and
// LastEvaluatedKey. With the items' texts in the page (only when
// answers_texts), Items is one JSON fragment: those of the answered items.
json::object answer(const TableDef& t, const IndexDef* index, Page page,
                    const model::RequestExpressions& expr, const std::string& select,
                    Payload* wire) {
  json::array out;
  json::string texts;
  bool as_texts = !page.texts.empty();
  if (as_texts) {
    size_t size = 2;
    for (const auto& text : page.texts) size += text.size() + 1;
    texts.reserve(size);
  }
  int64_t count = 0;
  for (size_t i = 0; i < page.items.size(); ++i) {
    auto& item = page.items[i];
    if (expr.filter && !expr.filter->matches(item)) continue;
    ++count;
    if (select == "COUNT") continue;
    if (as_texts) {
      texts.append(texts.empty() ? "[" : ",");
      texts.append(page.texts[i]);
      continue;
    }
    out.push_back(expr.projection ? expr.projection->apply(item) : std::move(item));
  }
  json::object result{{"Count", count}, {"ScannedCount", static_cast<int64_t>(page.items.size())}};
  if (as_texts) {
    texts.append(texts.empty() ? "[]" : "]");
    result["Items"] = json_fragment(std::move(texts));
    wire->json_fragments = true;
  } else if (select != "COUNT") {
    result["Items"] = std::move(out);
  }
  if (page.last) {
    result["LastEvaluatedKey"] = last_evaluated(t, index, *page.last);
  }
  return result;
}

// The ConsumedCapacity of a Query or Scan page: every item read, matched by
// the filter or not, rounded once (nothing when the call does not ask).
Status add_capacity(json::object& result, const TableDef& t, const IndexDef* index, size_t bytes,
                    const json::object& in) {
  auto mode = capacity_mode(in);
  if (!mode) return mode.take_error();
  if (*mode == CapacityMode::kNone) return Status::ok();
  bool consistent = boolean(in, "ConsistentRead").value_or(false);
  result["ConsumedCapacity"] = consumed_capacity(
      t.name, read_consumed(t, index ? index->name : "", bytes, consistent), *mode);
  return Status::ok();
}

size_t limit_of(const json::object& in) {
  auto limit = integer(in, "Limit");
  return limit && *limit > 0 ? static_cast<size_t>(*limit) : SIZE_MAX;
}

// The index IndexName names (nullptr for none), with AWS's refusals: no such
// index, a strongly consistent read of a GSI, one still backfilling, or
// ALL_ATTRIBUTES of a GSI that does not project them.
Result<const IndexDef*> index_of(const TableDef& t, const json::object& in) {
  if (!has(in, "IndexName")) return static_cast<const IndexDef*>(nullptr);
  std::string name = str(in, "IndexName");
  const IndexDef* index = t.find_index(name);
  if (index == nullptr) {
    return errors::validation("The table does not have the specified index: " + name);
  }
  bool global = t.is_global(*index);
  if (global && boolean(in, "ConsistentRead").value_or(false)) {
    return errors::validation("Consistent reads are not supported on global secondary indexes");
  }
  if (index->status == "CREATING") {
    return errors::validation("Cannot read from backfilling global secondary index: " + name);
  }
  if (global && str(in, "Select") == "ALL_ATTRIBUTES" &&
      str(index->projection, "ProjectionType") != "ALL") {
    return errors::invalid_parameter(
        "Select type ALL_ATTRIBUTES is not supported for global "
        "secondary index " +
        name + " because its projection type is not ALL");
  }
  return index;
}

// An LSI read that asks for more than the index projects reads the items
// from the table, as DynamoDB fetches them.
Status fetch_from_table(const Items& items, const TableDef& t, const IndexDef* index,
                        const json::object& in, bool has_projection, Page& page) {
  if (index == nullptr || t.is_global(*index) ||
      str(index->projection, "ProjectionType") == "ALL") {
    return Status::ok();
  }
  if (str(in, "Select") != "ALL_ATTRIBUTES" && !has_projection) return Status::ok();
  return fetch_table_items(items, t, page);
}

}  // namespace

Output DynamoDbService::query(const json::object& in, Payload* wire) const {
  auto t = item_table(in);
  if (!t) return t.take_error();
  auto index = index_of(**t, in);
  if (!index) return index.take_error();
  auto schema = model_schema(*index ? (*index)->key : (*t)->key);
  auto expr = model::parse_request(in, &schema);
  if (!expr) return expr.take_error();
  auto select = select_of(in, expr->projection.has_value());
  if (!select) return select.take_error();
  auto start = start_key(in, **t, *index);
  if (!start) return start.take_error();

  const auto& kc = *expr->key_condition;
  bool forward = boolean(in, "ScanIndexForward").value_or(true);
  KeyRange range = *index ? index_condition_range(**t, **index, kc, forward)
                          : key_condition_range(**t, kc, forward);
  range.exclusive_start = *start;
  auto page = read_range(*items_, range, limit_of(in), *index != nullptr,
                         answers_texts(wire, *expr, *select));
  if (!page) return page.take_error();
  size_t bytes = page->bytes;  // before an LSI read swaps in the items
  if (auto st = fetch_from_table(*items_, **t, *index, in, expr->projection.has_value(), *page);
      !st) {
    return st.take_error();
  }
  auto result = answer(**t, *index, std::move(*page), *expr, *select, wire);
  if (auto st = add_capacity(result, **t, *index, bytes, in); !st) return st.take_error();
  return result;
}

Output DynamoDbService::scan(const json::object& in, Payload* wire) const {
  auto t = item_table(in);
  if (!t) return t.take_error();
  auto index = index_of(**t, in);
  if (!index) return index.take_error();
  auto segment = integer(in, "Segment");
  auto total = integer(in, "TotalSegments");
  if (segment && !total) {
    return errors::validation(
        "The TotalSegments parameter is required but was not present in "
        "the request when parameter Segment is present");
  }
  if (total && !segment) {
    return errors::validation(
        "The Segment parameter is required but was not present in the "
        "request when parameter TotalSegments is present");
  }
  if (segment && *segment >= *total) {
    return errors::validation(
        "The Segment parameter is zero-based and must be less than "
        "parameter TotalSegments: Segment: " +
        std::to_string(*segment) + " is out of bounds of TotalSegments: " + std::to_string(*total));
  }
  auto expr = model::parse_request(in);
  if (!expr) return expr.take_error();
  auto select = select_of(in, expr->projection.has_value());
  if (!select) return select.take_error();
  auto start = start_key(in, **t, *index);
  if (!start) return start.take_error();

  const IndexDef* i = *index;
  auto bucket_start = [&](uint64_t bucket) {
    return i ? index_bucket_key(**t, *i, bucket) : bucket_key(**t, bucket);
  };
  KeyRange range;
  range.prefix = i ? index_prefix(**t, *i) : table_prefix(**t);
  range.exclusive_start = *start;
  if (segment) {
    auto s = static_cast<uint64_t>(*segment), n = static_cast<uint64_t>(*total);
    // Item keys of a bucket are longer than its bucket_key: exclusive bounds.
    range.low = bucket_start(segment_bucket(s, n));
    range.low_inclusive = false;
    if (s + 1 < n) {
      range.high = bucket_start(segment_bucket(s + 1, n));
      range.high_inclusive = false;
    }
  }
  auto page =
      read_range(*items_, range, limit_of(in), i != nullptr, answers_texts(wire, *expr, *select));
  if (!page) return page.take_error();
  size_t bytes = page->bytes;  // before an LSI read swaps in the items
  if (auto st = fetch_from_table(*items_, **t, i, in, expr->projection.has_value(), *page); !st) {
    return st.take_error();
  }
  auto result = answer(**t, i, std::move(*page), *expr, *select, wire);
  if (auto st = add_capacity(result, **t, i, bytes, in); !st) return st.take_error();
  return result;
}

// A Query whose Limit is this or less reads at most that many items (Limit
// counts the items read, before any filter, and an LSI's fetches from the
// table are one each) and answers inline on the event loop, as GetItem
// does: the hop to the worker pool and back cost more than the read (1.9
// context switches per Query at 16 connections).
constexpr int64_t kInlineQueryLimit = 25;
// Deleted items stay in storage as tombstones until compaction drops them,
// and a read walks them: a collection of many deleted items would make one
// small Query slow on the loop. Past this many before one item (a few
// hundred microseconds) the Query is read again on the worker pool.
constexpr uint64_t kInlineMaxSkipped = 1000;

void DynamoDbService::query_handler(const CallContext& ctx, object in, Respond respond) {
  auto limit = integer(in, "Limit");
  if (limit && *limit >= 1 && *limit <= kInlineQueryLimit) {
    Output out = [&] {
      storage::ScanBound bound(kInlineMaxSkipped);
      return query(in, ctx.payload.get());
    }();
    if (out || !storage::skipped_too_many(out.error())) return respond(std::move(out));
  }
  run_blocking(env_.workers, std::move(respond),
               [this, in = std::move(in), payload = ctx.payload]() -> Output {
                 return query(in, payload.get());
               });
}

void DynamoDbService::scan_handler(const CallContext& ctx, object in, Respond respond) {
  run_blocking(env_.workers, std::move(respond),
               [this, in = std::move(in), payload = ctx.payload]() -> Output {
                 return scan(in, payload.get());
               });
}

}  // namespace nimbus::services::dynamodb
