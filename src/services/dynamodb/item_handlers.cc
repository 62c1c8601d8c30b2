// PutItem, GetItem, DeleteItem, UpdateItem: one item, read and changed
// under its turn (items.h), with conditions, projections, updates and
// ReturnValues.
#include "common/json_fields.h"
#include "common/json_fragment.h"
#include "services/dynamodb/collections.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/expression.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

namespace {

// A member holding an item or a key, normalized (numbers canonical).
Result<json::object> attribute_map(const json::object& in, std::string_view member) {
  const auto* v = in.if_contains(member);
  if (v == nullptr || !v->is_object()) {
    return errors::constraint(
        "null",
        std::string(1, static_cast<char>(std::tolower(member[0]))) + std::string(member.substr(1)),
        "Member must not be null");
  }
  json::object out = v->as_object();
  if (auto st = model::normalize_item(out); !st) return st.take_error();
  return out;
}

// The same, moved out of a request the caller owns (PutItem's Item is most
// of its request: a copy of it cost more than its normalization). `in`
// keeps the member, emptied.
Result<json::object> take_attribute_map(json::object& in, std::string_view member) {
  auto* v = in.if_contains(member);
  if (v == nullptr || !v->is_object()) return attribute_map(in, member);
  json::object out = std::move(v->as_object());
  if (auto st = model::normalize_item(out); !st) return st.take_error();
  return out;
}

Status check_return_values(const std::string& rv, bool update) {
  if (rv.empty() || rv == "NONE" || rv == "ALL_OLD") return Status::ok();
  if (update && (rv == "UPDATED_OLD" || rv == "ALL_NEW" || rv == "UPDATED_NEW")) {
    return Status::ok();
  }
  if (!update && (rv == "UPDATED_OLD" || rv == "ALL_NEW" || rv == "UPDATED_NEW")) {
    return errors::validation("ReturnValues can only be ALL_OLD or NONE");
  }
  return errors::constraint("'" + rv + "'", "returnValues",
                            "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, "
                            "NONE, UPDATED_NEW]");
}

// What DeleteItem and UpdateItem check before they write: the Key against
// the table's schema, ReturnValues, and the request's expressions.
struct KeyedWrite {
  json::object key;
  std::string return_values;
  model::RequestExpressions expr;
};
Result<KeyedWrite> keyed_write(const TableDef& t, const json::object& in, bool update) {
  auto key = attribute_map(in, "Key");
  if (!key) return key.take_error();
  if (auto st = check_key(t.key, *key, KeyFrom::kKey); !st) return st.take_error();
  std::string rv = str(in, "ReturnValues");
  if (auto st = check_return_values(rv, update); !st) return st.take_error();
  auto expr = model::parse_request(in);
  if (!expr) return expr.take_error();
  return KeyedWrite{std::move(*key), std::move(rv), std::move(*expr)};
}

}  // namespace

Result<TablePtr> DynamoDbService::item_table(const json::object& in) const {
  auto t = tables_->find(table_name_of(in));
  if (!t) return errors::table_not_found();
  return t;
}

Error DynamoDbService::condition_failed(const json::object& in,
                                        const std::optional<json::object>& current) {
  Error e = errors::conditional_check_failed();
  if (current && str(in, "ReturnValuesOnConditionCheckFailure") == "ALL_OLD") {
    return std::move(e).with("Item", json::serialize(*current));
  }
  return e;
}

