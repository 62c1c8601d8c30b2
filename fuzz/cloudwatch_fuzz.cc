// libFuzzer target for CloudWatch metrics' parsers: metric math expressions
// (parsed, then evaluated over fixed series), stored metric ids and stored
// points. Must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

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
  auto e = parse_expression(text);
  if (!e) return 0;
  static const Series kSeries{{0, 1}, {60'000, 0}, {120'000, -2.5}};
  (void)evaluate(**e, [](const std::string&) -> const Series& { return kSeries; });
  return 0;
}
