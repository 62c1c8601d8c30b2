// RedriveExecution on the simulated clock: an aborted, a timed-out and a
// failed execution run again from the state they ended in; executions that
// cannot be redriven are refused as AWS refuses them.
#include <algorithm>

#include "services/stepfunctions/test_helpers.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;

// clang-format off
const char* kTwoWaits = R"j({"StartAt":"Mark","TimeoutSeconds":5,"States":{
  "Mark":{"Type":"Pass","Result":"marked","ResultPath":"$.mark","Next":"First"},
  "First":{"Type":"Wait","Seconds":3,"Next":"Second"},
  "Second":{"Type":"Wait","Seconds":3,"End":true}}})j";
const char* kFails = R"j({"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"E","Cause":"c"}}})j";
// clang-format on

class SfnRedriveTest : public SfnTest {
 protected:
  json::object describe(const std::string& x) {
    return call("DescribeExecution", {{"executionArn", x}});
  }
  size_t count(const std::string& x, const std::string& type) {
    auto t = history_types(x);
    return static_cast<size_t>(std::count(t.begin(), t.end(), type));
  }
};

TEST_F(SfnRedriveTest, ATimedOutExecutionGoesOnFromTheStateItWasIn) {
  std::string x = start(create("waits", kTwoWaits), R"({"n":1})");
  ASSERT_TRUE(advance_until([&] { return status(x) == "TIMED_OUT"; }, std::chrono::seconds(1)));
  EXPECT_EQ(s(describe(x)["redriveStatus"]), "REDRIVABLE");
  auto r = call("RedriveExecution", {{"executionArn", x}});
  EXPECT_TRUE(r.contains("redriveDate"));
  EXPECT_EQ(status(x), "RUNNING");
  expect_error("RedriveExecution", {{"executionArn", x}}, "ExecutionNotRedrivable");
  reopen();
  // The second wait again (3 s), inside the timeout counted from the redrive.
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  auto d = describe(x);
  EXPECT_EQ(s(d["status"]), "SUCCEEDED");
  EXPECT_EQ(json::parse(s(d["output"])), json::parse(R"({"n":1,"mark":"marked"})"));
  EXPECT_EQ(d["redriveCount"], 1);
  EXPECT_EQ(s(d["redriveStatus"]), "NOT_REDRIVABLE");
  EXPECT_EQ(s(d["redriveStatusReason"]), "Execution is SUCCEEDED and cannot be redriven.");
  EXPECT_EQ(count(x, "PassStateEntered"), 1u);  // what succeeded is not run again
  EXPECT_EQ(count(x, "WaitStateEntered"), 3u);
  auto h = history(x);
  size_t at = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    if (s(h[i].at("type")) == "ExecutionRedriven") at = i;
  }
  ASSERT_GT(at, 0u);
  EXPECT_EQ(s(h[at - 1].at("type")), "ExecutionTimedOut");
  EXPECT_EQ(h[at].at("executionRedrivenEventDetails").at("redriveCount"), 1);
  EXPECT_EQ(s(h[at + 1].at("type")), "WaitStateEntered");
  EXPECT_EQ(s(json::parse(s(h[at + 1].at("stateEnteredEventDetails").at("input"))).at("mark")),
            "marked");
  auto listed = call("ListExecutions", {{"stateMachineArn", s(d["stateMachineArn"])},
                                        {"redriveFilter", "REDRIVEN"}})["executions"];
  ASSERT_EQ(listed.as_array().size(), 1u);
  EXPECT_EQ(listed.as_array()[0].at("redriveCount"), 1);
}

