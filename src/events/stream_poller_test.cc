// The stream poller against an in-memory stream and a scripted function:
// order and checkpoints across restarts, starting positions, retries and
// the on-failure record, bisection, partial batch responses, filters,
// resharding, the DynamoDB record shape. Time is a SimulatedClock that
// drives the scheduler, so retry delays and record ages are real ones.
#include "events/stream_poller.h"

#include <mutex>
#include <vector>

#include "events/mappings.h"
#include "events/stream_poller_fixture.h"

namespace nimbus::events {
namespace {

using namespace stream_testing;
namespace json = boost::json;
using namespace std::chrono_literals;
using Kind = InvokeOutcome::Kind;

TEST_F(StreamPollerTest, DeliversInOrderWithTheKinesisRecordShape) {
  std::string s1 = stream.put("shardId-000000000000", "one", now_ms(), "user-1");
  stream.put("shardId-000000000000", "two", now_ms());
  start(config());
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  EXPECT_EQ(fn.batches()[0], (std::vector<std::string>{"one", "two"}));
  const auto& r = fn.events[0].at("Records").as_array()[0].as_object();
  EXPECT_EQ(r.at("eventSource"), "aws:kinesis");
  EXPECT_EQ(r.at("eventVersion"), "1.0");
  EXPECT_EQ(r.at("eventName"), "aws:kinesis:record");
  EXPECT_EQ(r.at("eventID"), json::value("shardId-000000000000:" + s1));
  EXPECT_EQ(r.at("invokeIdentityArn"), json::value(kRole));
  EXPECT_EQ(r.at("awsRegion"), "us-east-1");
  EXPECT_EQ(r.at("eventSourceARN"), json::value(kStream));
  const auto& k = r.at("kinesis").as_object();
  EXPECT_EQ(k.at("kinesisSchemaVersion"), "1.0");
  EXPECT_EQ(k.at("partitionKey"), "user-1");
  EXPECT_EQ(k.at("sequenceNumber"), json::value(s1));
  EXPECT_EQ(k.at("data"), json::value(base64_encode("one")));
  EXPECT_TRUE(k.at("approximateArrivalTimestamp").is_double());
  // An idle shard is woken by the next record at once.
  stream.put("shardId-000000000000", "three", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }, 1ms, 2000));
  EXPECT_EQ(fn.batches()[1], std::vector<std::string>{"three"});
  EXPECT_EQ(poller->last_result(), "OK");
}

TEST_F(StreamPollerTest, ARestartResumesAfterTheLastCheckpoint) {
  stream.put("shardId-000000000000", "one", now_ms());
  start(config());
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  settle();
  stream.put("shardId-000000000000", "two", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }));
  settle();
  restart(config());
  stream.put("shardId-000000000000", "three", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 3; }));
  settle();
  EXPECT_EQ(fn.count(), 3u);
  EXPECT_EQ(fn.batches()[2], std::vector<std::string>{"three"});
}

