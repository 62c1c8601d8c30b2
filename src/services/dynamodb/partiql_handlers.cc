// ExecuteStatement and BatchExecuteStatement: PartiQL statements parsed by
// the model (model/partiql.h) into its own conditions and updates, then run
// on the same item engine as the item operations: a SELECT is a key-range
// read (a Query when the WHERE fixes the partition key, else a Scan) with
// the WHERE as its filter, on the table or on one of its indexes
// (`"table"."index"`); INSERT, UPDATE and DELETE are one conditional
// write each on the item's turn (items.h).
#include <mutex>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/indexes.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/partiql.h"
#include "services/dynamodb/range_read.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;
using Statement = model::PartiqlStatement;

namespace {

constexpr size_t kMaxBatchStatements = 25;

Error duplicate_item() {
  return Error::make("DuplicateItemException", "Duplicate primary key exists in table");
}

Result<Statement> parse(const json::object& in) {
  json::array parameters;
  if (const auto* p = in.if_contains("Parameters"); p != nullptr && p->is_array()) {
    parameters = p->as_array();
  }
  auto s = model::parse_partiql(str(in, "Statement"), parameters);
  if (s && s->kind == Statement::Kind::kExists) {
    return errors::validation("EXISTS is supported in ExecuteTransaction only");
  }
  return s;
}

// A member's cost, from the ConsumedCapacity (INDEXES form) of its answer.
Consumed consumed_from(const json::object& cc) {
  auto units = [](const json::value* v) {
    const auto* o = v && v->is_object() ? v->as_object().if_contains("CapacityUnits") : nullptr;
    return o && o->is_number() ? o->to_number<double>() : 0.0;
  };
  Consumed c;
  c.table = units(cc.if_contains("Table"));
  for (auto [member, m] : {std::pair{"GlobalSecondaryIndexes", &c.gsis},
                           std::pair{"LocalSecondaryIndexes", &c.lsis}}) {
    const auto* per = cc.if_contains(member);
    if (per == nullptr || !per->is_object()) continue;
    for (const auto& [name, u] : per->as_object()) (*m)[name] = units(&u);
  }
  return c;
}

// NextToken: the last key read, as base64 JSON; back to a storage key.
std::string next_token(const json::object& key) {
  return base64_encode(json::serialize(key));
}
Result<std::string> start_after(const json::object& in, const TableDef& t, const IndexDef* index) {
  std::string token = str(in, "NextToken");
  if (token.empty()) return std::string();
  const Error invalid = errors::validation("Invalid NextToken");
  auto text = base64_decode(token);
  if (!text) return invalid;
  boost::system::error_code ec;
  json::value key = json::parse(*text, ec);
  if (ec || !key.is_object() || !model::normalize_item(key.as_object())) return invalid;
  auto start = exclusive_start(t, index, key.as_object());
  if (!start) return invalid;
  return *start;
}

// The index a SELECT reads (nullptr for the table), with AWS's refusals of
// a strongly consistent read of a GSI and of one still backfilling.
Result<const IndexDef*> select_index(const TableDef& t, const Statement& s,
                                     const json::object& in) {
  if (s.index.empty()) return static_cast<const IndexDef*>(nullptr);
  const IndexDef* index = t.find_index(s.index);
  if (index == nullptr) return errors::validation("The table does not have the specified index");
  bool global = t.is_global(*index);
  if (global && boolean(in, "ConsistentRead").value_or(false)) {
    return errors::validation(
        "Strongly consistent read is not supported on Global Secondary Indexes");
  }
  if (index->status == "CREATING") {
    return errors::validation("Cannot read from backfilling global secondary index: " + s.index);
  }
  return index;
}

// A batch member's error: the BatchStatementError codes drop "Exception"
// (ValidationException is ValidationError).
json::object batch_error(const Error& e) {
  std::string code = e.code;
  if (code == "ValidationException") {
    code = "ValidationError";
  } else if (code.ends_with("Exception")) {
    code.resize(code.size() - std::string_view("Exception").size());
  }
  return {{"Code", code}, {"Message", e.message}};
}

}  // namespace

Result<TablePtr> DynamoDbService::statement_table(const Statement& s, bool index_read) const {
  auto t = tables_->find(s.table);
  if (!t) return errors::table_not_found();
  if (!s.index.empty()) {
    if (!t->find_index(s.index)) {
      return errors::validation("The table does not have the specified index");
    }
    if (!index_read) {
      return errors::validation(
          "Reading a secondary index is supported in ExecuteStatement only: " + s.index);
    }
  }
  return t;
}

