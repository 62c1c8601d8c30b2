// libFuzzer target for CloudFormation's stack policies
// (src/services/cloudformation/policy.h): arbitrary bytes checked as a
// SetStackPolicy body, and a policy that passes evaluated for each update
// action on a few resources, as an update evaluates it. A refusal must be
// in AWS's words. Must never crash or throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "services/cloudformation/policy.h"

namespace cfn = nimbus::services::cloudformation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto policy = cfn::stack_policy(body);
  if (!policy) return 0;
  for (const char* id : {"Queue", "ProductionDatabase", ""}) {
    for (const char* action : {"Update:Modify", "Update:Replace", "Update:Delete"}) {
      std::string why = cfn::policy_denial(*policy, id, "AWS::SQS::Queue", action);
      if (!why.empty() && why.rfind("Action denied by stack policy: ", 0) != 0 &&
          why.rfind("Action not allowed by stack policy", 0) != 0) {
        std::abort();
      }
    }
  }
  return 0;
}
