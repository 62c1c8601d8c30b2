// libFuzzer target for EventBridge's input transformer and input paths
// (src/services/events/transform.*). Input: an InputTemplate, then NUL-separated
// a path, then an event JSON. The path is checked and applied, and the
// template filled with it under the names "a" and "b" (and the predefined
// variables). Must never crash, hang, or recurse without bound.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/events/transform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nimbus::services::eventbridge::Transformer;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = input.find('\0');
  std::string_view tmpl = input.substr(0, first);
  std::string_view rest = first == std::string_view::npos ? "" : input.substr(first + 1);
  auto second = rest.find('\0');
  std::string_view path = rest.substr(0, second);
  std::string_view event_text = second == std::string_view::npos ? "{}" : rest.substr(second + 1);
  boost::system::error_code ec;
  auto event = boost::json::parse(event_text, ec);
  if (ec) event = boost::json::object{{"detail", boost::json::object{{"a", 1}}}};
  (void)nimbus::services::eventbridge::select_path(event, path);
  Transformer t{{{"a", std::string(path)}, {"b", "$.detail"}}, std::string(tmpl)};
  if (!t.check()) return 0;
  (void)t.apply(event, "arn:aws:events:us-east-1:000000000000:rule/r", "r", "2026-12-04T00:00:00Z");
  return 0;
}