Status DynamoDbService::check_index_keys(const TableDef& t, const json::object& item) {
  for (const auto* list : {&t.gsis, &t.lsis}) {
    for (const auto& index : *list) {
      for (const auto& name : index.key.names()) {
        const auto* v = item.if_contains(name);
        if (v == nullptr) continue;
        std::string expected =
            name == index.key.hash.name ? index.key.hash.type : index.key.range->type;
        auto actual = model::type_of(*v);
        std::string actual_name = actual ? std::string(model::type_name(*actual)) : "NULL";
        if (actual_name != expected) {
          return errors::invalid_parameter("Type mismatch for Index Key " + name +
                                           " Expected: " + expected + " Actual: " + actual_name +
                                           " IndexName: " + index.name);
        }
        if ((expected == "S" || expected == "B") &&
            v->as_object().begin()->value().as_string().empty()) {
          return errors::invalid_parameter(
              "One or more parameter values are not valid. A value specified for a secondary "
              "index key is not supported. The AttributeValue for a key attribute cannot contain "
              "an empty " +
              std::string(expected == "S" ? "string" : "binary") +
              " value. IndexName: " + index.name + ", IndexKey: " + name);
        }
      }
    }
  }
  return Status::ok();
}

Decide DynamoDbService::metered(Decide decide, TablePtr t, CapacityMode mode) {
  if (mode == CapacityMode::kNone) return decide;
  return [decide = std::move(decide), t = std::move(t),
          mode](const std::optional<json::object>& current) -> Result<Decision> {
    auto d = decide(current);
    if (!d) return d;
    std::optional<json::object> after;
    if (d->kind == Decision::Kind::kPut) after = d->item;
    if (d->kind == Decision::Kind::kNone) after = current;
    d->answer["ConsumedCapacity"] =
        consumed_capacity(t->name, write_consumed(*t, current, after), mode);
    return d;
  };
}

void DynamoDbService::put_item(const CallContext&, object in, Respond respond) {
  auto t = item_table(in);
  if (!t) return respond(t.take_error());
  auto item = take_attribute_map(in, "Item");
  if (!item) return respond(item.take_error());
  if (auto st = check_key((*t)->key, *item, KeyFrom::kItem); !st) return respond(st.take_error());
  if (auto st = model::check_item_size(*item); !st) return respond(st.take_error());
  if (auto st = check_index_keys(**t, *item); !st) return respond(st.take_error());
  std::string rv = str(in, "ReturnValues");
  if (auto st = check_return_values(rv, false); !st) return respond(st.take_error());
  auto expr = model::parse_request(in);
  if (!expr) return respond(expr.take_error());
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  auto metrics = wants_collection_metrics(in, **t);
  if (!metrics) return respond(metrics.take_error());
  std::string key = item_key(**t, *item);
  // Items::write decides once per write: the item moves into the decision.
  auto decide =
      [in = std::move(in), item = std::move(*item), expr = std::move(*expr), rv,
       metrics = *metrics](const std::optional<json::object>& current) mutable -> Result<Decision> {
    if (expr.condition && !expr.condition->matches(current ? *current : json::object{})) {
      return condition_failed(in, current);
    }
    Decision d{Decision::Kind::kPut, std::move(item), {}};
    if (metrics) d.metrics_of = d.item;
    if (rv == "ALL_OLD" && current) d.answer["Attributes"] = *current;
    return d;
  };
  items_->write(*t, std::move(key), metered(std::move(decide), *t, *mode), std::move(respond));
}

void DynamoDbService::get_item(const CallContext& ctx, object in, Respond respond) {
  respond(read_item(in, ctx.payload.get()));
}

Output DynamoDbService::read_item(object& in, Payload* answer) const {
  auto t = item_table(in);
  if (!t) return t.take_error();
  auto key = take_attribute_map(in, "Key");
  if (!key) return key.take_error();
  if (auto st = check_key((*t)->key, *key, KeyFrom::kKey); !st) return st.take_error();
  auto expr = model::parse_request(in);
  if (!expr) return expr.take_error();
  auto mode = capacity_mode(in);
  if (!mode) return mode.take_error();
  auto stored = items_->get_stored(item_key(**t, *key));
  if (!stored) return stored.take_error();
  // The stored text answered as it is: no value built only to be written
  // back as the same text.
  bool as_text = *stored && answer != nullptr && answer->json_text && !expr->projection &&
                 Items::is_wire_json(**stored);
  std::optional<json::object> item;
  if (*stored && (!as_text || *mode != CapacityMode::kNone)) {
    auto decoded = Items::decode(**stored);
    if (!decoded) return decoded.take_error();
    item = std::move(*decoded);
  }
  json::object out;
  if (*mode != CapacityMode::kNone) {
    size_t bytes = item ? model::item_size(*item) : 0;
    bool consistent = boolean(in, "ConsistentRead").value_or(false);
    out["ConsumedCapacity"] =
        consumed_capacity((*t)->name, read_consumed(**t, "", bytes, consistent), *mode);
  }
  if (as_text) {
    out["Item"] = json_fragment(json::string(std::string_view(**stored)));
    answer->json_fragments = true;
  } else if (item) {
    out["Item"] = expr->projection ? expr->projection->apply(*item) : std::move(*item);
  }
  return out;
}

