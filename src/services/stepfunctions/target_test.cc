// State machines as the "states" delivery target (target.cc): a delivery
// starts an execution with its body as the input; a missing machine is
// NotFound and input StartExecution refuses is refused, starting nothing.
#include <gtest/gtest.h>

#include <future>

#include "services/stepfunctions/test_helpers.h"

namespace nimbus::sfn {
namespace {

constexpr const char* kPass = R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})";

class SfnTargetTest : public SfnTest {
 protected:
  events::Outcome deliver(const std::string& arn, std::string body) {
    events::Delivery d;
    d.body = std::move(body);
    d.source_arn = "arn:aws:events:us-east-1:000000000000:rule/r";
    std::promise<events::Outcome> p;
    auto f = p.get_future();
    targets.deliver(arn, std::move(d), [&p](events::Outcome o) { p.set_value(std::move(o)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return f.get();
  }
  size_t executions(const std::string& machine) {
    return call("ListExecutions", {{"stateMachineArn", machine}})["executions"].as_array().size();
  }
};

TEST_F(SfnTargetTest, ADeliveryStartsAnExecutionWithTheBodyAsInput) {
  std::string m = create("m", kPass);
  ASSERT_TRUE(targets.check(m).is_ok());
  auto first = deliver(m, R"({"detail":{"n":1}})");
  ASSERT_TRUE(first.is_ok()) << first.error().message;
  auto second = deliver(m, R"({"detail":{"n":1}})");
  ASSERT_TRUE(second.is_ok());
  // Each delivery is its own execution, under a generated name.
  EXPECT_NE(first.id(), second.id());
  EXPECT_EQ(executions(m), 2u);
  auto d = call("DescribeExecution", {{"executionArn", first.id()}});
  EXPECT_EQ(s(d["input"]), R"({"detail":{"n":1}})");
  EXPECT_EQ(s(d["stateMachineArn"]), m);
  ASSERT_TRUE(eventually([&] { return status(first.id()) == "SUCCEEDED"; }));
  EXPECT_EQ(s(call("DescribeExecution", {{"executionArn", first.id()}})["output"]),
            R"({"detail":{"n":1}})");
}

TEST_F(SfnTargetTest, MissingMachinesAndBadInputStartNothing) {
  std::string missing = "arn:aws:states:us-east-1:000000000000:stateMachine:nope";
  EXPECT_EQ(targets.check(missing).error().code, "StateMachineDoesNotExist");
  auto gone = deliver(missing, "{}");
  ASSERT_FALSE(gone.is_ok());
  EXPECT_EQ(gone.failure(), events::Failure::kNotFound);
  EXPECT_EQ(gone.error().code, "StateMachineDoesNotExist");

  std::string m = create("m", kPass);
  auto bad = deliver(m, "not json");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.failure(), events::Failure::kRejected);
  EXPECT_EQ(bad.error().code, "InvalidExecutionInput");
  EXPECT_EQ(executions(m), 0u);
}

}  // namespace
}  // namespace nimbus::sfn