TEST_F(StreamPollerTest, IteratorAgeIsTheAgeOfEachBatchsLastRecord) {
  Gauge age;
  age.set(-1);
  counters.iterator_age_ms = &age;
  // The same ages reach the callback Lambda publishes AWS/Lambda IteratorAge
  // through.
  std::vector<int64_t> reported;
  std::mutex reported_mu;
  counters.iterator_age = [&](int64_t a) {
    std::lock_guard l(reported_mu);
    reported.push_back(a);
  };
  int64_t t0 = now_ms();
  stream.put("shardId-000000000000", "one", t0 - 5'000);
  stream.put("shardId-000000000000", "two", t0 - 3'000);
  start(config());
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }, 1ms, 2000));
  EXPECT_GE(age.value(), 3'000);
  EXPECT_LE(age.value(), now_ms() - t0 + 3'000);
  settle();
  // A record put a minute later and read at once: its age is small.
  clock.advance(60s);
  int64_t t1 = now_ms();
  stream.put("shardId-000000000000", "three", t1 - 250);
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }, 1ms, 2000));
  EXPECT_GE(age.value(), 250);
  EXPECT_LE(age.value(), now_ms() - t1 + 250);
  // A record stamped ahead of the clock (another host's time) is age 0.
  settle();
  stream.put("shardId-000000000000", "four", now_ms() + 10'000);
  ASSERT_TRUE(drive([&] { return fn.count() == 3; }, 1ms, 2000));
  EXPECT_EQ(age.value(), 0);
  std::lock_guard l(reported_mu);
  ASSERT_EQ(reported.size(), 3u);
  EXPECT_GE(reported[0], 3'000);
  EXPECT_EQ(reported[2], 0);
}

TEST(MappingMetrics, FunctionDimensionsAreNameAndResource) {
  EXPECT_EQ(function_dimensions("arn:aws:lambda:us-east-1:000000000000:function:f"),
            std::make_pair(std::string("f"), std::string("f")));
  EXPECT_EQ(function_dimensions("arn:aws:lambda:us-east-1:000000000000:function:f:live"),
            std::make_pair(std::string("f"), std::string("f:live")));
  EXPECT_EQ(function_dimensions("arn:aws:lambda:us-east-1:000000000000:function:f:3"),
            std::make_pair(std::string("f"), std::string("f:3")));
}

TEST_F(StreamPollerTest, LatestIsResolvedOnceAndStored) {
  stream.put("shardId-000000000000", "old", now_ms());
  auto c = config();
  c.starting = StartingPosition::kLatest;
  start(c);
  settle();
  poller->detach();  // down before anything new arrived
  stream.put("shardId-000000000000", "while-down", now_ms());
  restart(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  EXPECT_EQ(fn.batches()[0], std::vector<std::string>{"while-down"});
}

TEST_F(StreamPollerTest, AtTimestampStartsAtTheFirstRecordArrivedThen) {
  stream.put("shardId-000000000000", "before", now_ms() - 10'000);
  stream.put("shardId-000000000000", "after", now_ms());
  auto c = config();
  c.starting = StartingPosition::kAtTimestamp;
  c.starting_timestamp_ms = now_ms() - 5'000;
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  EXPECT_EQ(fn.batches()[0], std::vector<std::string>{"after"});
}

TEST_F(StreamPollerTest, ErrorsRetryTheBatchThenTheFailureRecordGoesOnFailure) {
  fn.respond = [](const json::array& r) {
    return has_bad(r) ? InvokeOutcome{Kind::kFunctionError, "{}"} : InvokeOutcome{Kind::kOk, ""};
  };
  std::string s1 = stream.put("shardId-000000000000", "bad", now_ms());
  std::string s2 = stream.put("shardId-000000000000", "ok", now_ms());
  auto c = config();
  c.max_retries = 2;
  c.on_failure = kFailed;
  start(c);
  ASSERT_TRUE(drive([&] { return failed.all().size() == 1; }));
  EXPECT_EQ(fn.count(), 3u);  // the first attempt and two retries, the shard blocked meanwhile
  auto rec = failed.all()[0];
  EXPECT_EQ(rec.at("requestContext").at("condition"), "RetryAttemptsExhausted");
  EXPECT_EQ(rec.at("requestContext").at("functionArn"), json::value(kFn));
  EXPECT_EQ(rec.at("requestContext").at("approximateInvokeCount"), 3);
  EXPECT_EQ(rec.at("responseContext").at("functionError"), "Unhandled");
  EXPECT_EQ(rec.at("version"), "1.0");
  const auto& info = rec.at("KinesisBatchInfo").as_object();
  EXPECT_EQ(info.at("shardId"), "shardId-000000000000");
  EXPECT_EQ(info.at("startSequenceNumber"), json::value(s1));
  EXPECT_EQ(info.at("endSequenceNumber"), json::value(s2));
  EXPECT_EQ(info.at("batchSize"), 2);
  EXPECT_EQ(info.at("streamArn"), json::value(kStream));
  // The shard moved on.
  stream.put("shardId-000000000000", "next", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 4; }));
  EXPECT_EQ(fn.batches()[3], std::vector<std::string>{"next"});
}

TEST_F(StreamPollerTest, BisectionIsolatesThePoisonRecord) {
  fn.respond = [](const json::array& r) {
    return has_bad(r) ? InvokeOutcome{Kind::kFunctionError, "{}"} : InvokeOutcome{Kind::kOk, ""};
  };
  for (const char* d : {"a", "b", "bad", "c"}) stream.put("shardId-000000000000", d, now_ms());
  auto c = config();
  c.max_retries = 0;
  c.bisect = true;
  c.on_failure = kFailed;
  start(c);
  ASSERT_TRUE(drive([&] { return failed.all().size() == 1 && fn.count() == 5; }));
  using V = std::vector<std::string>;
  EXPECT_EQ(fn.batches(),
            (std::vector<V>{{"a", "b", "bad", "c"}, {"a", "b"}, {"bad", "c"}, {"bad"}, {"c"}}));
  EXPECT_EQ(failed.all()[0].at("KinesisBatchInfo").at("batchSize"), 1);
}

TEST_F(StreamPollerTest, ReportedItemFailuresRetryFromTheLowestOne) {
  bool first = true;
  std::string s2;
  fn.respond = [&](const json::array&) {
    if (!first) return InvokeOutcome{Kind::kOk, ""};
    first = false;
    return InvokeOutcome{Kind::kOk, R"({"batchItemFailures":[{"itemIdentifier":")" + s2 + "\"}]}"};
  };
  stream.put("shardId-000000000000", "1", now_ms());
  s2 = stream.put("shardId-000000000000", "2", now_ms());
  stream.put("shardId-000000000000", "3", now_ms());
  auto c = config();
  c.report_failures = true;
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }));
  EXPECT_EQ(fn.batches()[1], (std::vector<std::string>{"2", "3"}));
}

