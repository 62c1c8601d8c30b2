// Enhanced fan-out on the simulated clock: consumers (durable, limits,
// errors), and SubscribeToShard's events: records pushed when put, empty
// heartbeats, the end of a closed shard, the 5-minute life, one subscription
// per consumer and shard, deregistration ending it.
#include <future>

#include "http/event_payload.h"
#include "services/kinesis/test_helpers.h"

namespace nimbus::services::kinesis::testing {
namespace {

constexpr char kStreamArn[] = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
constexpr char kFanoutShard0[] = "shardId-000000000000";

class FanOutTest : public KinesisTest {
 protected:
  std::string register_consumer(const std::string& name) {
    auto out = call("RegisterStreamConsumer", {{"StreamARN", kStreamArn}, {"ConsumerName", name}});
    EXPECT_EQ(s(out["Consumer"].as_object()["ConsumerStatus"]), "CREATING");
    return s(out["Consumer"].as_object()["ConsumerARN"]);
  }

  // SubscribeToShard's event source, or the error code.
  std::shared_ptr<EventSource> subscribe(const std::string& consumer, json::object position,
                                         std::string* code = nullptr) {
    CallContext c = ctx("SubscribeToShard");
    auto out = try_call(*svc, c,
                        {{"ConsumerARN", consumer},
                         {"ShardId", kFanoutShard0},
                         {"StartingPosition", std::move(position)}});
    if (!out) {
      if (code != nullptr) *code = out.error().code;
      return nullptr;
    }
    auto events = std::dynamic_pointer_cast<http::EventPayload>(c.payload->response);
    return events ? events->events() : nullptr;
  }

  // The next event, waited for up to 10 s of real time (the clock stands).
  std::optional<EventResult> next(EventSource& src) {
    auto p = std::make_shared<std::promise<EventResult>>();
    auto f = p->get_future();
    src.next_event([p](EventResult r) { p->set_value(std::move(r)); });
    if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return std::nullopt;
    return f.get();
  }