void DynamoDbService::delete_item(const CallContext&, object in, Respond respond) {
  auto t = item_table(in);
  if (!t) return respond(t.take_error());
  auto w = keyed_write(**t, in, false);
  if (!w) return respond(w.take_error());
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  auto metrics = wants_collection_metrics(in, **t);
  if (!metrics) return respond(metrics.take_error());
  std::string storage_key = item_key(**t, w->key);
  auto decide = [in = std::move(in), expr = std::move(w->expr), rv = std::move(w->return_values),
                 metrics_of = *metrics ? std::optional<json::object>(w->key) : std::nullopt](
                    const std::optional<json::object>& current) -> Result<Decision> {
    if (expr.condition && !expr.condition->matches(current ? *current : json::object{})) {
      return condition_failed(in, current);
    }
    Decision d{current ? Decision::Kind::kDelete : Decision::Kind::kNone, {}, {}};
    d.metrics_of = metrics_of;
    if (rv == "ALL_OLD" && current) d.answer["Attributes"] = *current;
    return d;
  };
  items_->write(*t, std::move(storage_key), metered(std::move(decide), *t, *mode),
                std::move(respond));
}

void DynamoDbService::update_item(const CallContext&, object in, Respond respond) {
  auto t = item_table(in);
  if (!t) return respond(t.take_error());
  auto w = keyed_write(**t, in, true);
  if (!w) return respond(w.take_error());
  auto mode = capacity_mode(in);
  if (!mode) return respond(mode.take_error());
  if (w->expr.update) {
    if (auto st = w->expr.update->check_keys((*t)->key.names()); !st) {
      return respond(st.take_error());
    }
  }
  auto metrics = wants_collection_metrics(in, **t);
  if (!metrics) return respond(metrics.take_error());
  std::string storage_key = item_key(**t, w->key);
  auto decide = [in = std::move(in), key = std::move(w->key), expr = std::move(w->expr),
                 rv = std::move(w->return_values), table = *t, metrics = *metrics](
                    const std::optional<json::object>& current) -> Result<Decision> {
    if (expr.condition && !expr.condition->matches(current ? *current : json::object{})) {
      return condition_failed(in, current);
    }
    json::object next = current ? *current : key;
    if (expr.update) {
      auto applied = expr.update->apply(next);
      if (!applied) return applied.take_error();
      next = std::move(*applied);
    }
    if (model::item_size(next) > model::kMaxItemSize) {
      return errors::validation("Item size to update has exceeded the maximum allowed size");
    }
    if (auto st = check_index_keys(*table, next); !st) return st.take_error();
    Decision d{Decision::Kind::kPut, next, {}};
    if (metrics) d.metrics_of = key;
    if (rv == "ALL_OLD" && current) d.answer["Attributes"] = *current;
    if (rv == "ALL_NEW") d.answer["Attributes"] = next;
    if ((rv == "UPDATED_OLD" || rv == "UPDATED_NEW") && expr.update) {
      json::object part = expr.update->updated_paths().apply(
          rv == "UPDATED_NEW" ? next : (current ? *current : json::object{}));
      if (!part.empty()) d.answer["Attributes"] = std::move(part);
    }
    return d;
  };
  items_->write(*t, std::move(storage_key), metered(std::move(decide), *t, *mode),
                std::move(respond));
}

}  // namespace nimbus::services::dynamodb
