// parse_request(): one request's expression parameters, legacy or not.
#include <array>
#include <cstdint>

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/model/legacy.h"
#include "services/dynamodb/model/parser.h"

namespace nimbus::dynamodb {
namespace {

constexpr std::array<std::string_view, 5> kExpressionParameters = {
    "ProjectionExpression", "FilterExpression", "KeyConditionExpression", "ConditionExpression",
    "UpdateExpression"};
constexpr std::array<std::string_view, 7> kLegacyParameters = {
    "AttributesToGet", "QueryFilter",      "ScanFilter",         "KeyConditions",
    "Expected",        "AttributeUpdates", "ConditionalOperator"};

bool present(const json::object& input, std::string_view member) {
  const auto* v = input.if_contains(member);
  return v != nullptr && !v->is_null();
}

std::string_view text_of(const json::object& input, std::string_view member) {
  const auto* v = input.if_contains(member);
  if (v == nullptr || !v->is_string()) return {};
  return {v->get_string().data(), v->get_string().size()};
}

const json::object* object_of(const json::object& input, std::string_view member) {
  const auto* v = input.if_contains(member);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

// The parameters above and the placeholder maps, by index: a request's
// given ones are a bit set.
enum Parameter : uint8_t {
  kProjection = 0,  // kExpressionParameters[0..4]
  kFilter,
  kKeyCondition,
  kCondition,
  kUpdate,
  kLegacyFirst,  // kLegacyParameters[0..6]
  kNames = kLegacyFirst + kLegacyParameters.size(),
  kValues,
};

// Which of the parameters a request gives, not null: found in one walk over
// its members rather than one lookup per parameter name (a GetItem has two
// members and was looked up 27 times).
class Given {
 public:
  explicit Given(const json::object& input) {
    for (const auto& member : input) {
      if (member.value().is_null()) continue;
      std::string_view key(member.key().data(), member.key().size());
      for (size_t i = 0; i < kAll.size(); ++i) {
        if (kAll[i] == key) {
          bits_ |= 1u << i;
          break;
        }
      }
    }
  }
  bool has(Parameter p) const { return (bits_ & (1u << p)) != 0; }
  bool any_legacy() const {
    return (bits_ >> kLegacyFirst & ((1u << kLegacyParameters.size()) - 1)) != 0;
  }
  // The given ones of [first, first + n), named in that order.
  std::string listed(size_t first, size_t n) const {
    std::string out;
    for (size_t i = first; i < first + n; ++i) {
      if (!has(static_cast<Parameter>(i))) continue;
      if (!out.empty()) out += ", ";
      out += std::string(kAll[i]);
    }
    return out;
  }

 private:
  static constexpr std::array<std::string_view, kValues + 1> kAll = {
      kExpressionParameters[0],   kExpressionParameters[1],   kExpressionParameters[2],
      kExpressionParameters[3],   kExpressionParameters[4],   kLegacyParameters[0],
      kLegacyParameters[1],       kLegacyParameters[2],       kLegacyParameters[3],
      kLegacyParameters[4],       kLegacyParameters[5],       kLegacyParameters[6],
      "ExpressionAttributeNames", "ExpressionAttributeValues"};
  static_assert(kAll[kProjection] == "ProjectionExpression" &&
                kAll[kFilter] == "FilterExpression" &&
                kAll[kKeyCondition] == "KeyConditionExpression" &&
                kAll[kCondition] == "ConditionExpression" && kAll[kUpdate] == "UpdateExpression" &&
                kAll[kNames] == "ExpressionAttributeNames");
  uint32_t bits_ = 0;
};

Status check_combination(const Given& given) {
  std::string expressions = given.listed(kProjection, kExpressionParameters.size());
  std::string legacy = given.listed(kLegacyFirst, kLegacyParameters.size());
  if (!expressions.empty() && !legacy.empty()) {
    return validation_error(
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {" +
        legacy + "} Expression parameters: {" + expressions + "}");
  }
  if (expressions.empty()) {
    if (given.has(kNames)) {
      return validation_error(
          "ExpressionAttributeNames can only be specified when using expressions");
    }
    if (given.has(kValues)) {
      return validation_error(
          "ExpressionAttributeValues can only be specified when using expressions");
    }
  }
  return Status::ok();
}

Result<RequestExpressions> parse_legacy(const json::object& input, const KeySchema* query_schema) {
  RequestExpressions out;
  std::string_view conditional_operator = text_of(input, "ConditionalOperator");
  if (const auto* expected = object_of(input, "Expected")) {
    auto c = condition_from_legacy(*expected, conditional_operator, "Expected");
    if (!c) return c.take_error();
    out.condition = std::move(*c);
  }
  for (std::string_view filter : {"QueryFilter", "ScanFilter"}) {
    if (const auto* conditions = object_of(input, filter)) {
      auto c = condition_from_legacy(*conditions, conditional_operator, filter);
      if (!c) return c.take_error();
      out.filter = std::move(*c);
    }
  }
  if (const auto* names = input.if_contains("AttributesToGet"); names && names->is_array()) {
    auto p = projection_from_attributes_to_get(names->get_array());
    if (!p) return p.take_error();
    out.projection = std::move(*p);
  }
  if (const auto* updates = object_of(input, "AttributeUpdates")) {
    auto u = update_from_attribute_updates(*updates);
    if (!u) return u.take_error();
    out.update = std::move(*u);
  }
  if (const auto* keys = object_of(input, "KeyConditions"); keys && query_schema) {
    auto k = key_condition_from_legacy(*keys, *query_schema);
    if (!k) return k.take_error();
    out.key_condition = std::move(*k);
  }
  return out;
}

// The first key attribute a Query's filter reads, if any.
const std::string* key_attribute_in(const ConditionNode& n, const KeySchema& schema) {
  for (const auto& child : n.children) {
    if (const auto* k = key_attribute_in(child, schema)) return k;
  }
  std::vector<const Operand*> pending;
  for (const auto& o : n.operands) pending.push_back(&o);
  while (!pending.empty()) {
    const Operand* o = pending.back();
    pending.pop_back();
    for (const auto& a : o->args) pending.push_back(&a);
    if (o->path.empty()) continue;
    if (o->path[0].name == schema.partition.name) return &schema.partition.name;
    if (schema.sort && o->path[0].name == schema.sort->name) return &schema.sort->name;
  }
  return nullptr;
}

// Query filters may not read the key (the key condition does that).
Status check_query_filter(const json::object& input, const RequestExpressions& r,
                          const KeySchema& schema) {
  if (!r.filter) return Status::ok();
  const std::string* key = key_attribute_in(r.filter->root(), schema);
  if (key == nullptr) return Status::ok();
  std::string parameter = present(input, "QueryFilter") ? "QueryFilter" : "Filter Expression";
  return validation_error(
      parameter + " can only contain non-primary key attributes: Primary key attribute: " + *key);
}

}  // namespace

Result<Condition> parse_condition(std::string_view text, std::string_view kind,
                                  Placeholders& placeholders) {
  auto tree = Parser(text, kind, placeholders).condition();
  if (!tree) return tree.take_error();
  return Condition(std::move(*tree));
}

Result<Projection> parse_projection(std::string_view text, Placeholders& placeholders) {
  auto paths = Parser(text, "ProjectionExpression", placeholders).projection();
  if (!paths) return paths.take_error();
  return Projection(std::move(*paths));
}

Result<Update> parse_update(std::string_view text, Placeholders& placeholders) {
  auto actions = Parser(text, "UpdateExpression", placeholders).update();
  if (!actions) return actions.take_error();
  return Update(std::move(*actions));
}

Result<RequestExpressions> parse_request(const json::object& input, const KeySchema* query_schema) {
  Given given(input);
  NIMBUS_TRY(check_combination(given));
  RequestExpressions out;
  if (given.any_legacy()) {
    auto legacy = parse_legacy(input, query_schema);
    if (!legacy) return legacy;
    out = std::move(*legacy);
  } else {
    const json::object* names =
        given.has(kNames) ? object_of(input, "ExpressionAttributeNames") : nullptr;
    const json::object* values =
        given.has(kValues) ? object_of(input, "ExpressionAttributeValues") : nullptr;
    auto placeholders = Placeholders::make(names, values);
    if (!placeholders) return placeholders.take_error();
    if (given.has(kKeyCondition) && query_schema) {
      auto k = parse_key_condition(text_of(input, "KeyConditionExpression"), *query_schema,
                                   *placeholders);
      if (!k) return k.take_error();
      out.key_condition = std::move(*k);
    }
    for (Parameter p : {kCondition, kFilter}) {
      if (!given.has(p)) continue;
      std::string_view kind = kExpressionParameters[p];
      auto c = parse_condition(text_of(input, kind), kind, *placeholders);
      if (!c) return c.take_error();
      (p == kFilter ? out.filter : out.condition) = std::move(*c);
    }
    if (given.has(kProjection)) {
      auto p = parse_projection(text_of(input, "ProjectionExpression"), *placeholders);
      if (!p) return p.take_error();
      out.projection = std::move(*p);
    }
    if (given.has(kUpdate)) {
      auto u = parse_update(text_of(input, "UpdateExpression"), *placeholders);
      if (!u) return u.take_error();
      out.update = std::move(*u);
    }
    NIMBUS_TRY(placeholders->check_all_used());
  }
  if (query_schema && !out.key_condition) {
    return validation_error(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request.");
  }
  if (query_schema) NIMBUS_TRY(check_query_filter(input, out, *query_schema));
  return out;
}

}  // namespace nimbus::dynamodb