  static std::vector<std::string> data_of(const OutputEvent& e) {
    std::vector<std::string> v;
    for (const auto& r : e.value.at("Records").as_array()) {
      v.push_back(s(r.as_object().at("Data")));
    }
    return v;
  }
};

TEST_F(FanOutTest, ConsumersAreDurableAndLimited) {
  make_stream("s");
  std::string arn = register_consumer("c1");
  EXPECT_EQ(arn, std::string(kStreamArn) + "/consumer/c1:1700000000");
  expect_error("RegisterStreamConsumer", {{"StreamARN", kStreamArn}, {"ConsumerName", "c1"}},
               "ResourceInUseException");
  expect_error("RegisterStreamConsumer", {{"StreamARN", kStreamArn}, {"ConsumerName", "a b"}},
               "ValidationException");
  reopen();
  auto d =
      call("DescribeStreamConsumer", {{"ConsumerARN", arn}})["ConsumerDescription"].as_object();
  EXPECT_EQ(s(d["ConsumerStatus"]), "ACTIVE");
  EXPECT_EQ(s(d["StreamARN"]), kStreamArn);
  d = call("DescribeStreamConsumer",
           {{"StreamARN", kStreamArn}, {"ConsumerName", "c1"}})["ConsumerDescription"]
          .as_object();
  EXPECT_EQ(s(d["ConsumerARN"]), arn);
  for (int i = 2; i <= 20; ++i) register_consumer("c" + std::to_string(i));
  expect_error("RegisterStreamConsumer", {{"StreamARN", kStreamArn}, {"ConsumerName", "c21"}},
               "LimitExceededException");
  auto page = call("ListStreamConsumers", {{"StreamARN", kStreamArn}, {"MaxResults", 15}});
  EXPECT_EQ(page["Consumers"].as_array().size(), 15u);
  auto rest =
      call("ListStreamConsumers", {{"StreamARN", kStreamArn}, {"NextToken", page["NextToken"]}});
  EXPECT_EQ(rest["Consumers"].as_array().size(), 5u);
  EXPECT_FALSE(rest.contains("NextToken"));

  call("DeregisterStreamConsumer", {{"ConsumerARN", arn}});
  expect_error("DescribeStreamConsumer", {{"ConsumerARN", arn}}, "ResourceNotFoundException");
  // The same name again is another consumer: the old ARN names nothing.
  clock.advance(std::chrono::seconds(2));
  std::string again = register_consumer("c1");
  EXPECT_NE(again, arn);
  expect_error("DescribeStreamConsumer", {{"ConsumerARN", arn}}, "ResourceNotFoundException");
  expect_error("DescribeStreamConsumer", {{"ConsumerARN", "arn:aws:kinesis:nope"}},
               "ValidationException");
  // A stream with consumers is deleted only when told to take them along.
  expect_error("DeleteStream", {{"StreamName", "s"}}, "ResourceInUseException");
  call("DeleteStream", {{"StreamName", "s"}, {"EnforceConsumerDeletion", true}});
}

TEST_F(FanOutTest, RecordsArePushedAsTheyArrive) {
  make_stream("s");
  put("s", "k", "before");
  std::string consumer = register_consumer("c");
  std::string code;
  auto src = subscribe(consumer, {{"Type", "TRIM_HORIZON"}});
  ASSERT_TRUE(src);
  auto e = next(*src);
  ASSERT_TRUE(e && *e && **e);
  EXPECT_EQ((**e)->type, "SubscribeToShardEvent");
  EXPECT_EQ(data_of(***e), std::vector<std::string>{"before"});
  std::string cont = s((**e)->value.at("ContinuationSequenceNumber"));
  EXPECT_EQ(cont, s((**e)->value.at("Records").as_array()[0].as_object().at("SequenceNumber")));

  // One subscription per consumer and shard.
  EXPECT_FALSE(subscribe(consumer, {{"Type", "LATEST"}}, &code));
  EXPECT_EQ(code, "ResourceInUseException");

  // Idle: the next event waits for a put, which wakes it (no clock moves).
  auto p = std::make_shared<std::promise<EventResult>>();
  auto f = p->get_future();
  src->next_event([p](EventResult r) { p->set_value(std::move(r)); });
  EXPECT_EQ(f.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  put("s", "k", "pushed");
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto pushed = f.get();
  ASSERT_TRUE(pushed && *pushed);
  EXPECT_EQ(data_of(**pushed), std::vector<std::string>{"pushed"});

  // Nothing for 5 s: an empty event keeps the connection alive.
  auto p2 = std::make_shared<std::promise<EventResult>>();
  auto f2 = p2->get_future();
  src->next_event([p2](EventResult r) { p2->set_value(std::move(r)); });
  EXPECT_TRUE(advance_until(
      [&] { return f2.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
      std::chrono::seconds(1), 10));
  auto beat = f2.get();
  ASSERT_TRUE(beat && *beat);
  EXPECT_TRUE(data_of(**beat).empty());
  EXPECT_EQ(s((*beat)->value.at("ContinuationSequenceNumber")),
            s((*pushed)->value.at("ContinuationSequenceNumber")));

  // Resuming after the continuation sequence number reads on from there.
  std::string c2 = register_consumer("c2");
  put("s", "k", "after");
  auto resumed =
      subscribe(c2, {{"Type", "AFTER_SEQUENCE_NUMBER"},
                     {"SequenceNumber", (*pushed)->value.at("ContinuationSequenceNumber")}});
  ASSERT_TRUE(resumed);
  auto r = next(*resumed);
  ASSERT_TRUE(r && *r && **r);
  EXPECT_EQ(data_of(***r), std::vector<std::string>{"after"});
  EXPECT_FALSE(subscribe(c2, {{"Type", "AT_SEQUENCE_NUMBER"}, {"SequenceNumber", "12"}}, &code));
}

TEST_F(FanOutTest, SubscriptionsEnd) {
  make_stream("s");
  std::string consumer = register_consumer("c");
  auto src = subscribe(consumer, {{"Type", "LATEST"}});
  ASSERT_TRUE(src);
  // After 5 minutes of the clock, with heartbeats on the way.
  bool ended = false;
  int beats = 0;
  for (int i = 0; i < 100 && !ended; ++i) {
    auto p = std::make_shared<std::promise<EventResult>>();
    auto f = p->get_future();
    src->next_event([p](EventResult r) { p->set_value(std::move(r)); });
    ASSERT_TRUE(advance_until(
        [&] { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
        std::chrono::seconds(5), 3));
    auto r = f.get();
    ASSERT_TRUE(r);
    if (*r) {
      ++beats;
    } else {
      ended = true;
    }
  }
  EXPECT_TRUE(ended);
  EXPECT_GE(beats, 55);
  EXPECT_LE(beats, 61);
  src.reset();

  // Deregistration ends a waiting subscription at once.
  auto again = subscribe(consumer, {{"Type", "LATEST"}});
  ASSERT_TRUE(again);
  auto p = std::make_shared<std::promise<EventResult>>();
  auto f = p->get_future();
  again->next_event([p](EventResult r) { p->set_value(std::move(r)); });
  call("DeregisterStreamConsumer", {{"ConsumerARN", consumer}});
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto end = f.get();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
  std::string code;
  EXPECT_FALSE(subscribe(consumer, {{"Type", "LATEST"}}, &code));
  EXPECT_EQ(code, "ResourceNotFoundException");

  // A closed shard: its last event names the children, then the end.
  std::string c2 = register_consumer("c2");
  auto closing = subscribe(c2, {{"Type", "TRIM_HORIZON"}});
  ASSERT_TRUE(closing);
  put("s", "a", "1");
  call("SplitShard", {{"StreamName", "s"},
                      {"ShardToSplit", kFanoutShard0},
                      {"NewStartingHashKey", "170141183460469231731687303715884105728"}});
  auto last = next(*closing);
  ASSERT_TRUE(last && *last && **last);
  EXPECT_EQ(data_of(***last), std::vector<std::string>{"1"});
  if (!(**last)->value.contains("ChildShards")) {
    last = next(*closing);
    ASSERT_TRUE(last && *last && **last);
  }
  EXPECT_EQ((**last)->value.at("ChildShards").as_array().size(), 2u);
  auto done = next(*closing);
  ASSERT_TRUE(done && *done);
  EXPECT_FALSE(**done);
}

// Event source mappings may name a consumer: the reader reads its stream
// while that consumer is registered.
TEST_F(FanOutTest, TheReaderReadsThroughAConsumerArn) {
  make_stream("s");
  std::string consumer = register_consumer("c");
  put("s", "k", "x");
  events::StreamSource& reader = svc->reader();
  ASSERT_TRUE(reader.shards(consumer));
  auto start = reader.start(consumer, kFanoutShard0, events::StartingPosition::kTrimHorizon);
  ASSERT_TRUE(start);
  auto got = reader.read(consumer, kFanoutShard0, *start, 10, 1 << 20);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->records.size(), 1u);
  EXPECT_EQ(got->records[0].data, "x");
  EXPECT_FALSE(reader.shards(consumer + "0"));  // another creation second
  call("DeregisterStreamConsumer", {{"ConsumerARN", consumer}});
  EXPECT_FALSE(reader.shards(consumer));
  EXPECT_FALSE(reader.read(consumer, kFanoutShard0, *start, 10, 1 << 20));
}

}  // namespace
}  // namespace nimbus::services::kinesis::testing
