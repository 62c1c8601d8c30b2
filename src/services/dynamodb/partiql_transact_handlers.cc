// ExecuteTransaction: up to 100 PartiQL statements, all reads or all writes.
// Writes become the same actions as TransactWriteItems' (INSERT a Put that
// needs the item absent, UPDATE an Update that needs it present, DELETE a
// Delete, EXISTS(SELECT ...) a ConditionCheck that needs it present, each
// conditional on the rest of its WHERE) and run on the same
// transaction path; reads are single-item SELECTs read under every item's
// turn at once, as TransactGetItems reads.
#include <algorithm>
#include <set>

#include "common/json_fields.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/partiql.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;
using Statement = model::PartiqlStatement;

namespace {

constexpr size_t kMaxTransactStatements = 100;

Error multiple_operations() {
  return errors::validation("Transaction request cannot include multiple operations on one item");
}

}  // namespace

Result<DynamoDbService::TransactAction> DynamoDbService::partiql_action(TablePtr t,
                                                                        Statement s) const {
  TransactAction a;
  a.table = t;
  auto expr = std::make_shared<model::RequestExpressions>();
  json::object key_source;
  if (s.kind == Statement::Kind::kInsert) {
    if (auto st = check_key(t->key, s.item, KeyFrom::kItem); !st) return st.take_error();
    if (auto st = model::check_item_size(s.item); !st) return st.take_error();
    if (auto st = check_index_keys(*t, s.item); !st) return st.take_error();
    a.kind = TransactKind::kPut;
    a.must_exist = -1;
    a.item = s.item;
    key_source = s.item;
  } else {
    auto lookup = model::partiql_key_lookup(s.where, model_schema(t->key));
    if (!lookup) return lookup.take_error();
    expr->condition = std::move(lookup->rest);
    key_source = std::move(lookup->key);
    if (s.kind == Statement::Kind::kUpdate) {
      model::Update update(s.actions);
      if (auto st = update.check_keys(t->key.names()); !st) return st.take_error();
      expr->update.emplace(std::move(update));
      a.kind = TransactKind::kUpdate;
      a.must_exist = 1;
    } else if (s.kind == Statement::Kind::kExists) {
      // A condition check: the item exists and matches the rest of the WHERE.
      a.kind = TransactKind::kCheck;
      a.must_exist = 1;
    } else {
      a.kind = TransactKind::kDelete;
    }
  }
  a.key = item_key(*t, key_source);
  a.key_attrs = key_attributes(t->key, key_source);
  a.expr = std::move(expr);
  return a;
}

void DynamoDbService::execute_transaction(const CallContext&, object in, Respond respond) {
  const auto* list = in.if_contains("TransactStatements");
  if (list == nullptr || !list->is_array()) {
    return respond(errors::constraint("null", "transactStatements", "Member must not be null"));
  }
  const auto& members = list->as_array();
  if (members.empty() || members.size() > kMaxTransactStatements) {
    return respond(errors::constraint("'" + json::serialize(members) + "'", "transactStatements",
                                      members.empty()
                                          ? "Member must have length greater than or equal to 1"
                                          : "Member must have length less than or equal to 100"));
  }
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  std::vector<std::pair<TablePtr, Statement>> statements;
  for (const auto& m : members) {
    json::array parameters;
    const json::object* member = m.is_object() ? &m.as_object() : nullptr;
    if (member == nullptr) return respond(errors::validation("Invalid TransactStatements"));
    if (const auto* p = member->if_contains("Parameters"); p != nullptr && p->is_array()) {
      parameters = p->as_array();
    }
    auto s = model::parse_partiql(str(*member, "Statement"), parameters);
    if (!s) return respond(s.take_error());
    auto t = statement_table(*s);
    if (!t) return respond(t.take_error());
    statements.emplace_back(std::move(*t), std::move(*s));
  }
  size_t reads = std::count_if(statements.begin(), statements.end(), [](const auto& p) {
    return p.second.kind == Statement::Kind::kSelect;
  });
  if (reads != 0 && reads != statements.size()) {
    return respond(errors::validation(
        "A transaction must contain only read statements or only write statements"));
  }

  if (reads == 0) {
    std::vector<TransactAction> actions;
    std::set<std::string> seen;
    for (size_t i = 0; i < statements.size(); ++i) {
      auto a = partiql_action(statements[i].first, std::move(statements[i].second));
      if (!a) return respond(a.take_error());
      if (!seen.insert(a->key).second) return respond(multiple_operations());
      a->return_old_on_failure =
          str(members[i].as_object(), "ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
      actions.push_back(std::move(*a));
    }
    return run_transact_writes(std::move(actions), str(in, "ClientRequestToken"),
                               json::serialize(members), *mode, std::move(respond));
  }

  // Reads: each SELECT names one item by its full key; the rest of its WHERE
  // decides whether the item is answered.
  struct Read {
    TablePtr table;
    std::string key;
    std::optional<model::Condition> rest;
    std::vector<model::Path> projection;
  };
  auto gets = std::make_shared<std::vector<Read>>();
  std::vector<std::string> keys;
  for (auto& [t, s] : statements) {
    auto lookup = model::partiql_key_lookup(s.where, model_schema(t->key));
    if (!lookup) return respond(lookup.take_error());
    gets->push_back(Read{t, item_key(*t, lookup->key), std::move(lookup->rest), s.projection});
    keys.push_back(gets->back().key);
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return respond(multiple_operations());
  }
  auto answer = std::make_shared<Respond>(std::move(respond));
  bool started =
      items_->with_turns(std::move(keys), [this, gets, answer, mode = *mode](Items::Turns) {
        json::array responses;
        std::map<std::string, Consumed> consumed;
        for (auto& g : *gets) {
          auto item = items_->get(g.key);
          if (!item) return (*answer)(item.take_error());
          size_t bytes = *item ? model::item_size(**item) : 0;
          consumed[g.table->name] += read_consumed(*g.table, "", bytes, true).scaled(2);
          json::object r;
          if (*item && (!g.rest || g.rest->matches(**item))) {
            r["Item"] = g.projection.empty() ? std::move(**item)
                                             : model::Projection(g.projection).apply(**item);
          }
          responses.push_back(std::move(r));
        }
        json::object out{{"Responses", std::move(responses)}};
        if (mode != CapacityMode::kNone)
          out["ConsumedCapacity"] = consumed_capacity(consumed, mode);
        (*answer)(std::move(out));
      });
  if (!started) (*answer)(Error::make("InternalServerError", "the server is stopping", 500));
}

}  // namespace nimbus::services::dynamodb
