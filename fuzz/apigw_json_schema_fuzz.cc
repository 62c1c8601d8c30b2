// The JSON Schema validator of REST API models: the first line is a schema,
// the rest an instance; a schema must parse or be refused, and validating
// any JSON instance against one that parsed must never crash. The same
// schema is also the model "M" of an API (models.h), which may name itself
// by its model URL.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/apigateway/json_schema.h"
#include "services/apigateway/models.h"

using namespace nimbus::services::apigateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view schema = in.substr(0, nl);
  std::string_view doc = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  auto s = JsonSchema::parse(schema);
  if (!s) return 0;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(doc, ec);
  if (ec) return 0;
  s->validate(v);
  boost::json::object models{{"M", boost::json::object{{"schema", schema}}}};
  if (auto m = model_schema(models, "M")) m->validate(v);
  return 0;
}