TEST_F(SfnRedriveTest, AbortedAndFailedExecutionsRunTheirStateAgain) {
  std::string m = create("waits2", kTwoWaits);
  std::string x = start(m, "{}");
  ASSERT_TRUE(eventually([&] { return count(x, "WaitStateEntered") == 1; }));
  call("StopExecution", {{"executionArn", x}});
  call("RedriveExecution", {{"executionArn", x}});
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(status(x), "TIMED_OUT");  // 3 + 3 s is over the 5 s timeout
  call("RedriveExecution", {{"executionArn", x}});
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(status(x), "SUCCEEDED");
  EXPECT_EQ(describe(x)["redriveCount"], 2);

  // The same client token within 15 minutes is the same redrive.
  std::string y = start(m, "{}");
  ASSERT_TRUE(eventually([&] { return count(y, "WaitStateEntered") == 1; }));
  call("StopExecution", {{"executionArn", y}});
  auto first = call("RedriveExecution", {{"executionArn", y}, {"clientToken", "t-1"}});
  auto again = call("RedriveExecution", {{"executionArn", y}, {"clientToken", "t-1"}});
  EXPECT_EQ(first["redriveDate"], again["redriveDate"]);
  EXPECT_EQ(describe(y)["redriveCount"], 1);
  EXPECT_EQ(count(y, "ExecutionRedriven"), 1u);
  call("StopExecution", {{"executionArn", y}});
  clock.advance(std::chrono::minutes(16));  // the token no longer answers
  auto later = call("RedriveExecution", {{"executionArn", y}, {"clientToken", "t-1"}});
  EXPECT_NE(later["redriveDate"], first["redriveDate"]);
  EXPECT_EQ(describe(y)["redriveCount"], 2);
  reopen();  // the tokens are stored with the execution
  EXPECT_EQ(call("RedriveExecution", {{"executionArn", y}, {"clientToken", "t-1"}})["redriveDate"],
            later["redriveDate"]);

  std::string f = start(create("fails", kFails), R"({"k":2})");
  ASSERT_TRUE(eventually([&] { return status(f) == "FAILED"; }));
  call("RedriveExecution", {{"executionArn", f}});
  ASSERT_TRUE(eventually([&] { return count(f, "ExecutionFailed") == 2; }));
  EXPECT_EQ(count(f, "FailStateEntered"), 2u);
  EXPECT_EQ(s(describe(f)["error"]), "E");
}

TEST_F(SfnRedriveTest, AMapRunsAgainOnlyTheIterationsThatDidNotSucceed) {
  // clang-format off
  const char* def = R"j({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
    "ItemProcessor":{"StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":0,"Next":"Zero"}],"Default":"W"},
      "Zero":{"Type":"Fail","Error":"Zero"},
      "W":{"Type":"Wait","SecondsPath":"$","End":true}}}}}})j";
  // clang-format on
  std::string m = create("maps", def);
  auto restarted = [&](const std::string& x) {
    std::vector<int64_t> out;
    bool after = false;
    for (const auto& e : history(x)) {
      std::string t = s(e.at("type"));
      after = after || t == "ExecutionRedriven";
      if (after && t == "MapIterationStarted") {
        out.push_back(e.at("mapIterationStartedEventDetails").at("index").to_number<int64_t>());
      }
    }
    return out;
  };
  // Aborted while iteration 1 waits: only it runs again.
  std::string x = start(m, "[1,3]");
  ASSERT_TRUE(advance_until([&] { return count(x, "MapIterationSucceeded") == 1; },
                            std::chrono::milliseconds(500)));
  call("StopExecution", {{"executionArn", x}});
  call("RedriveExecution", {{"executionArn", x}});
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(status(x), "SUCCEEDED");
  EXPECT_EQ(json::parse(s(describe(x)["output"])), json::parse("[1,3]"));
  EXPECT_EQ(restarted(x), (std::vector<int64_t>{1}));
  // Failed by iteration 1 after iteration 0 succeeded (one at a time):
  // only 1 runs again.
  std::string one_at_a_time = def;
  one_at_a_time.replace(one_at_a_time.find(R"("End":true,)"), 11,
                        R"("End":true,"MaxConcurrency":1,)");
  std::string y = start(create("maps1", one_at_a_time), "[1,0]");
  ASSERT_TRUE(advance_until([&] { return status(y) == "FAILED"; }, std::chrono::milliseconds(500)));
  call("RedriveExecution", {{"executionArn", y}});
  ASSERT_TRUE(eventually([&] { return count(y, "ExecutionFailed") == 2; }));
  EXPECT_EQ(restarted(y), (std::vector<int64_t>{1}));
}

TEST_F(SfnRedriveTest, ExecutionsThatCannotBeRedrivenAreRefused) {
  std::string m = create("waits3", kTwoWaits);
  std::string x = start(m, "{}");
  ASSERT_TRUE(eventually([&] { return count(x, "WaitStateEntered") == 1; }));
  expect_error("RedriveExecution", {{"executionArn", x}}, "ExecutionNotRedrivable");
  EXPECT_EQ(s(describe(x)["redriveStatusReason"]), "Execution is RUNNING and cannot be redriven.");
  expect_error("RedriveExecution", {{"executionArn", m + "x"}}, "InvalidArn");
  expect_error("RedriveExecution",
               {{"executionArn", "arn:aws:states:us-east-1:000000000000:execution:waits3:none"}},
               "ExecutionDoesNotExist");
  call("StopExecution", {{"executionArn", x}});
  clock.advance(std::chrono::hours(24 * 15));
  expect_error("RedriveExecution", {{"executionArn", x}}, "ExecutionNotRedrivable");
  EXPECT_EQ(s(describe(x)["status"]), "ABORTED");
  EXPECT_EQ(describe(x)["redriveCount"], 0);
}

}  // namespace
}  // namespace nimbus::sfn
