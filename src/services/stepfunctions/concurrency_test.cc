// Parallel branches and Map iterations running concurrently, on the
// simulated clock: MaxConcurrency bounds the iterations in flight, a failing
// branch or iteration stops the others, and a Map in flight resumes after a
// restart.
#include <algorithm>
#include <set>

#include "services/stepfunctions/test_helpers.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;

// A Map over `$` whose iterations each wait one second, at most `max` at once.
std::string wait_map(int max) {
  return R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":)" + std::to_string(max) +
         R"(,"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}},
           "End":true}}})";
}

std::string items(int n) {
  json::array a;
  for (int i = 0; i < n; ++i) a.push_back(i);
  return json::serialize(a);
}

class SfnConcurrencyTest : public SfnTest {
 protected:
  // Runs the execution to its end on the clock; the simulated seconds it took.
  double run_to_end(const std::string& x) {
    int64_t t0 = clock.now_millis();
    EXPECT_TRUE(advance_until([&] { return status(x) != "RUNNING"; },
                              std::chrono::milliseconds(250), 2000));
    return static_cast<double>(clock.now_millis() - t0) / 1000.0;
  }
  // The most Map iterations in flight at once, by the history.
  size_t most_in_flight(const std::string& x) {
    size_t now = 0;
    size_t most = 0;
    for (const auto& t : history_types(x)) {
      if (t == "MapIterationStarted") most = std::max(most, ++now);
      if (t == "MapIterationSucceeded" || t == "MapIterationFailed") --now;
    }
    return most;
  }
  // Every event's id follows the one before it.
  void expect_ids_in_order(const std::string& x) {
    int64_t id = 0;
    for (const auto& e : history(x)) EXPECT_EQ(e.at("id").to_number<int64_t>(), ++id);
  }
};

TEST_F(SfnConcurrencyTest, MapRunsAtMostMaxConcurrencyIterationsAtOnce) {
  std::string x = start(create("tens", wait_map(10)), items(100));
  double took = run_to_end(x);
  EXPECT_EQ(status(x), "SUCCEEDED");
  EXPECT_GE(took, 10.0);
  EXPECT_LE(took, 12.0);  // ten waves of ten, not a hundred seconds
  EXPECT_EQ(json::parse(s(call("DescribeExecution", {{"executionArn", x}})["output"])),
            json::parse(items(100)));
  EXPECT_EQ(most_in_flight(x), 10u);
  auto types = history_types(x);
  EXPECT_EQ(std::count(types.begin(), types.end(), "MapIterationSucceeded"), 100);
  expect_ids_in_order(x);
}

TEST_F(SfnConcurrencyTest, MapWithoutMaxConcurrencyRunsUpToTheCap) {
  std::string x = start(create("all", wait_map(0)), items(100));
  double took = run_to_end(x);
  EXPECT_EQ(status(x), "SUCCEEDED");
  EXPECT_GE(took, 3.0);  // 40, 40, then 20
  EXPECT_LE(took, 4.5);
  EXPECT_EQ(most_in_flight(x), static_cast<size_t>(Runner::kMaxInFlight));
}

TEST_F(SfnConcurrencyTest, AFailingBranchStopsTheOtherBranches) {
  // clang-format off
  const char* def = R"j({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":100,"Next":"After"},
                                  "After":{"Type":"Pass","End":true}}},
      {"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Boom","Cause":"bad"}}}]}}})j";
  // clang-format on
  std::string x = start(create("par", def), "{}");
  ASSERT_TRUE(eventually([&] { return status(x) != "RUNNING"; }));
  auto d = call("DescribeExecution", {{"executionArn", x}});
  EXPECT_EQ(s(d["status"]), "FAILED");
  EXPECT_EQ(s(d["error"]), "Boom");
  EXPECT_EQ(history_types(x),
            (std::vector<std::string>{
                "ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted",
                "WaitStateEntered", "FailStateEntered", "ParallelStateFailed", "ExecutionFailed"}));
  clock.advance(std::chrono::seconds(200));  // the stopped branch's wait does nothing
  EXPECT_EQ(history_types(x).size(), 7u);
}