Output DynamoDbService::partiql_select(const TablePtr& t, const Statement& s,
                                       const json::object& in) const {
  auto index = select_index(*t, s, in);
  if (!index) return index.take_error();
  const IndexDef* i = *index;
  auto schema = model_schema(i ? i->key : t->key);
  auto plan = model::partiql_query_plan(s.where, schema);
  if (s.order_by) {
    if (*s.order_by != schema.partition.name &&
        (!schema.sort || *s.order_by != schema.sort->name)) {
      return errors::validation("Variable reference " + *s.order_by +
                                " in ORDER BY clause must be part of the primary key");
    }
    if (!plan) {
      return errors::validation(
          "Must have at least one non-optional hash key condition in WHERE clause when using "
          "ORDER BY clause.");
    }
  }
  auto start = start_after(in, *t, i);
  if (!start) return start.take_error();
  KeyRange range;
  if (plan) {
    range = i ? index_condition_range(*t, *i, *plan, !s.descending)
              : key_condition_range(*t, *plan, !s.descending);
  } else {
    range.prefix = i ? index_prefix(*t, *i) : table_prefix(*t);
  }
  range.exclusive_start = *start;
  auto limit = integer(in, "Limit");
  auto mode = capacity_mode(in);
  if (!mode) return mode.take_error();
  auto page = read_range(
      *items_, range, limit && *limit > 0 ? static_cast<size_t>(*limit) : SIZE_MAX, i != nullptr);
  if (!page) return page.take_error();
  size_t bytes = 0;
  for (const auto& item : page->items) bytes += model::item_size(item);
  // An LSI that does not project every attribute: the items come from the
  // table (a GSI answers what it projects).
  if (i && !t->is_global(*i) && str(i->projection, "ProjectionType") != "ALL") {
    if (auto st = fetch_table_items(*items_, *t, *page); !st) return st.take_error();
  }
  std::optional<model::Condition> filter;
  if (s.where) filter.emplace(*s.where);
  std::optional<model::Projection> projection;
  if (!s.projection.empty()) projection.emplace(s.projection);
  json::array items;
  for (auto& item : page->items) {
    if (filter && !filter->matches(item)) continue;
    items.push_back(projection ? projection->apply(item) : std::move(item));
  }
  json::object out{{"Items", std::move(items)}};
  if (page->last) {
    json::object key = last_evaluated(*t, i, *page->last);
    out["NextToken"] = next_token(key);
    out["LastEvaluatedKey"] = std::move(key);
  }
  if (*mode != CapacityMode::kNone) {
    bool consistent = boolean(in, "ConsistentRead").value_or(false);
    out["ConsumedCapacity"] =
        consumed_capacity(t->name, read_consumed(*t, i ? i->name : "", bytes, consistent), *mode);
  }
  return out;
}

// A SELECT of BatchExecuteStatement: one item by its full key.
Output DynamoDbService::partiql_get(const TablePtr& t, const Statement& s, CapacityMode mode,
                                    bool consistent) const {
  auto lookup = model::partiql_key_lookup(s.where, model_schema(t->key));
  if (!lookup) {
    return errors::validation(
        "Select statements within BatchExecuteStatement must specify the primary key in the "
        "where clause.");
  }
  auto item = items_->get(item_key(*t, lookup->key));
  if (!item) return item.take_error();
  json::object out{{"TableName", t->name}};
  if (mode != CapacityMode::kNone) {
    size_t bytes = *item ? model::item_size(**item) : 0;
    out["ConsumedCapacity"] =
        consumed_capacity(t->name, read_consumed(*t, "", bytes, consistent), mode);
  }
  if (*item && (!lookup->rest || lookup->rest->matches(**item))) {
    out["Item"] =
        s.projection.empty() ? std::move(**item) : model::Projection(s.projection).apply(**item);
  }
  return out;
}

void DynamoDbService::partiql_write(TablePtr t, Statement s, json::object in, Respond respond) {
  using Returning = Statement::Returning;
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  std::string key;
  std::optional<model::Condition> rest;
  json::object key_attrs;
  if (s.kind == Statement::Kind::kInsert) {
    if (auto st = check_key(t->key, s.item, KeyFrom::kItem); !st) return respond(st.take_error());
    if (auto st = model::check_item_size(s.item); !st) return respond(st.take_error());
    if (auto st = check_index_keys(*t, s.item); !st) return respond(st.take_error());
    key = item_key(*t, s.item);
  } else {
    auto lookup = model::partiql_key_lookup(s.where, model_schema(t->key));
    if (!lookup) return respond(lookup.take_error());
    key = item_key(*t, lookup->key);
    key_attrs = std::move(lookup->key);
    rest = std::move(lookup->rest);
  }
  model::Update update(s.actions);
  if (s.kind == Statement::Kind::kUpdate) {
    if (auto st = update.check_keys(t->key.names()); !st) return respond(st.take_error());
  }
  auto decide = [s = std::move(s), in = std::move(in), rest = std::move(rest), update,
                 table = t](const std::optional<json::object>& current) -> Result<Decision> {
    Decision d{Decision::Kind::kNone, {}, {{"Items", json::array{}}}};
    auto& items = d.answer["Items"].as_array();
    if (s.kind == Statement::Kind::kInsert) {
      if (current) return duplicate_item();
      d.kind = Decision::Kind::kPut;
      d.item = s.item;
      return d;
    }
    bool exists = current.has_value();
    if ((s.kind == Statement::Kind::kUpdate && !exists) ||
        (rest && !rest->matches(current ? *current : json::object{}))) {
      return condition_failed(in, current);
    }
    if (s.kind == Statement::Kind::kDelete) {
      if (!exists) return d;
      d.kind = Decision::Kind::kDelete;
      if (s.returning == Returning::kAllOld) items.push_back(*current);
      return d;
    }
    auto next = update.apply(*current);
    if (!next) return next.take_error();
    if (model::item_size(*next) > model::kMaxItemSize) {
      return errors::validation("Item size to update has exceeded the maximum allowed size");
    }
    if (auto st = check_index_keys(*table, *next); !st) return st.take_error();
    if (s.returning == Returning::kAllOld) items.push_back(*current);
    if (s.returning == Returning::kAllNew) items.push_back(*next);
    if (s.returning == Returning::kModifiedOld || s.returning == Returning::kModifiedNew) {
      json::object part =
          update.updated_paths().apply(s.returning == Returning::kModifiedNew ? *next : *current);
      if (!part.empty()) items.push_back(std::move(part));
    }
    d.kind = Decision::Kind::kPut;
    d.item = std::move(*next);
    return d;
  };
  items_->write(t, std::move(key), metered(std::move(decide), t, *mode), std::move(respond));
}

