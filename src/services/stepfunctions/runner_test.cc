// The runner alone: a position stored by an earlier nimbus as a stack of
// frames (one Map iteration at a time) goes on as the tree it stands for.
#include <gtest/gtest.h>

#include "services/stepfunctions/runner.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;

TEST(Runner, AStackedPositionGoesOnAsATree) {
  auto parsed = asl::parse_definition(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}}}})");
  ASSERT_TRUE(parsed.machine);
  // Iteration 0 done, iteration 1 waiting, iteration 2 not started.
  json::value stacked = json::parse(R"({"frames":[
      {"state":"M","input":[1,2,3],"entered":true,"entered_ms":0,"phase":"fork","run":1,
       "runs":[1,2,3],"results":[1],"failed":0},
      {"state":"W","input":2,"entered":true,"entered_ms":0,"phase":"wait",
       "then":{"next":"","output":2}}]})");
  Runner r(*parsed.machine, stacked, nullptr);
  Stop s = r.wake(5000);
  ASSERT_EQ(s.kind, Stop::kRunning);
  EXPECT_EQ(s.until_ms, 6000);  // iteration 2's wait
  std::vector<std::string> types;
  for (const auto& e : r.events()) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"WaitStateExited", "MapIterationSucceeded",
                                             "MapIterationStarted", "WaitStateEntered"}));
  EXPECT_EQ(r.events()[1].details.at("index"), 1);
  EXPECT_EQ(r.events()[2].details.at("index"), 2);
  s = r.wake(6000);
  ASSERT_EQ(s.kind, Stop::kSucceeded);
  EXPECT_EQ(s.output, json::parse("[1,2,3]"));
}

}  // namespace
}  // namespace nimbus::sfn
