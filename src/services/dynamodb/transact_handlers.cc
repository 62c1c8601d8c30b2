// TransactWriteItems and TransactGetItems: every item's turn held at once
// (Items::with_turns, taken in key order), conditions checked on what is
// stored, and every change committed in one batch, so a transaction is
// atomic (also across kill -9) and serializable against every other write
// of its items. ClientRequestToken makes a write idempotent for 10 minutes.
#include <algorithm>
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

using Kind = TransactKind;

const char* kind_member(Kind k) {
  switch (k) {
    case Kind::kCheck:
      return "ConditionCheck";
    case Kind::kPut:
      return "Put";
    case Kind::kDelete:
      return "Delete";
    case Kind::kUpdate:
      return "Update";
  }
  return "";
}

Error cancelled(const json::array& reasons) {
  std::string codes;
  for (const auto& r : reasons) {
    codes += (codes.empty() ? "" : ", ") + std::string(r.at("Code").as_string());
  }
  return Error::make("TransactionCanceledException",
                     "Transaction cancelled, please refer cancellation reasons for "
                     "specific reasons [" +
                         codes + "]")
      .with("CancellationReasons", json::serialize(reasons));
}

// A commit refused for an item collection past its limit: the writes to
// that collection are the reason. `collections`: each action's collection
// ("" for none: a condition check, a table without LSIs).
Error collection_cancelled(const std::vector<std::string>& collections,
                           const CollectionSizes& over) {
  json::array reasons;
  for (const auto& c : collections) {
    if (!c.empty() && over.count(c) != 0) {
      reasons.push_back(json::object{{"Code", "ItemCollectionSizeLimitExceeded"},
                                     {"Message", collection_limit_exceeded().message}});
    } else {
      reasons.push_back(json::object{{"Code", "None"}});
    }
  }
  return cancelled(reasons);
}

}  // namespace