TEST_F(StreamPollerTest, ThrottlesRetryUntilTheRecordsAreTooOld) {
  fn.respond = [](const json::array&) { return InvokeOutcome{Kind::kThrottled, "busy"}; };
  stream.put("shardId-000000000000", "x", now_ms());
  auto c = config();
  c.max_retries = 0;  // throttles are not retries
  c.max_record_age_s = 60;
  c.on_failure = kFailed;
  start(c);
  ASSERT_TRUE(drive([&] { return failed.all().size() == 1; }, 1s, 200));
  EXPECT_GT(fn.count(), 3u);
  auto rec = failed.all()[0];
  EXPECT_EQ(rec.at("requestContext").at("condition"), "RecordAgeExceeded");
  EXPECT_FALSE(rec.at("responseContext").as_object().contains("functionError"));
}

TEST_F(StreamPollerTest, FiltersSkipRecordsAndTheCheckpointPassesThem) {
  stream.put("shardId-000000000000", R"({"type":"click"})", now_ms());
  stream.put("shardId-000000000000", R"({"type":"view"})", now_ms());
  stream.put("shardId-000000000000", "not json", now_ms());
  auto c = config();
  c.filters.push_back(*EventPattern::parse(R"({"data":{"type":["click"]}})"));
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  EXPECT_EQ(fn.batches()[0], std::vector<std::string>{R"({"type":"click"})"});
  settle();
  restart(c);
  settle();
  EXPECT_EQ(fn.count(), 1u);  // nothing filtered comes back
}

TEST_F(StreamPollerTest, LatestStartsAtTheTipOfTheOpenShards) {
  stream.put("shardId-000000000000", "parent", now_ms());
  stream.close("shardId-000000000000");
  stream.add_shard("shardId-000000000001", "shardId-000000000000");
  stream.put("shardId-000000000001", "child-old", now_ms());
  auto c = config();
  c.starting = StartingPosition::kLatest;
  start(c);
  settle();
  stream.put("shardId-000000000001", "child-new", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  settle();
  EXPECT_EQ(fn.count(), 1u);
  EXPECT_EQ(fn.batches()[0], std::vector<std::string>{"child-new"});
}

TEST_F(StreamPollerTest, ChildrenAreReadAfterTheirParentsEnd) {
  stream.put("shardId-000000000000", "parent-1", now_ms());
  stream.put("shardId-000000000000", "parent-2", now_ms());
  stream.close("shardId-000000000000");
  stream.add_shard("shardId-000000000001", "shardId-000000000000");
  stream.add_shard("shardId-000000000002", "shardId-000000000000");
  stream.put("shardId-000000000001", "child-a", now_ms());
  stream.put("shardId-000000000002", "child-b", now_ms());
  auto c = config();
  c.batch_size = 1;
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 4; }));
  auto b = fn.batches();
  EXPECT_EQ(b[0], std::vector<std::string>{"parent-1"});
  EXPECT_EQ(b[1], std::vector<std::string>{"parent-2"});
  std::set<std::string> children{b[2][0], b[3][0]};
  EXPECT_EQ(children, (std::set<std::string>{"child-a", "child-b"}));
  settle();
  restart(c);  // the parent is remembered as ended
  settle();
  EXPECT_EQ(fn.count(), 4u);
  EXPECT_EQ(poller->active_shards(), 2u);
}

