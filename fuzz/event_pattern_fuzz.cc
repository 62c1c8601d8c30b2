// libFuzzer target for EventBridge event patterns (src/events/pattern.*).
// Input: pattern JSON, optionally a NUL byte and an event JSON. A pattern
// that parses is matched against that event (when it is JSON), against the
// pattern text itself taken as an event, and against a few fixed events.
// Must never crash, hang, or recurse without bound.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "events/pattern.h"

namespace {

void match_text(const nimbus::events::EventPattern& p, std::string_view text) {
  boost::system::error_code ec;
  auto event = boost::json::parse(text, ec);
  if (!ec) (void)p.matches(event);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nul = input.find('\0');
  std::string_view pattern_text = input.substr(0, nul);
  auto pattern = nimbus::events::EventPattern::parse(pattern_text);
  if (!pattern) return 0;
  if (nul != std::string_view::npos) match_text(*pattern, input.substr(nul + 1));
  match_text(*pattern, pattern_text);
  static constexpr std::string_view kEvents[] = {
      R"({})", R"([])",
      R"({"source":"aws.s3","detail":{"size":1024,"ip":"10.0.0.7","tags":["a","b",null]}})",
      R"({"a":[[1,"x"],{"b":true}],"n":-5e9,"s":"*\\","ip":"2001:db8::1"})"};
  for (auto e : kEvents) match_text(*pattern, e);
  return 0;
}
