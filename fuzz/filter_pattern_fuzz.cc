// libFuzzer target for CloudWatch Logs filter patterns: parse any bytes and,
// when they parse, match them against a fixed set of messages. Must never
// crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/logs/filter_pattern.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto pattern = nimbus::services::logs::FilterPattern::parse(text);
  if (!pattern) return 0;
  static constexpr std::string_view kMessages[] = {
      "", "START RequestId: 1 Version: $LATEST", "ERROR Task timed out after 3.00 seconds",
      "{\"level\":\"error\",\"msg\":\"x\"}", std::string_view("\0bin\xff", 5)};
  for (auto m : kMessages) (void)pattern->matches(m);
  (void)pattern->matches(text);
  return 0;
}
