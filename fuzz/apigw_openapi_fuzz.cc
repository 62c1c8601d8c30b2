// The OpenAPI importer: any text must parse or be refused as AWS refuses
// it, and an imported document must import as both kinds of API, and merge
// into itself, without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/apigateway/openapi.h"

using namespace nimbus::services::apigateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto doc = openapi::parse(in);
  if (!doc) return 0;
  auto rest = openapi::import_rest(*doc, "root");
  if (rest) {
    auto resources = rest->groups["resources"].as_object();
    (void)openapi::merge_rest(resources, rest->groups["resources"].as_object());
  }
  (void)openapi::import_http(*doc);
  return 0;
}
