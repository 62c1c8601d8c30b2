// The HTTP API route matcher and path templates: route keys and request
// paths from the input (first line: route keys separated by '|'; second:
// method and path) must parse or be refused, and matching must never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/apigateway/routes.h"

using namespace nimbus::services::apigateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view keys = in.substr(0, nl);
  std::string_view request = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  RouteTable table;
  size_t i = 0;
  while (i <= keys.size()) {
    size_t bar = keys.find('|', i);
    if (bar == std::string_view::npos) bar = keys.size();
    std::string_view key = keys.substr(i, bar - i);
    parse_path_template(key);
    table.add(key, std::to_string(i));
    i = bar + 1;
  }
  size_t space = request.find(' ');
  std::string_view method = request.substr(0, space);
  std::string_view path =
      space == std::string_view::npos ? std::string_view("/") : request.substr(space + 1);
  if (auto m = table.find(method, path)) {
    if (!parse_route_key(m->key)) __builtin_trap();  // only keys that parse are matched
  }
  return 0;
}
