// Lambda proxy answers: whatever a function returns, the response mappers
// (payload formats 1.0 and 2.0) answer a response or refuse it, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/apigateway/proxy.h"

using namespace nimbus::services::apigateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = response_v1(in); r && (r->status < 100 || r->status > 599)) __builtin_trap();
  if (auto r = response_v2(in); r && (r->status < 100 || r->status > 599)) __builtin_trap();
  is_text_content(in);
  return 0;
}
