// libFuzzer target for what SNS parses from a caller: a Publish input (the
// message, MessageStructure=json, message attributes of every type, FIFO
// ids; src/services/sns/message.*) and a subscription filter policy in both
// scopes (src/services/sns/filter_policy.*), then the policy matched against
// the message and every rendering of it, and the message read back from
// each rendering as delivery-status logging reads it
// (src/services/sns/delivery_status.*).
// Input: a JSON object (Publish's input), optionally a NUL byte and a policy.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/sns/delivery_status.h"
#include "services/sns/filter_policy.h"
#include "services/sns/message.h"

using namespace nimbus::services::sns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nul = input.find('\0');
  boost::system::error_code ec;
  (void)delivered_message(input, false);
  auto doc = boost::json::parse(input.substr(0, nul), ec);
  if (ec || !doc.is_object()) return 0;
  Topic standard;
  standard.arn = "arn:aws:sns:us-east-1:000000000000:t";
  standard.name = "t";
  Topic fifo = standard;
  fifo.fifo = true;
  fifo.attributes["ContentBasedDeduplication"] = "true";
  Subscription sub;
  sub.arn = standard.arn + ":id";
  sub.protocol = "sqs";
  for (const Topic* t : {&standard, &fifo}) {
    auto m = read_message(doc.as_object(), *t);
    if (!m) continue;
    (void)delivered_message(envelope(*m, sub, {"http://localhost"}), false);
    (void)delivered_message(lambda_event(*m, sub, {"http://localhost"}), false);
    if (nul == std::string_view::npos) continue;
    for (auto scope : {FilterScope::kMessageAttributes, FilterScope::kMessageBody}) {
      auto p = FilterPolicy::parse(input.substr(nul + 1), scope);
      if (p) (void)(*p)->matches(m->attributes, m->body);
    }
  }
  return 0;
}
