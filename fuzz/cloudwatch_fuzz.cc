// libFuzzer target for CloudWatch's parsers: metric math expressions
// (parsed, then evaluated over fixed series), composite alarms' AlarmRules
// (parsed, then evaluated over fixed states), stored metric ids and stored
// points. Must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/cloudwatch/alarm_rule.h"
#include "services/cloudwatch/expression.h"
#include "services/cloudwatch/metric.h"
#include "services/cloudwatch/store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nimbus::services::cloudwatch;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_metric_id(text);
  size_t used = 0;
  (void)parse_metric_id(text, &used);
  (void)decode_datum(text, 0);
  if (auto rule = AlarmRule::parse(text)) {
    (void)rule->holds([](const std::string& ref) {
      return ref.size() % 3 == 0 ? "ALARM" : ref.size() % 3 == 1 ? "OK" : "";
    });
  }
  auto e = parse_expression(text);
  if (!e) return 0;
  static const Series kSeries{{0, 1}, {60'000, 0}, {120'000, -2.5}};
  (void)evaluate(**e, [](const std::string&) -> const Series& { return kSeries; });
  return 0;
}
