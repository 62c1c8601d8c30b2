// ImportApiKeys' CSV reader (api_key_csv.h): any text is a file or the
// BadRequestException, never a crash; every key it reads has a value of
// 20–128 characters, a name of at most 1024, a line inside the text, no
// empty plan id, and there are never more than kMaxImportedKeys of them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/apigateway/api_key_csv.h"

using namespace nimbus::services::apigateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto file = parse_api_key_csv(in);
  if (!file) {
    if (file.error().code != "BadRequestException") __builtin_trap();
    return 0;
  }
  if (file->keys.size() > kMaxImportedKeys) __builtin_trap();
  size_t lines = 1;
  for (char c : in) lines += c == '\n' || c == '\r';
  for (const auto& k : file->keys) {
    if (k.key.size() < 20 || k.key.size() > 128 || k.name.size() > 1024) __builtin_trap();
    if (k.line < 2 || k.line > lines) __builtin_trap();
    for (const auto& id : k.usage_plan_ids) {
      if (id.empty()) __builtin_trap();
    }
  }
  return 0;
}
