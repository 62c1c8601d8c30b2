// BatchGetItem and BatchWriteItem: every request validated first (a bad one
// fails the whole call, changing nothing), then each item read or written
// on its own, as DynamoDB does (a batch is not a transaction).
#include <atomic>
#include <mutex>
#include <set>

#include "common/json_fields.h"
#include "services/dynamodb/collections.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/expression.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

namespace {

constexpr size_t kMaxBatchGetKeys = 100;
constexpr size_t kMaxBatchWrites = 25;
// BatchGetItem answers at most 16 MB; keys beyond go to UnprocessedKeys.
constexpr size_t kMaxBatchGetBytes = 16 * 1024 * 1024;

const json::object* request_items(const json::object& in) {
  const auto* v = in.if_contains("RequestItems");
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

struct Write {
  TablePtr table;
  std::string key;
  std::optional<json::object> put;  // nullopt: delete
  json::object key_attrs;
};

}  // namespace

Output DynamoDbService::batch_get_item(const json::object& in) const {
  const auto* requests = request_items(in);
  if (requests == nullptr || requests->empty()) {
    return errors::validation(
        "1 validation error detected: Value null at 'requestItems' failed "
        "to satisfy constraint: Member must not be null");
  }
  struct Get {
    std::string table_name;
    TablePtr table;
    std::optional<model::Projection> projection;
    std::vector<std::pair<json::object, std::string>> keys;  // key, storage key
    json::object request;
  };
  std::vector<Get> gets;
  size_t total = 0;
  for (const auto& [name, value] : *requests) {
    Get g;
    g.table_name = name;
    g.table = tables_->find(table_name_of(json::object{{"TableName", name}}));
    if (!g.table) return errors::table_not_found();
    if (!value.is_object()) return errors::validation("Invalid RequestItems");
    g.request = value.as_object();
    auto expr = model::parse_request(g.request);
    if (!expr) return expr.take_error();
    g.projection = std::move(expr->projection);
    const auto* keys = g.request.if_contains("Keys");
    if (keys == nullptr || !keys->is_array()) return errors::validation("Invalid RequestItems");
    std::set<std::string> seen;
    for (const auto& k : keys->as_array()) {
      if (!k.is_object()) return errors::validation("Invalid RequestItems");
      json::object key = k.as_object();
      if (auto st = model::normalize_item(key); !st) return st.take_error();
      if (auto st = check_key(g.table->key, key, KeyFrom::kKey); !st) return st.take_error();
      std::string storage_key = item_key(*g.table, key);
      if (!seen.insert(storage_key).second) {
        return errors::validation("Provided list of item keys contains duplicates");
      }
      g.keys.emplace_back(std::move(key), std::move(storage_key));
      ++total;
    }
    gets.push_back(std::move(g));
  }
  if (total > kMaxBatchGetKeys) {
    return errors::validation("Too many items requested for the BatchGetItem call");
  }
  auto mode = capacity_mode(in);
  if (!mode) return mode.take_error();
  json::object responses, unprocessed;
  std::map<std::string, Consumed> consumed;
  size_t bytes = 0;
  for (auto& g : gets) {
    json::array found;
    json::array left;
    bool consistent = boolean(g.request, "ConsistentRead").value_or(false);
    for (auto& [key, storage_key] : g.keys) {
      if (bytes >= kMaxBatchGetBytes) {
        left.push_back(std::move(key));
        continue;
      }
      auto item = items_->get(storage_key);
      if (!item) return item.take_error();
      size_t size = *item ? model::item_size(**item) : 0;
      consumed[g.table->name] += read_consumed(*g.table, "", size, consistent);
      if (!*item) continue;
      bytes += size;
      found.push_back(g.projection ? g.projection->apply(**item) : std::move(**item));
    }
    responses[g.table_name] = std::move(found);
    if (!left.empty()) {
      json::object rest = g.request;
      rest["Keys"] = std::move(left);
      unprocessed[g.table_name] = std::move(rest);
    }
  }
  json::object out{{"Responses", std::move(responses)},
                   {"UnprocessedKeys", std::move(unprocessed)}};
  if (*mode != CapacityMode::kNone) out["ConsumedCapacity"] = consumed_capacity(consumed, *mode);
  return out;
}

void DynamoDbService::batch_get_handler(const CallContext&, object in, Respond respond) {
  run_blocking(env_.workers, std::move(respond),
               [this, in = std::move(in)]() -> Output { return batch_get_item(in); });
}

void DynamoDbService::batch_write_item(const CallContext&, object in, Respond respond) {
  const auto* requests = request_items(in);
  if (requests == nullptr || requests->empty()) {
    return respond(
        errors::validation("1 validation error detected: Value null at "
                           "'requestItems' failed to satisfy constraint: Member must "
                           "not be null"));
  }
  std::vector<Write> writes;
  for (const auto& [name, value] : *requests) {
    auto table = tables_->find(table_name_of(json::object{{"TableName", name}}));
    if (!table) return respond(errors::table_not_found());
    if (!value.is_array()) return respond(errors::validation("Invalid RequestItems"));
    std::set<std::string> seen;
    for (const auto& r : value.as_array()) {
      const auto* req = r.is_object() ? &r.as_object() : nullptr;
      const auto* put = req ? req->if_contains("PutRequest") : nullptr;
      const auto* del = req ? req->if_contains("DeleteRequest") : nullptr;
      bool is_put = put != nullptr && put->is_object();
      bool is_del = del != nullptr && del->is_object();
      if (is_put == is_del) {
        return respond(errors::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes"));
      }
      Write w{table, "", std::nullopt, {}};
      const auto& body = is_put ? put->as_object() : del->as_object();
      const auto* attrs = body.if_contains(is_put ? "Item" : "Key");
      if (attrs == nullptr || !attrs->is_object()) {
        return respond(errors::validation("Invalid RequestItems"));
      }
      json::object map = attrs->as_object();
      if (auto st = model::normalize_item(map); !st) return respond(st.take_error());
      if (auto st = check_key(table->key, map, is_put ? KeyFrom::kItem : KeyFrom::kKey); !st) {
        return respond(st.take_error());
      }
      if (is_put) {
        if (auto st = model::check_item_size(map); !st) return respond(st.take_error());
        if (auto st = check_index_keys(*table, map); !st) return respond(st.take_error());
      }
      w.key = item_key(*table, map);
      w.key_attrs = key_attributes(table->key, map);
      if (!seen.insert(w.key).second) {
        return respond(errors::validation("Provided list of item keys contains duplicates"));
      }
      if (is_put) w.put = std::move(map);
      writes.push_back(std::move(w));
    }
  }
  if (writes.size() > kMaxBatchWrites) {
    return respond(errors::validation("Too many items requested for the BatchWriteItem call"));
  }
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  auto metrics = collection_metrics_asked(in);
  if (!metrics) return respond(metrics.take_error());
  bool want_metrics = *metrics;
  // Each write on its own item's turn; the answer once all are durable.
  struct Join {
    std::mutex mu;
    size_t left;
    std::optional<Error> error;
    std::map<std::string, Consumed> consumed;
    json::object metrics;  // ItemCollectionMetrics: table -> list
    Respond respond;
  };
  auto join = std::make_shared<Join>();
  join->left = writes.size();
  join->respond = std::move(respond);
  CapacityMode m = *mode;
  for (auto& w : writes) {
    auto cost = std::make_shared<Consumed>();
    std::optional<json::object> metrics_of;
    if (want_metrics && !w.table->lsis.empty()) metrics_of = w.put ? *w.put : w.key_attrs;
    // Decided once per write (Items::write): the item moves into the decision.
    Decide decide = [put = std::move(w.put), table = w.table, cost, metrics_of](
                        const std::optional<json::object>& current) mutable -> Result<Decision> {
      *cost = write_consumed(*table, current, put);
      Decision d{Decision::Kind::kPut, put ? std::move(*put) : json::object{}, {}};
      if (!put) d.kind = current ? Decision::Kind::kDelete : Decision::Kind::kNone;
      d.metrics_of = std::move(metrics_of);
      return d;
    };
    items_->write(w.table, w.key, std::move(decide),
                  [join, cost, name = w.table->name, m](Output out) {
                    std::unique_lock lock(join->mu);
                    if (!out && !join->error) join->error = out.take_error();
                    if (out) join->consumed[name] += *cost;
                    if (out) {
                      if (const auto* m = out->if_contains("ItemCollectionMetrics")) {
                        auto& list = join->metrics[name];
                        if (!list.is_array()) list = json::array{};
                        list.as_array().push_back(*m);
                      }
                    }
                    if (--join->left > 0) return;
                    Respond r = std::move(join->respond);
                    std::optional<Error> error = std::move(join->error);
                    auto consumed = std::move(join->consumed);
                    auto metrics = std::move(join->metrics);
                    lock.unlock();
                    if (error) return r(std::move(*error));
                    json::object answer{{"UnprocessedItems", json::object{}}};
                    if (!metrics.empty()) answer["ItemCollectionMetrics"] = std::move(metrics);
                    if (m != CapacityMode::kNone) {
                      answer["ConsumedCapacity"] = consumed_capacity(consumed, m);
                    }
                    r(std::move(answer));
                  });
  }
}

}  // namespace nimbus::services::dynamodb