TEST_F(StreamPollerTest, AnExpiredParentIsForgottenAndItsChildrenGoOn) {
  stream.put("shardId-000000000000", "parent", now_ms());
  stream.close("shardId-000000000000");
  stream.add_shard("shardId-000000000001", "shardId-000000000000");
  stream.add_shard("shardId-000000000002", "shardId-000000000000");
  stream.put("shardId-000000000001", "child-a", now_ms());
  stream.put("shardId-000000000002", "child-b", now_ms());
  auto c = config();
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 3; }));
  settle();
  auto checkpoint = [&](const std::string& shard) {
    auto v = store->records("lambda.esm.shards").get("m-1/" + shard);
    return v && v->has_value() ? v->value() : std::string("(none)");
  };
  EXPECT_EQ(checkpoint("shardId-000000000000"), "END");
  // The parent expires; its children are merged into a new shard.
  stream.expire_shard("shardId-000000000000");
  stream.close("shardId-000000000001");
  stream.close("shardId-000000000002");
  stream.add_shard("shardId-000000000003", "shardId-000000000001", "shardId-000000000002");
  stream.put("shardId-000000000003", "merged", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 4; }, 1s, 200));
  EXPECT_EQ(fn.batches()[3], std::vector<std::string>{"merged"});
  settle();
  EXPECT_EQ(checkpoint("shardId-000000000000"), "(none)");
  EXPECT_EQ(checkpoint("shardId-000000000001"), "END");
  // A restart neither reads the forgotten parent again nor waits for it.
  stream.expire_shard("shardId-000000000001");
  restart(c);
  settle();
  EXPECT_EQ(fn.count(), 4u);
  EXPECT_EQ(checkpoint("shardId-000000000001"), "(none)");
  EXPECT_EQ(poller->active_shards(), 1u);
  stream.put("shardId-000000000003", "later", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 5; }, 1ms, 2000));
}

TEST_F(StreamPollerTest, DynamoDbRecordsPassThroughWithTheirSourceArn) {
  const std::string arn =
      "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-12-04T00:00:00.000";
  FakeStream table(arn);
  table.add_shard("shardId-00000001");
  auto b = targets.bind_stream_source("dynamodb", table);
  table.put("shardId-00000001",
            R"({"eventID":"e1","eventName":"INSERT","eventVersion":"1.1",)"
            R"("eventSource":"aws:dynamodb","awsRegion":"us-east-1",)"
            R"("dynamodb":{"Keys":{"pk":{"S":"a"}},"SequenceNumber":"1"}})",
            now_ms());
  auto c = config();
  c.stream_arn = arn;
  c.filters.push_back(*EventPattern::parse(R"({"eventName":["INSERT"]})"));
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  const auto& r = fn.events[0].at("Records").as_array()[0].as_object();
  EXPECT_EQ(r.at("eventName"), "INSERT");
  EXPECT_EQ(r.at("eventSource"), "aws:dynamodb");
  EXPECT_EQ(r.at("eventSourceARN"), json::value(arn));
  EXPECT_EQ(r.at("dynamodb").at("Keys").at("pk").at("S"), "a");
  poller->detach();
  poller.reset();
  quiesce();
}

}  // namespace
}  // namespace nimbus::events
