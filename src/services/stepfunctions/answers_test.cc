// Task answers that arrive together: an execution applies the answers
// queued behind its turn in one turn and one commit, and the result is as if
// each had been applied alone (outputs in order, new tasks called, answers
// for work an earlier answer ended ignored).
#include <gtest/gtest.h>

#include <thread>

#include "services/stepfunctions/task_fakes.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;
using fakes::SfnTaskTest;

// clang-format off
const char* kMap = R"j({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":10,
  "ItemProcessor":{"StartAt":"D","States":{"D":{"Type":"Task",
    "Resource":"arn:aws:lambda:us-east-1:000000000000:function:double","End":true}}},
  "ItemSelector":{"n.$":"$$.Map.Item.Value"},"End":true}}})j";
const char* kParallel = R"j({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
  {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:a","End":true}}},
  {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:b","Next":"B2"},
                           "B2":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:b2","End":true}}},
  {"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:c","End":true}}}],
  "End":true}}})j";
// clang-format on

TEST_F(SfnTaskTest, AnswersReleasedTogetherKeepTheMapsOrderAndStartTheNextIterations) {
  functions.hold = true;
  std::string x = start(create("burst", kMap),
                        "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,"
                        "20,21,22,23,24]");
  // Ten in flight at a time; each burst of answers starts the next ones.
  for (size_t left = 25; left > 0; left -= std::min<size_t>(left, 10)) {
    size_t wave = std::min<size_t>(left, 10);
    ASSERT_TRUE(eventually([&] { return functions.holding() == wave; })) << functions.holding();
    functions.release();
  }
  ASSERT_TRUE(eventually([&] { return status(x) != "RUNNING"; }));
  ASSERT_EQ(status(x), "SUCCEEDED");
  json::array want;
  for (int i = 0; i < 25; ++i) want.push_back(json::object{{"doubled", 2 * i}});
  EXPECT_EQ(output(x), json::value(want));
  EXPECT_EQ(functions.count(), 25u);
  int64_t id = 0;
  size_t succeeded = 0;
  for (const auto& e : history(x)) {
    EXPECT_EQ(e.at("id").to_number<int64_t>(), ++id);
    succeeded += s(e.at("type")) == "LambdaFunctionSucceeded";
  }
  EXPECT_EQ(succeeded, 25u);
}

TEST_F(SfnTaskTest, AnAnswerAfterAFailureInTheSameBurstChangesNothing) {
  functions.hold = true;
  functions.answer = [](const services::lambda::SyncInvoke& c) {
    if (c.function.ends_with(":a")) {
      return Result<services::lambda::SyncResult>(services::lambda::SyncResult{
          true, R"({"errorType":"Boom","errorMessage":"no"})", "$LATEST"});
    }
    return Result<services::lambda::SyncResult>(
        services::lambda::SyncResult{false, R"({"ok":true})", "$LATEST"});
  };
  std::string x = start(create("fails", kParallel), "{}");
  ASSERT_TRUE(eventually([&] { return functions.holding() == 3; }));
  // A's failure comes first and ends the execution; B's and C's answers,
  // in the same turn or after it, change nothing (B's would enter B2).
  functions.release();
  ASSERT_TRUE(eventually([&] { return status(x) != "RUNNING"; }));
  EXPECT_EQ(status(x), "FAILED");
  EXPECT_EQ(s(described(x)["error"]), "Boom");
  for (int i = 0; i < 50; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(functions.count(), 3u);
  EXPECT_EQ(functions.holding(), 0u);
  size_t ended = 0;
  for (const auto& t : history_types(x)) ended += t == "ExecutionFailed";
  EXPECT_EQ(ended, 1u);
}

}  // namespace
}  // namespace nimbus::sfn
