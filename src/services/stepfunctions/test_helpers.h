// The Step Functions unit tests' fixture: the service on the simulated
// clock, with helpers to create machines, start executions and read their
// status and history.
#pragma once

#include <string>
#include <vector>

#include "services/stepfunctions/stepfunctions_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::sfn {

inline constexpr const char* kRole = "arn:aws:iam::000000000000:role/sfn";

class SfnTest : public services::testing::ServiceTest<StepFunctionsService> {
 protected:
  explicit SfnTest(std::vector<Factory> services = {build<StepFunctionsService>()})
      : ServiceTest(std::move(services)) {}

  std::string create(const std::string& name, const std::string& def,
                     const std::string& type = "STANDARD") {
    auto out = call("CreateStateMachine",
                    {{"name", name}, {"definition", def}, {"roleArn", kRole}, {"type", type}});
    return s(out["stateMachineArn"]);
  }
  std::string status(const std::string& arn) {
    return s(call("DescribeExecution", {{"executionArn", arn}})["status"]);
  }
  boost::json::array history(const std::string& arn) {
    return call("GetExecutionHistory", {{"executionArn", arn}, {"maxResults", 1000}})["events"]
        .as_array();
  }
  std::vector<std::string> history_types(const std::string& arn) {
    std::vector<std::string> out;
    for (const auto& e : history(arn)) out.push_back(s(e.at("type")));
    return out;
  }
  std::string start(const std::string& machine, const std::string& input) {
    return s(
        call("StartExecution", {{"stateMachineArn", machine}, {"input", input}})["executionArn"]);
  }
};

}  // namespace nimbus::sfn
