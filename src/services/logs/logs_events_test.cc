// Logs unit tests: PutLogEvents validation, GetLogEvents tokens,
// FilterLogEvents merging, patterns and pages.
#include "services/logs/test_helpers.h"

namespace nimbus::services::logs::testing {
namespace {

using Strings = std::vector<std::string>;

TEST_F(LogsTest, PutLogEventsValidation) {
  EXPECT_EQ(
      error_code("PutLogEvents",
                 {{"logGroupName", "g"},
                  {"logStreamName", "s"},
                  {"logEvents", json::array{json::object{{"timestamp", kNow}, {"message", "x"}}}}}),
      "ResourceNotFoundException");
  make_stream("g", "s");
  auto events = [](std::vector<std::pair<int64_t, std::string>> v) {
    json::array a;
    for (auto& [t, m] : v) a.push_back(json::object{{"timestamp", t}, {"message", m}});
    return a;
  };
  auto out = try_call("PutLogEvents", {{"logGroupName", "g"},
                                       {"logStreamName", "s"},
                                       {"logEvents", events({{kNow, "b"}, {kNow - 1, "a"}})}});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "InvalidParameterException");
  EXPECT_EQ(out.error().message,
            "Log events in a single PutLogEvents request must be in chronological order.");
  EXPECT_EQ(
      error_code("PutLogEvents", {{"logGroupName", "g"},
                                  {"logStreamName", "s"},
                                  {"logEvents", events({{kNow - 90'000'000, "a"}, {kNow, "b"}})}}),
      "InvalidParameterException");
  EXPECT_EQ(
      error_code("PutLogEvents", {{"logGroupName", "g"},
                                  {"logStreamName", "s"},
                                  {"logEvents", events({{kNow, std::string(1 << 20, 'x')}})}}),
      "InvalidParameterException");
  int64_t day = 86'400'000;
  out = try_call("PutLogEvents", {{"logGroupName", "g"},
                                  {"logStreamName", "s"},
                                  {"logEvents", events({{kNow - 14 * day - 2000, "old"},
                                                        {kNow - 14 * day - 1000, "old2"},
                                                        {kNow - 14 * day + 1000, "kept"}})}});
  ASSERT_TRUE(out.is_ok());
  auto info = out->at("rejectedLogEventsInfo").as_object();
  EXPECT_EQ(info.at("tooOldLogEventEndIndex"), 1);
  EXPECT_FALSE(info.contains("expiredLogEventEndIndex"));
  EXPECT_TRUE(out->contains("nextSequenceToken"));
  out = try_call("PutLogEvents",
                 {{"logGroupName", "g"},
                  {"logStreamName", "s"},
                  {"logEvents", events({{kNow, "now"}, {kNow + 3 * 3'600'000, "future"}})}});
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->at("rejectedLogEventsInfo").as_object().at("tooNewLogEventStartIndex"), 1);
  EXPECT_EQ(messages(call("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}})),
            (Strings{"kept", "now"}));
}

TEST_F(LogsTest, GetLogEventsTokensFollowAwsSemantics) {
  make_stream("g", "s");
  std::vector<std::pair<int64_t, std::string>> batch;
  for (int i = 0; i < 10; ++i) batch.emplace_back(kNow + i, "e" + std::to_string(i));
  put("g", "s", batch);
  json::object base{{"logGroupName", "g"}, {"logStreamName", "s"}, {"limit", 3}};
  // Default: the newest events, in ascending order.
  auto out = call("GetLogEvents", base);
  EXPECT_EQ(messages(out), (Strings{"e7", "e8", "e9"}));
  // Forward from the end: nothing new, and the same token back.
  auto fwd = out["nextForwardToken"];
  auto in = base;
  in["nextToken"] = fwd;
  out = call("GetLogEvents", in);
  EXPECT_TRUE(out["events"].as_array().empty());
  EXPECT_EQ(out["nextForwardToken"], fwd);
  // New events show up behind that token.
  put("g", "s", {{kNow + 20, "later"}});
  out = call("GetLogEvents", in);
  EXPECT_EQ(messages(out), Strings{"later"});
  // Backward pages walk to the start, then return the same backward token.
  in = base;
  Strings all;
  out = call("GetLogEvents", in);
  for (int page = 0; page < 10; ++page) {
    auto m = messages(out);
    all.insert(all.begin(), m.begin(), m.end());
    in["nextToken"] = out["nextBackwardToken"];
    out = call("GetLogEvents", in);
    if (out["events"].as_array().empty()) break;
  }
  EXPECT_EQ(out["nextBackwardToken"], in["nextToken"]);
  EXPECT_EQ(all.size(), 11u);
  EXPECT_EQ(all.front(), "e0");
  // startFromHead reads forward from the first event; time bounds apply.
  in = base;
  in["startFromHead"] = true;
  EXPECT_EQ(messages(call("GetLogEvents", in)), (Strings{"e0", "e1", "e2"}));
  in["startTime"] = kNow + 4;
  in["endTime"] = kNow + 6;
  EXPECT_EQ(messages(call("GetLogEvents", in)), (Strings{"e4", "e5"}));
  in["nextToken"] = "garbage";
  EXPECT_EQ(error_code("GetLogEvents", in), "InvalidParameterException");
}

TEST_F(LogsTest, GetLogEventsBackwardAcrossWideGaps) {
  make_stream("g", "s");
  int64_t day = 86'400'000;
  put("g", "s", {{kNow - 13 * day, "first"}});
  put("g", "s", {{kNow - day, "second"}});
  put("g", "s", {{kNow, "third"}});
  auto out = call("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  EXPECT_EQ(messages(out), (Strings{"first", "second", "third"}));
}

TEST_F(LogsTest, FilterMergesStreamsByTime) {
  make_stream("g", "a");
  make_stream("g", "b");
  put("g", "a", {{kNow + 1, "a1 ERROR"}, {kNow + 3, "a3"}, {kNow + 5, "a5 ERROR retry"}});
  put("g", "b", {{kNow + 2, "b2 ERROR"}, {kNow + 4, "b4 WARN"}});
  auto out = call("FilterLogEvents", {{"logGroupName", "g"}});
  EXPECT_EQ(messages(out), (Strings{"a1 ERROR", "b2 ERROR", "a3", "b4 WARN", "a5 ERROR retry"}));
  auto first = out["events"].as_array()[0].as_object();
  EXPECT_EQ(first.at("logStreamName"), "a");
  EXPECT_EQ(first.at("eventId").as_string().size(), 56u);
  EXPECT_EQ(messages(call("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "ERROR"}})),
            (Strings{"a1 ERROR", "b2 ERROR", "a5 ERROR retry"}));
  EXPECT_EQ(
      messages(call("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "ERROR -retry"}})),
      (Strings{"a1 ERROR", "b2 ERROR"}));
  EXPECT_EQ(
      messages(call("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "?WARN ?a3"}})),
      (Strings{"a3", "b4 WARN"}));
  EXPECT_EQ(messages(call("FilterLogEvents",
                          {{"logGroupName", "g"}, {"filterPattern", "\"ERROR retry\""}})),
            (Strings{"a5 ERROR retry"}));
  EXPECT_EQ(messages(call("FilterLogEvents", {{"logGroupName", "g"},
                                              {"startTime", kNow + 2},
                                              {"endTime", kNow + 5},
                                              {"logStreamNames", json::array{"b"}}})),
            (Strings{"b2 ERROR", "b4 WARN"}));
  EXPECT_EQ(error_code("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "[a, b]"}}),
            "InvalidParameterException");
  EXPECT_EQ(error_code("FilterLogEvents", {{"logGroupName", "nope"}}), "ResourceNotFoundException");
}

TEST_F(LogsTest, FilterPagesResumeExactly) {
  for (int s = 0; s < 3; ++s) make_stream("g", "s" + std::to_string(s));
  for (int s = 0; s < 3; ++s) {
    std::vector<std::pair<int64_t, std::string>> batch;
    for (int i = 0; i < 20; ++i) {
      // Equal timestamps across streams: the merge order must still be total.
      batch.emplace_back(kNow + i / 2, std::to_string(s) + ":" + std::to_string(i));
    }
    put("g", "s" + std::to_string(s), batch);
  }
  json::object in{{"logGroupName", "g"}, {"limit", 7}};
  Strings all;
  std::set<std::string> ids;
  while (true) {
    auto out = call("FilterLogEvents", in);
    for (auto& e : out["events"].as_array()) {
      all.emplace_back(e.as_object().at("message").as_string());
      ids.emplace(e.as_object().at("eventId").as_string());
    }
    if (!out.contains("nextToken")) break;
    in["nextToken"] = out["nextToken"];
  }
  EXPECT_EQ(all.size(), 60u);
  EXPECT_EQ(ids.size(), 60u);
}

}  // namespace
}  // namespace nimbus::services::logs::testing
