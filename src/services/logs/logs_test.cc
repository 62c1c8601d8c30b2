// Logs unit tests: groups, streams, retention, restart, the LogWriter.
#include "services/logs/test_helpers.h"

namespace nimbus::services::logs::testing {
namespace {

TEST_F(LogsTest, GroupsCreateDescribeDelete) {
  call("CreateLogGroup", {{"logGroupName", "/aws/lambda/a"}});
  call("CreateLogGroup", {{"logGroupName", "/aws/lambda/b"}});
  call("CreateLogGroup", {{"logGroupName", "other"}});
  EXPECT_EQ(error_code("CreateLogGroup", {{"logGroupName", "other"}}),
            "ResourceAlreadyExistsException");
  EXPECT_EQ(error_code("CreateLogGroup", {{"logGroupName", "bad name"}}),
            "InvalidParameterException");
  auto out = call("DescribeLogGroups", {{"logGroupNamePrefix", "/aws/lambda/"}});
  auto groups = out["logGroups"].as_array();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].as_object().at("logGroupName"), "/aws/lambda/a");
  EXPECT_EQ(groups[0].as_object().at("creationTime"), kNow);
  EXPECT_EQ(groups[0].as_object().at("arn"),
            "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/a:*");
  call("DeleteLogGroup", {{"logGroupName", "/aws/lambda/a"}});
  EXPECT_EQ(error_code("DeleteLogGroup", {{"logGroupName", "/aws/lambda/a"}}),
            "ResourceNotFoundException");
  EXPECT_EQ(call("DescribeLogGroups", {})["logGroups"].as_array().size(), 2u);
  EXPECT_EQ(
      call("DescribeLogGroups", {{"logGroupNamePattern", "LAMBDA"}})["logGroups"].as_array().size(),
      1u);
}