TEST_F(SfnConcurrencyTest, AFailingIterationFailsTheMapWithItsErrorAndAbortsTheOthers) {
  // clang-format off
  std::string def = R"j({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,%TOL%
      "ItemProcessor":{"StartAt":"C","States":{
        "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":0,"Next":"Zero"}],"Default":"W"},
        "Zero":{"Type":"Fail","Error":"Zero"},
        "W":{"Type":"Wait","SecondsPath":"$","End":true}}},
      "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
    "Caught":{"Type":"Pass","End":true}}})j";
  // clang-format on
  auto with = [&def](const std::string& tolerance) {
    std::string d = def;
    return d.replace(d.find("%TOL%"), 5, tolerance);
  };
  std::string x = start(create("strict", with("")), "[5,0,5,5]");
  ASSERT_TRUE(eventually([&] { return status(x) != "RUNNING"; }));
  EXPECT_EQ(json::parse(s(call("DescribeExecution", {{"executionArn", x}})["output"])),
            json::parse(R"({"Error":"Zero","Cause":""})"));
  auto h = history(x);
  std::vector<std::string> map_events;
  for (const auto& e : h) {
    std::string t = s(e.at("type"));
    if (!t.starts_with("MapIteration")) continue;
    const auto& key = t == "MapIterationStarted"  ? "mapIterationStartedEventDetails"
                      : t == "MapIterationFailed" ? "mapIterationFailedEventDetails"
                                                  : "mapIterationAbortedEventDetails";
    map_events.push_back(t + " " + s(e.at(key).at("index")));
  }
  EXPECT_EQ(map_events,
            (std::vector<std::string>{"MapIterationStarted 0", "MapIterationStarted 1",
                                      "MapIterationFailed 1", "MapIterationAborted 0"}));

  // Over a tolerance, the error is the threshold's; within it, nulls.
  std::string y = start(create("tolerant", with(R"("ToleratedFailureCount":1,)")), "[1,0,1,0]");
  ASSERT_TRUE(advance_until([&] { return status(y) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(
      s(json::parse(s(call("DescribeExecution", {{"executionArn", y}})["output"])).at("Error")),
      "States.ExceedToleratedFailureThreshold");
  std::string z =
      start(create("tolerant2", with(R"("ToleratedFailurePercentage":50,)")), "[1,0,1,0]");
  ASSERT_TRUE(advance_until([&] { return status(z) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(json::parse(s(call("DescribeExecution", {{"executionArn", z}})["output"])),
            json::parse("[1,null,1,null]"));
}

TEST_F(SfnConcurrencyTest, AMapInFlightResumesAfterARestart) {
  std::string x = start(create("durable", wait_map(5)), items(20));
  ASSERT_TRUE(advance_until([&] { return most_in_flight(x) == 5 && history(x).size() > 30; },
                            std::chrono::milliseconds(250)));
  EXPECT_EQ(status(x), "RUNNING");
  reopen();
  run_to_end(x);
  EXPECT_EQ(status(x), "SUCCEEDED");
  EXPECT_EQ(json::parse(s(call("DescribeExecution", {{"executionArn", x}})["output"])),
            json::parse(items(20)));
  std::multiset<std::string> done;
  for (const auto& e : history(x)) {
    if (s(e.at("type")) == "MapIterationSucceeded") {
      done.insert(s(e.at("mapIterationSucceededEventDetails").at("index")));
    }
  }
  EXPECT_EQ(done.size(), 20u);
  EXPECT_EQ(std::set<std::string>(done.begin(), done.end()).size(), 20u);
  expect_ids_in_order(x);
}

}  // namespace
}  // namespace nimbus::sfn