void DynamoDbService::execute_statement(const CallContext&, object in, Respond respond) {
  auto s = parse(in);
  if (!s) return respond(s.take_error());
  auto t = statement_table(*s, true);
  if (!t) return respond(t.take_error());
  if (s->kind != Statement::Kind::kSelect) {
    return partiql_write(std::move(*t), std::move(*s), std::move(in), std::move(respond));
  }
  run_blocking(env_.workers, std::move(respond),
               [this, t = std::move(*t), s = std::move(*s), in = std::move(in)]() -> Output {
                 return partiql_select(t, s, in);
               });
}

void DynamoDbService::batch_execute_statement(const CallContext&, object in, Respond respond) {
  const auto* list = in.if_contains("Statements");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) {
    return respond(errors::constraint("null", "statements", "Member must not be null"));
  }
  const auto& statements = list->as_array();
  if (statements.size() > kMaxBatchStatements) {
    return respond(errors::constraint("'" + json::serialize(statements) + "'", "statements",
                                      "Member must have length less than or equal to 25"));
  }
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  // Every member runs; the answer once all have, in request order. Each
  // member's ConsumedCapacity is added to its table's.
  struct Join {
    std::mutex mu;
    size_t left;
    json::array responses;
    std::map<std::string, Consumed> consumed;
    Respond respond;
  };
  auto join = std::make_shared<Join>();
  join->left = statements.size();
  join->responses.resize(statements.size());
  join->respond = std::move(respond);
  for (size_t i = 0; i < statements.size(); ++i) {
    json::object member = statements[i].is_object() ? statements[i].as_object() : json::object{};
    auto done = [join, i, mode = *mode](std::string table, Output out, Consumed cost) {
      json::object r;
      if (out) {
        out->erase("ConsumedCapacity");
        r = out->contains("TableName") ? std::move(*out) : json::object{{"TableName", table}};
      } else {
        r["Error"] = batch_error(out.error());
        if (!table.empty()) r["TableName"] = table;
      }
      std::unique_lock lock(join->mu);
      join->responses[i] = std::move(r);
      if (!table.empty()) join->consumed[table] += cost;
      if (--join->left > 0) return;
      Respond reply = std::move(join->respond);
      json::array responses = std::move(join->responses);
      auto consumed = std::move(join->consumed);
      lock.unlock();
      json::object answer{{"Responses", std::move(responses)}};
      if (mode != CapacityMode::kNone)
        answer["ConsumedCapacity"] = consumed_capacity(consumed, mode);
      reply(std::move(answer));
    };
    auto s = parse(member);
    if (!s) {
      done("", s.take_error(), {});
      continue;
    }
    auto t = statement_table(*s);
    if (!t) {
      done("", t.take_error(), {});
      continue;
    }
    std::string table = (*t)->name;
    // A member costs what it would alone; the capacity is read back from
    // its answer (TOTAL and INDEXES carry the table's and each index's).
    auto cost_of = [](const Output& out) {
      Consumed c;
      if (!out) return c;
      const auto* cc = out->if_contains("ConsumedCapacity");
      if (cc == nullptr || !cc->is_object()) return c;
      c = consumed_from(cc->as_object());
      return c;
    };
    if (s->kind == Statement::Kind::kSelect) {
      auto out = partiql_get(*t, *s, *mode == CapacityMode::kNone ? *mode : CapacityMode::kIndexes,
                             boolean(member, "ConsistentRead").value_or(false));
      Consumed cost = cost_of(out);
      done(table, std::move(out), cost);
      continue;
    }
    if (*mode != CapacityMode::kNone) member["ReturnConsumedCapacity"] = "INDEXES";
    partiql_write(std::move(*t), std::move(*s), std::move(member),
                  [done, table, cost_of](Output out) {
                    Consumed cost = cost_of(out);
                    done(table, std::move(out), cost);
                  });
  }
}

}  // namespace nimbus::services::dynamodb
