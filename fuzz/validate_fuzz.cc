// libFuzzer target: the JSON shape reader and validator. The input is
// "<operation>\n<json body>" checked against SQS's (as awsJson) and STS's
// input shapes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/engine.h"
#include "protocol/input.h"
#include "protocol/model.h"

using namespace nimbus::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ModelRegistry models({"sqs", "sts", "dynamodb"});
  static const ServiceModel* services[] = {models.by_name("sqs"), models.by_name("sts"),
                                           models.by_name("dynamodb")};
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nl = text.find('\n');
  std::string_view op_name = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? text : text.substr(nl + 1);
  for (const auto* service : services) {
    const auto* op = service->operation(op_name);
    if (op == nullptr) op = &service->operations()[size % service->operations().size()];
    auto r = input::parse_json(*service, *op, body);
    if (r) (void)input::validate(*service, *op, *r, Protocol::kJson10);
    // The validator must also hold on values no parser produced.
    boost::system::error_code ec;
    auto raw = boost::json::parse(body, ec);
    if (!ec && raw.is_object())
      (void)input::validate(*service, *op, raw.get_object(), Protocol::kJson10);
  }
  return 0;
}
