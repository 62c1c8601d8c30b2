// libFuzzer target: the awsQuery form parser. The input is a form body
// ("Action=...&Foo.member.1=...") read against SQS's and STS's input shapes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/engine.h"
#include "protocol/input.h"
#include "protocol/input_values.h"
#include "protocol/model.h"

using namespace nimbus::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ModelRegistry models({"sqs", "sts", "sns", "cloudwatch"});
  static const ServiceModel* services[] = {models.by_name("sqs"), models.by_name("sts"),
                                           models.by_name("sns"), models.by_name("cloudwatch")};
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto params = input::parse_form(text);
  std::string_view action;
  for (const auto& [k, v] : params) {
    if (k == "Action") action = v;
  }
  for (const auto* service : services) {
    const auto* op = service->operation(action);
    if (op == nullptr) op = &service->operations()[size % service->operations().size()];
    auto r = input::parse_query(*service, *op, params);
    if (r) (void)input::validate(*service, *op, *r, Protocol::kQuery);
  }
  return 0;
}
