// libFuzzer target for DynamoDB expressions: the first byte picks what the
// rest is (a ConditionExpression, KeyConditionExpression,
// ProjectionExpression or UpdateExpression with fixed placeholders, or a
// whole request as JSON for parse_request() and item normalization); what
// parses is evaluated against a fixed item. Must never crash, hang or read
// out of bounds.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/dynamodb/model/expression.h"

namespace json = boost::json;
using namespace nimbus::dynamodb;

namespace {

const json::object& names() {
  static const json::object kNames = json::parse(R"({"#a": "a", "#b": "b.c", "#k": "pk",
      "#s": "sk", "#l": "l", "#m": "m"})")
                                         .as_object();
  return kNames;
}
const json::object& values() {
  static const json::object kValues = json::parse(R"({":s": {"S": "x"}, ":n": {"N": "1.5"},
      ":b": {"B": "\u0001"}, ":ss": {"SS": ["a", "b"]}, ":ns": {"NS": ["1", "-2"]},
      ":l": {"L": [{"S": "y"}]}, ":m": {"M": {"k": {"NULL": true}}}, ":t": {"S": "SS"},
      ":big": {"N": "9.9999999999999999999999999999999999999E+125"}, ":z": {"BOOL": true}})")
                                          .as_object();
  return kValues;
}
const json::object& item() {
  static const json::object kItem = json::parse(R"({"pk": {"S": "x"}, "sk": {"N": "3"},
      "a": {"N": "1.5"}, "b.c": {"S": "dots"}, "l": {"L": [{"S": "y"}, {"N": "2"},
      {"M": {"d": {"SS": ["a"]}}}]}, "m": {"M": {"k": {"NULL": true}, "n": {"L": []}}},
      "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "-2"]}, "bin": {"B": "\u0001\u0002"}})")
                                        .as_object();
  return kItem;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 5;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const KeySchema schema{{"pk", Type::kS}, KeyAttribute{"sk", Type::kN}};
  if (mode == 4) {
    boost::system::error_code ec;
    json::value input = json::parse(text, ec);
    if (ec || !input.is_object()) return 0;
    if (auto r = parse_request(input.as_object(), &schema)) {
      if (r->condition) (void)r->condition->matches(item());
      if (r->filter) (void)r->filter->matches(item());
      if (r->projection) (void)r->projection->apply(item());
      if (r->update) (void)r->update->apply(item());
      if (r->key_condition) (void)r->key_condition->matches(item());
    }
    if (auto* it = input.as_object().if_contains("Item"); it && it->is_object()) {
      if (normalize_item(it->as_object())) {
        (void)item_size(it->as_object());
        for (const auto& [k, v] : it->as_object()) {
          auto t = type_of(v);
          if (t == Type::kS || t == Type::kN || t == Type::kB) {
            (void)decode_key_value(*t, encode_key_value(v));
          }
        }
      }
    }
    return 0;
  }
  auto placeholders = Placeholders::make(&names(), &values());
  if (!placeholders) return 0;
  switch (mode) {
    case 0:
      if (auto c = parse_condition(text, "ConditionExpression", *placeholders)) {
        (void)c->matches(item());
        (void)c->matches(json::object());
      }
      break;
    case 1:
      if (auto k = parse_key_condition(text, schema, *placeholders)) (void)k->matches(item());
      break;
    case 2:
      if (auto p = parse_projection(text, *placeholders)) (void)p->apply(item());
      break;
    default:
      if (auto u = parse_update(text, *placeholders)) {
        (void)u->apply(item());
        (void)u->apply(json::object());
        (void)u->updated_paths().apply(item());
      }
  }
  (void)placeholders->check_all_used();
  return 0;
}