Result<std::vector<DynamoDbService::TransactAction>> DynamoDbService::parse_transact_writes(
    const json::array& list) const {
  std::vector<TransactAction> out;
  std::set<std::string> seen;
  for (const auto& entry : list) {
    if (!entry.is_object()) return errors::validation("Invalid TransactItems");
    const auto& e = entry.as_object();
    std::vector<Kind> kinds;
    for (auto k : {Kind::kCheck, Kind::kPut, Kind::kDelete, Kind::kUpdate}) {
      if (has(e, kind_member(k))) kinds.push_back(k);
    }
    if (kinds.size() != 1) {
      return errors::validation(
          "TransactItems can only contain one of Check, Put, Update or Delete");
    }
    TransactAction a;
    a.kind = kinds[0];
    const auto* body_value = e.if_contains(kind_member(kinds[0]));
    if (!body_value->is_object()) return errors::validation("Invalid TransactItems");
    const auto& body = body_value->as_object();
    auto t = item_table(body);
    if (!t) return t.take_error();
    a.table = *t;
    bool put = kinds[0] == Kind::kPut;
    const auto* attrs = body.if_contains(put ? "Item" : "Key");
    if (attrs == nullptr || !attrs->is_object()) {
      return errors::constraint("null", put ? "item" : "key", "Member must not be null");
    }
    json::object map = attrs->as_object();
    if (auto st = model::normalize_item(map); !st) return st.take_error();
    if (auto st = check_key(a.table->key, map, put ? KeyFrom::kItem : KeyFrom::kKey); !st) {
      return st.take_error();
    }
    if (put) {
      if (auto st = model::check_item_size(map); !st) return st.take_error();
      if (auto st = check_index_keys(*a.table, map); !st) return st.take_error();
    }
    if (kinds[0] == Kind::kCheck && !has(body, "ConditionExpression")) {
      return errors::constraint("null", "transactItems.1.member.conditionCheck.conditionExpression",
                                "Member must not be null");
    }
    auto expr = model::parse_request(body);
    if (!expr) return expr.take_error();
    if (expr->update) {
      if (auto st = expr->update->check_keys(a.table->key.names()); !st) return st.take_error();
    }
    a.expr = std::make_shared<model::RequestExpressions>(std::move(*expr));
    a.key = item_key(*a.table, map);
    if (!seen.insert(a.key).second) {
      return errors::validation(
          "Transaction request cannot include multiple operations on one "
          "item");
    }
    a.key_attrs = key_attributes(a.table->key, map);
    if (put) a.item = std::move(map);
    a.return_old_on_failure = str(body, "ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
    out.push_back(std::move(a));
  }
  return out;
}

void DynamoDbService::transact_write_items(const CallContext&, object in, Respond respond) {
  const auto* list = in.if_contains("TransactItems");
  if (list == nullptr || !list->is_array()) {
    return respond(errors::constraint("null", "transactItems", "Member must not be null"));
  }
  auto actions = parse_transact_writes(list->as_array());
  if (!actions) return respond(actions.take_error());
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  auto metrics = collection_metrics_asked(in);
  if (!metrics) return respond(metrics.take_error());
  run_transact_writes(std::move(*actions), str(in, "ClientRequestToken"), json::serialize(*list),
                      *mode, std::move(respond), *metrics);
}

void DynamoDbService::run_transact_writes(std::vector<TransactAction> actions, std::string token,
                                          std::string fingerprint, CapacityMode mode,
                                          Respond respond, bool metrics) {
  std::vector<std::string> keys;
  for (const auto& a : actions) keys.push_back(a.key);
  auto shared = std::make_shared<std::vector<TransactAction>>(std::move(actions));
  auto answer = std::make_shared<Respond>(std::move(respond));
  bool started = items_->with_turns(std::move(keys), [this, shared, token, fingerprint, mode,
                                                      answer, metrics](Items::Turns turns) {
    const Respond& respond = *answer;
    // ClientRequestToken: the same request again within 10 minutes answers
    // as the first did without writing again. Read under the items' turns,
    // so a replay racing the first waits for its commit.
    if (!token.empty()) {
      auto seen = token_seen(token, fingerprint);
      if (!seen) return respond(seen.take_error());
      if (*seen) return respond(json::object{});
    }
    std::vector<Items::Change> changes;
    std::map<std::string, Consumed> consumed;  // a transaction costs twice a write
    json::array reasons;
    bool failed = false;
    for (auto& a : *shared) {
      auto current = items_->get(a.key);
      if (!current) return respond(current.take_error());
      const auto& expr = *a.expr;
      json::object stored = *current ? **current : json::object{};
      bool exists = current->has_value();
      if (a.must_exist < 0 && exists) {
        failed = true;
        reasons.push_back(json::object{{"Code", "DuplicateItem"},
                                       {"Message", "Duplicate primary key exists in table"}});
        continue;
      }
      if ((a.must_exist > 0 && !exists) || (expr.condition && !expr.condition->matches(stored))) {
        failed = true;
        json::object reason{{"Code", "ConditionalCheckFailed"},
                            {"Message", "The conditional request failed"}};
        if (a.return_old_on_failure && *current) reason["Item"] = **current;
        reasons.push_back(std::move(reason));
        continue;
      }
      reasons.push_back(json::object{{"Code", "None"}});
      Kind kind = a.kind;
      if (kind == Kind::kCheck) {
        consumed[a.table->name] += write_consumed(*a.table, *current, *current).scaled(2);
        continue;
      }
      Items::Change c{a.table, a.key, std::move(*current), std::nullopt};
      if (kind == Kind::kPut) c.after = a.item;
      if (kind == Kind::kUpdate) {
        json::object next = c.before ? *c.before : a.key_attrs;
        if (expr.update) {
          auto applied = expr.update->apply(next);
          if (!applied) return respond(applied.take_error());
          next = std::move(*applied);
        }
        if (model::item_size(next) > model::kMaxItemSize) {
          return respond(
              errors::validation("Item size to update has exceeded the maximum allowed size"));
        }
        c.after = std::move(next);
      }
      consumed[a.table->name] += write_consumed(*a.table, c.before, c.after).scaled(2);
      if (kind == Kind::kDelete && !c.before) continue;
      changes.push_back(std::move(c));
    }
    if (failed) return respond(cancelled(reasons));
    json::object out;
    if (mode != CapacityMode::kNone) out["ConsumedCapacity"] = consumed_capacity(consumed, mode);
    if (changes.empty() && token.empty()) return respond(std::move(out));
    auto remember = [this, &token, &fingerprint](storage::WriteBatch& batch) {
      if (!token.empty()) remember_token(batch, token, fingerprint);
    };
    auto sizes = std::make_shared<CollectionSizes>();
    items_->commit(
        changes,
        [shared, turns, answer, metrics, sizes, changes, out = std::move(out)](Status st) mutable {
          turns->turns.clear();
          if (!st && st.error().code == "ItemCollectionSizeLimitExceededException") {
            std::vector<std::string> collections;
            for (const auto& a : *shared) {
              bool counts = !a.table->lsis.empty() && a.kind != Kind::kCheck;
              collections.push_back(counts ? collection_key(*a.table, a.key_attrs) : "");
            }
            return (*answer)(collection_cancelled(collections, *sizes));
          }
          if (!st) return (*answer)(st.take_error());
          if (metrics) {
            json::object by_table;
            for (const auto& c : changes) {
              if (c.table->lsis.empty()) continue;
              const auto& item = c.after ? *c.after : *c.before;
              auto& list = by_table[c.table->name];
              if (!list.is_array()) list = json::array{};
              list.as_array().push_back(
                  collection_metrics(*c.table, item, (*sizes)[collection_key(*c.table, item)]));
            }
            if (!by_table.empty()) out["ItemCollectionMetrics"] = std::move(by_table);
          }
          (*answer)(std::move(out));
        },
        sizes, remember);
  });
  if (!started) (*answer)(Error::make("InternalServerError", "the server is stopping", 500));
}

void DynamoDbService::transact_get_items(const CallContext&, object in, Respond respond) {
  const auto* list = in.if_contains("TransactItems");
  if (list == nullptr || !list->is_array()) {
    return respond(errors::constraint("null", "transactItems", "Member must not be null"));
  }
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  struct Get {
    TablePtr table;
    std::string key;
    std::optional<model::Projection> projection;
  };
  auto gets = std::make_shared<std::vector<Get>>();
  std::vector<std::string> keys;
  for (const auto& entry : list->as_array()) {
    const auto* get = entry.is_object() ? entry.as_object().if_contains("Get") : nullptr;
    if (get == nullptr || !get->is_object())
      return respond(errors::validation("Invalid TransactItems"));
    const auto& body = get->as_object();
    auto t = item_table(body);
    if (!t) return respond(t.take_error());
    const auto* key_value = body.if_contains("Key");
    if (key_value == nullptr || !key_value->is_object()) {
      return respond(errors::constraint("null", "key", "Member must not be null"));
    }
    json::object key = key_value->as_object();
    if (auto st = model::normalize_item(key); !st) return respond(st.take_error());
    if (auto st = check_key((*t)->key, key, KeyFrom::kKey); !st) return respond(st.take_error());
    auto expr = model::parse_request(body);
    if (!expr) return respond(expr.take_error());
    gets->push_back(Get{*t, item_key(**t, key), std::move(expr->projection)});
    keys.push_back(gets->back().key);
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return respond(
        errors::validation("Transaction request cannot include multiple operations on "
                           "one item"));
  }
  auto answer = std::make_shared<Respond>(std::move(respond));
  bool started =
      items_->with_turns(std::move(keys), [this, gets, answer, mode = *mode](Items::Turns) {
        const Respond& respond = *answer;
        json::array responses;
        std::map<std::string, Consumed> consumed;  // a transactional read costs twice
        for (auto& g : *gets) {
          auto item = items_->get(g.key);
          if (!item) return respond(item.take_error());
          size_t bytes = *item ? model::item_size(**item) : 0;
          consumed[g.table->name] += read_consumed(*g.table, "", bytes, true).scaled(2);
          json::object r;
          if (*item) r["Item"] = g.projection ? g.projection->apply(**item) : std::move(**item);
          responses.push_back(std::move(r));
        }
        json::object out{{"Responses", std::move(responses)}};
        if (mode != CapacityMode::kNone)
          out["ConsumedCapacity"] = consumed_capacity(consumed, mode);
        respond(std::move(out));
      });
  if (!started) (*answer)(Error::make("InternalServerError", "the server is stopping", 500));
}

}  // namespace nimbus::services::dynamodb
