// The fixture of the stack tests that run CloudFormation beside the
// services its resources live in: the questions they ask of a stack.
#pragma once

#include <string>

#include "services/cloudformation/cloudformation_service.h"
#include "services/in_process.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::cloudformation::testing {

class StackTest : public services::testing::ServiceTest<CloudFormationService> {
 protected:
  explicit StackTest(std::vector<Factory> services) : ServiceTest(std::move(services)) {}

  // The stack's status now (an error code when it cannot be described).
  std::string status(const std::string& stack) {
    auto out = try_call("DescribeStacks", {{"StackName", stack}});
    return out ? s(out->at("Stacks").as_array()[0].at("StackStatus")) : out.error().code;
  }
  // Waits for the stack's operation to end; its final status.
  std::string settled(const std::string& stack) {
    std::string last;
    eventually([&] {
      last = status(stack);
      return !last.ends_with("_IN_PROGRESS");
    });
    return last;
  }
  // Every event's reason, one a line.
  std::string reasons(const std::string& stack) {
    std::string all;
    auto r = call("DescribeStackEvents", {{"StackName", stack}});
    for (const auto& e : r["StackEvents"].as_array()) {
      if (e.as_object().contains("ResourceStatusReason"))
        all += s(e.at("ResourceStatusReason")) + "\n";
    }
    return all;
  }
  json::object outputs(const std::string& stack) {
    json::object out;
    auto st = call("DescribeStacks", {{"StackName", stack}}).at("Stacks").as_array()[0];
    for (const auto& o : st.at("Outputs").as_array())
      out[s(o.at("OutputKey"))] = o.at("OutputValue");
    return out;
  }
  // A call to another service of the fixture.
  Output other(const std::string& model, const std::string& op, json::object in) {
    return try_call(service(model), ctx(op), std::move(in));
  }

  // What the stacks create resources through (services built by the fixture).
  std::unique_ptr<InProcessCalls> calls = std::make_unique<InProcessCalls>(services);
};

}  // namespace nimbus::services::cloudformation::testing