// The ARNs each operation names for IAM (Service::resources): the group, or
// the stream for the calls on one stream.
// Tags: CreateLogGroup's, TagResource & co. by ARN, the older by-name
// operations, AWS's limits and errors, kept across a restart.
TEST_F(LogsTest, GroupTags) {
  const std::string arn = "arn:aws:logs:us-east-1:000000000000:log-group:/app/api";
  call("CreateLogGroup", {{"logGroupName", "/app/api"}, {"tags", json::object{{"team", "web"}}}});
  auto tags = [&] { return call("ListTagsForResource", {{"resourceArn", arn}})["tags"]; };
  EXPECT_EQ(tags(), (json::object{{"team", "web"}}));
  call("TagResource", {{"resourceArn", arn + ":*"}, {"tags", json::object{{"cost", "7"}}}});
  call("TagLogGroup", {{"logGroupName", "/app/api"}, {"tags", json::object{{"team", "api"}}}});
  EXPECT_EQ(tags(), (json::object{{"cost", "7"}, {"team", "api"}}));
  call("UntagResource", {{"resourceArn", arn}, {"tagKeys", json::array{"cost"}}});
  call("UntagLogGroup", {{"logGroupName", "/app/api"}, {"tags", json::array{"nothing"}}});
  EXPECT_EQ(call("ListTagsLogGroup", {{"logGroupName", "/app/api"}})["tags"],
            (json::object{{"team", "api"}}));
  reopen();
  EXPECT_EQ(tags(), (json::object{{"team", "api"}}));
  EXPECT_EQ(error_code("TagResource", {{"resourceArn", arn},
                                       {"tags", json::object{{"aws:cloudformation:x", "1"}}}}),
            "InvalidParameterException");
  EXPECT_EQ(error_code("ListTagsForResource", {{"resourceArn", arn + "x"}}),
            "ResourceNotFoundException");
  EXPECT_EQ(error_code("ListTagsForResource", {{"resourceArn", "nope"}}),
            "InvalidParameterException");
  json::object many;
  for (int i = 0; i < 50; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(error_code("TagResource", {{"resourceArn", arn}, {"tags", many}}),
            "TooManyTagsException");  // 51 with team
  EXPECT_EQ(tags(), (json::object{{"team", "api"}}));
}

TEST_F(LogsTest, OperationsNameTheGroupOrStreamTheyTouch) {
  const std::string group = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f";
  json::object in{{"logGroupName", "/aws/lambda/f"}, {"logStreamName", "s"}};
  EXPECT_EQ(svc->resources("CreateLogGroup", ctx("CreateLogGroup"), in), Resources{group});
  EXPECT_EQ(svc->resources("FilterLogEvents", ctx("FilterLogEvents"), in), Resources{group});
  EXPECT_EQ(svc->resources("PutLogEvents", ctx("PutLogEvents"), in),
            Resources{group + ":log-stream:s"});
  EXPECT_EQ(svc->resources("DescribeLogGroups", ctx("DescribeLogGroups"), {}),
            Resources{"arn:aws:logs:us-east-1:000000000000:log-group:*"});
}

TEST_F(LogsTest, DescribeLogGroupsPages) {
  for (int i = 0; i < 7; ++i) call("CreateLogGroup", {{"logGroupName", "g" + std::to_string(i)}});
  std::vector<std::string> seen;
  json::object in{{"limit", 3}};
  while (true) {
    auto out = call("DescribeLogGroups", in);
    for (auto& g : out["logGroups"].as_array()) {
      seen.emplace_back(g.as_object().at("logGroupName").as_string());
    }
    if (!out.contains("nextToken")) break;
    in["nextToken"] = out["nextToken"];
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(error_code("DescribeLogGroups", {{"nextToken", "junk"}}), "InvalidParameterException");
}

TEST_F(LogsTest, StreamsCreateDescribeDelete) {
  EXPECT_EQ(error_code("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}}),
            "ResourceNotFoundException");
  make_stream("g", "b");
  make_stream("g", "a");
  make_stream("g", "c");
  EXPECT_EQ(error_code("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "a"}}),
            "ResourceAlreadyExistsException");
  EXPECT_EQ(error_code("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "x:y"}}),
            "InvalidParameterException");
  put("g", "b", {{kNow - 10, "old"}});
  put("g", "a", {{kNow, "new"}});
  auto out = call("DescribeLogStreams", {{"logGroupName", "g"}});
  auto streams = out["logStreams"].as_array();
  ASSERT_EQ(streams.size(), 3u);
  EXPECT_EQ(streams[0].as_object().at("logStreamName"), "a");
  EXPECT_EQ(streams[0].as_object().at("lastEventTimestamp"), kNow);
  EXPECT_FALSE(streams[2].as_object().contains("lastEventTimestamp"));
  out = call("DescribeLogStreams",
             {{"logGroupName", "g"}, {"orderBy", "LastEventTime"}, {"descending", true}});
  EXPECT_EQ(out["logStreams"].as_array()[0].as_object().at("logStreamName"), "a");
  EXPECT_EQ(out["logStreams"].as_array()[1].as_object().at("logStreamName"), "b");
  EXPECT_EQ(error_code("DescribeLogStreams", {{"logGroupName", "g"},
                                              {"orderBy", "LastEventTime"},
                                              {"logStreamNamePrefix", "a"}}),
            "InvalidParameterException");
  out = call("DescribeLogStreams", {{"logGroupName", "g"}, {"limit", 2}});
  ASSERT_TRUE(out.contains("nextToken"));
  out = call("DescribeLogStreams",
             {{"logGroupName", "g"}, {"limit", 2}, {"nextToken", out["nextToken"]}});
  EXPECT_EQ(out["logStreams"].as_array().size(), 1u);
  call("DeleteLogStream", {{"logGroupName", "g"}, {"logStreamName", "a"}});
  EXPECT_EQ(error_code("DeleteLogStream", {{"logGroupName", "g"}, {"logStreamName", "a"}}),
            "ResourceNotFoundException");
  // A new stream of the same name starts empty (its events went with the old one).
  call("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "a"}});
  EXPECT_TRUE(call("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "a"}})["events"]
                  .as_array()
                  .empty());
}

TEST_F(LogsTest, DeletingAGroupRemovesItsEventsFromDisk) {
  make_stream("g", "a");
  make_stream("g", "b");
  put("g", "a", {{kNow, "x"}, {kNow, "y"}});
  put("g", "b", {{kNow, "z"}});
  make_stream("keep", "s");
  put("keep", "s", {{kNow, "kept"}});
  call("DeleteLogGroup", {{"logGroupName", "g"}});
  auto events = storage->records("logs.events");
  EXPECT_TRUE(eventually([&] { return events.scan("", 10)->size() == 1; }));
  EXPECT_TRUE(storage->records("logs.purge").scan("", 10)->empty());
  reopen();
  EXPECT_EQ(messages(call("FilterLogEvents", {{"logGroupName", "keep"}})),
            std::vector<std::string>{"kept"});
}

TEST_F(LogsTest, RetentionIsEnforced) {
  make_stream("g", "s");
  EXPECT_EQ(error_code("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 2}}),
            "InvalidParameterException");
  EXPECT_EQ(error_code("PutRetentionPolicy", {{"logGroupName", "nope"}, {"retentionInDays", 1}}),
            "ResourceNotFoundException");
  int64_t day = 86'400'000;
  put("g", "s", {{kNow - 3 * day, "three days old"}});
  put("g", "s", {{kNow - 2 * day - 1, "two days old"}});
  put("g", "s", {{kNow, "fresh"}});
  call("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 1}});
  auto groups = call("DescribeLogGroups", {})["logGroups"].as_array();
  EXPECT_EQ(groups[0].as_object().at("retentionInDays"), 1);
  auto in = json::object{{"logGroupName", "g"}, {"logStreamName", "s"}, {"startFromHead", true}};
  EXPECT_EQ(messages(call("GetLogEvents", in)), std::vector<std::string>{"fresh"});
  EXPECT_EQ(messages(call("FilterLogEvents", {{"logGroupName", "g"}})),
            std::vector<std::string>{"fresh"});
  // The sweep deletes them from disk; dropping the policy does not bring them back.
  svc->store().sweep_retention();
  call("DeleteRetentionPolicy", {{"logGroupName", "g"}});
  EXPECT_EQ(messages(call("GetLogEvents", in)), std::vector<std::string>{"fresh"});
  // Events older than the retention are rejected as expired.
  call("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 1}});
  auto out = put("g", "s",
                 {{kNow - 2 * day + 1000, "expired"},
                  {kNow - day - 1, "expired too"},
                  {kNow - day + 1000, "ok"}});
  EXPECT_EQ(out["rejectedLogEventsInfo"].as_object().at("expiredLogEventEndIndex"), 1);
  out = put("g", "s", {{kNow - 2 * day + 1000, "expired"}, {kNow - day + 1000, "ok"}});
  EXPECT_EQ(out["rejectedLogEventsInfo"].as_object().at("expiredLogEventEndIndex"), 0);
}

TEST_F(LogsTest, SurvivesRestart) {
  make_stream("/aws/lambda/f", "s1");
  call("PutRetentionPolicy", {{"logGroupName", "/aws/lambda/f"}, {"retentionInDays", 7}});
  put("/aws/lambda/f", "s1", {{kNow, "one"}, {kNow + 1, "two"}});
  svc->writer().put("/aws/lambda/f", "s2", {{kNow + 2, "three"}});
  reopen();
  auto groups = call("DescribeLogGroups", {})["logGroups"].as_array();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].as_object().at("retentionInDays"), 7);
  EXPECT_EQ(messages(call("FilterLogEvents", {{"logGroupName", "/aws/lambda/f"}})),
            (std::vector<std::string>{"one", "two", "three"}));
  // Sequence numbers continue where they were.
  put("/aws/lambda/f", "s1", {{kNow, "again"}});
  EXPECT_EQ(messages(call("GetLogEvents", {{"logGroupName", "/aws/lambda/f"},
                                           {"logStreamName", "s1"},
                                           {"startFromHead", true}})),
            (std::vector<std::string>{"one", "again", "two"}));
}

TEST_F(LogsTest, WriterCreatesAndKeepsOrderAcrossThreads) {
  constexpr int kThreads = 4, kLines = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kLines; ++i) {
        svc->writer().put("/aws/lambda/w", "env" + std::to_string(t),
                          {{kNow, "line " + std::to_string(i)}});
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) settle("/aws/lambda/w", "env" + std::to_string(t), kLines);
  for (int t = 0; t < kThreads; ++t) {
    auto out = call("GetLogEvents", {{"logGroupName", "/aws/lambda/w"},
                                     {"logStreamName", "env" + std::to_string(t)},
                                     {"startFromHead", true}});
    auto m = messages(out);
    ASSERT_EQ(m.size(), static_cast<size_t>(kLines));
    for (int i = 0; i < kLines; ++i) EXPECT_EQ(m[i], "line " + std::to_string(i));
  }
  // Group commit: far fewer commits than puts.
  EXPECT_LT(storage->stats().commits, static_cast<uint64_t>(kThreads * kLines));
}

// With `sync` durability, as the server runs.
class LogsSyncTest : public LogsTest {
 protected:
  LogsSyncTest() : LogsTest({storage::Durability::kSync}) {}
};

TEST_F(LogsSyncTest, WriterLinesRideOnTheNextFsync) {
  make_stream("g", "api");
  uint64_t before = storage->stats().syncs;
  svc->writer().put("/aws/lambda/f", "env", {{kNow, "one"}});
  settle("/aws/lambda/f", "env", 1);
  EXPECT_EQ(storage->stats().syncs, before);  // a function's lines wait for no fsync
  put("g", "api", {{kNow, "two"}});
  EXPECT_EQ(storage->stats().syncs, before + 1);  // PutLogEvents answers once durable
  reopen();
  EXPECT_EQ(
      messages(call("GetLogEvents", {{"logGroupName", "/aws/lambda/f"}, {"logStreamName", "env"}})),
      (std::vector<std::string>{"one"}));
  EXPECT_EQ(messages(call("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "api"}})),
            (std::vector<std::string>{"two"}));
}

TEST_F(LogsTest, WriterNeverReordersOnClockSteps) {
  svc->writer().put("g", "s", {{kNow, "a"}, {kNow - 1000, "b"}, {kNow, ""}});
  settle("g", "s", 3);
  auto out = call("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  EXPECT_EQ(messages(out), (std::vector<std::string>{"a", "b", " "}));
}

}  // namespace
}  // namespace nimbus::services::logs::testing
