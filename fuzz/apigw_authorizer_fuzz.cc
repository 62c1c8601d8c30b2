// Lambda authorizer answers and the pieces the gateway decides with: what
// a function answers is parsed (policy or simple response) or refused, the
// policy is evaluated on a method ARN, IAM-style wildcards match, usage
// dates parse; a REST API resource policy is saved (checked, shorthand
// expanded: saving the saved text changes nothing), shown escaped (the
// escaped text read back as a JSON string is the saved text) and
// evaluated; a usage-count record read back is written the same again;
// never a crash.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/apigateway/authorizer.h"
#include "services/apigateway/meter.h"
#include "services/apigateway/resource_policy.h"

using namespace nimbus::services::apigateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string arn = "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/pets/1";
  if (auto a = parse_policy_answer(in)) policy_allows(a->policy, arn);
  parse_simple_answer(in);
  // The first line as a pattern, the rest as an ARN.
  size_t nl = in.find('\n');
  if (nl != std::string_view::npos) arn_matches(in.substr(0, nl), in.substr(nl + 1));
  split_sources(in);
  if (auto saved = save_rest_policy(in, "us-east-1", "000000000000", "abc"); saved) {
    auto again = save_rest_policy(*saved, "us-east-1", "000000000000", "abc");
    if (!again || *again != *saved) __builtin_trap();
    boost::system::error_code ec;
    auto shown = boost::json::parse("\"" + shown_rest_policy(*saved) + "\"", ec);
    if (ec || !shown.is_string() || shown.as_string() != *saved) __builtin_trap();
    if (auto policy = parse_rest_policy(*saved)) {
      Invoker who;
      who.source_ip = "10.1.2.3";
      check_rest_policy(policy.get(), arn, who);
    } else if (!saved->empty()) {
      __builtin_trap();
    }
  }
  if (auto day = day_from_date(in.substr(0, 10)); day && date_of(*day) != in.substr(0, 10)) {
    __builtin_trap();
  }
  Meter meter, back;
  if (meter.restore("p", "k", in)) {
    std::string text = meter.record("p", "k").text;
    if (!back.restore("p", "k", text) || back.record("p", "k").text != text) __builtin_trap();
  }
  return 0;
}
