// libFuzzer target for DynamoDB's PartiQL statements: the input is a
// statement, bound to fixed parameters; what parses is planned against a
// composite key schema, its WHERE evaluated, its projection and update
// applied to a fixed item. Must never crash, hang or read out of bounds.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/dynamodb/model/partiql.h"

namespace json = boost::json;
using namespace nimbus::dynamodb;

namespace {

const json::array& parameters() {
  static const json::array kParameters = json::parse(R"([{"S": "x"}, {"N": "3"},
      {"SS": ["a", "b"]}, {"L": [{"S": "y"}]}, {"M": {"k": {"NULL": true}}}, {"B": "\u0001"}])")
                                             .as_array();
  return kParameters;
}
const json::object& item() {
  static const json::object kItem = json::parse(R"({"pk": {"S": "x"}, "sk": {"N": "3"},
      "a": {"N": "1.5"}, "s": {"S": "str"}, "l": {"L": [{"S": "y"}, {"N": "2"}]},
      "m": {"M": {"k": {"NULL": true}}}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1"]}})")
                                        .as_object();
  return kItem;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = parse_partiql(text, parameters());
  if (!s) return 0;
  const KeySchema schema{{"pk", Type::kS}, KeyAttribute{"sk", Type::kN}};
  if (s->where) (void)Condition(*s->where).matches(item());
  if (auto plan = partiql_query_plan(s->where, schema)) (void)plan->matches(item());
  if (auto lookup = partiql_key_lookup(s->where, schema); lookup && lookup->rest) {
    (void)lookup->rest->matches(item());
  }
  if (!s->projection.empty()) (void)Projection(s->projection).apply(item());
  if (!s->actions.empty()) {
    Update update(s->actions);
    (void)update.apply(item());
    (void)update.check_keys({"pk", "sk"});
  }
  return 0;
}
