// Publish and PublishBatch into SQS (the real engine) and a Lambda target
// double: envelopes, raw delivery, filters, FIFO, validation, retries on the
// simulated clock, dead letters and a restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "services/sns/test_helpers.h"
#include "services/sqs/sqs_service.h"
#include "services/sqs/target.h"
#include "services/testing/target_fixture.h"

namespace nimbus::services::sns {
namespace {

namespace json = boost::json;

class SnsPublishTest : public services::testing::WithTargets<testing::SnsTest> {
 protected:
  SnsPublishTest() : WithTargets({build<sqs::SqsService>(), build<SnsService>()}) {}

  // Publishes `body` to a FIFO topic in group "g" with deduplication id `dedup`.
  json::object publish_fifo(const std::string& topic, const std::string& body,
                            const std::string& dedup) {
    return call("Publish", {{"TopicArn", topic},
                            {"Message", body},
                            {"MessageGroupId", "g"},
                            {"MessageDeduplicationId", dedup}});
  }
  // The FIFO window's stored entries, of every topic.
  size_t stored_window_entries() {
    size_t n = 0;
    EXPECT_TRUE(storage->records(kFifoWindowNs).each("", [&n](storage::Entry&) { ++n; }));
    return n;
  }
};

TEST_F(SnsPublishTest, SqsGetsTheNotificationEnvelope) {
  std::string url = queue("q");
  std::string topic = create_topic("t");
  std::string sub = subscribe(topic, "sqs", arn_of(url));
  auto out = call("Publish", {{"TopicArn", topic},
                              {"Message", "hello \"world\""},
                              {"Subject", "greeting"},
                              {"MessageAttributes",
                               {{"color", {{"DataType", "String"}, {"StringValue", "red"}}},
                                {"n", {{"DataType", "Number"}, {"StringValue", "5"}}}}}});
  std::string id = s(out["MessageId"]);
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  std::string body = s(got[0].at("Body"));
  auto env = json::parse(body).as_object();
  EXPECT_EQ(s(env["Type"]), "Notification");
  EXPECT_EQ(s(env["MessageId"]), id);
  EXPECT_EQ(s(env["TopicArn"]), topic);
  EXPECT_EQ(s(env["Subject"]), "greeting");
  EXPECT_EQ(s(env["Message"]), "hello \"world\"");
  EXPECT_EQ(s(env["UnsubscribeURL"]),
            "http://localhost:4566/?Action=Unsubscribe&SubscriptionArn=" + sub);
  EXPECT_EQ(s(env["Timestamp"]).size(), 24u);
  EXPECT_EQ(json::serialize(env["MessageAttributes"]),
            R"({"color":{"Type":"String","Value":"red"},"n":{"Type":"Number","Value":"5"}})");
  // SNS's layout: two-space indent, " : " between names and values.
  EXPECT_EQ(body.rfind("{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : ", 0), 0u);
}

TEST_F(SnsPublishTest, RawDeliveryCarriesAttributes) {
  std::string url = queue("raw");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  call("Publish",
       {{"TopicArn", topic},
        {"Message", "plain"},
        {"MessageAttributes",
         {{"list", {{"DataType", "String.Array"}, {"StringValue", R"(["a","b"])"}}},
          {"bin", {{"DataType", "Binary"}, {"BinaryValue", std::string("\x00\x01", 2)}}}}}});
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "plain");
  auto attrs = got[0].at("MessageAttributes").as_object();
  EXPECT_EQ(s(attrs["list"].at("DataType")), "String.Array");
  EXPECT_EQ(s(attrs["list"].at("StringValue")), R"(["a","b"])");
  EXPECT_EQ(s(attrs["bin"].at("BinaryValue")), std::string("\x00\x01", 2));
}

TEST_F(SnsPublishTest, FilterPoliciesAndMessageStructure) {
  std::string red = queue("red");
  std::string body = queue("body");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", arn_of(red), {{"FilterPolicy", R"({"color":["red"]})"}});
  subscribe(topic, "sqs", arn_of(body),
            {{"FilterPolicyScope", "MessageBody"},
             {"FilterPolicy", R"({"total":[{"numeric":[">",10]}]})"},
             {"RawMessageDelivery", "true"}});
  call("Publish",
       {{"TopicArn", topic},
        {"Message", R"({"total":5})"},
        {"MessageAttributes", {{"color", {{"DataType", "String"}, {"StringValue", "blue"}}}}}});
  call("Publish",
       {{"TopicArn", topic},
        {"Message", R"({"total":50})"},
        {"MessageAttributes", {{"color", {{"DataType", "String"}, {"StringValue", "red"}}}}}});
  auto reds = receive(red);
  ASSERT_EQ(reds.size(), 1u);
  EXPECT_EQ(s(json::parse(s(reds[0].at("Body"))).at("Message")), R"({"total":50})");
  auto bodies = receive(body);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(s(bodies[0].at("Body")), R"({"total":50})");
  // MessageStructure json: the sqs key for SQS, "default" for the others.
  call("Publish",
       {{"TopicArn", topic},
        {"MessageStructure", "json"},
        {"Message", R"({"default":"d","sqs":"{\"total\":99}"})"},
        {"MessageAttributes", {{"color", {{"DataType", "String"}, {"StringValue", "red"}}}}}});
  reds = receive(red);
  ASSERT_EQ(reds.size(), 1u);
  EXPECT_EQ(s(json::parse(s(reds[0].at("Body"))).at("Message")), R"({"total":99})");
}

TEST_F(SnsPublishTest, BadMessagesChangeNothing) {
  std::string url = queue("q");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", arn_of(url));
  EXPECT_EQ(error_message("Publish", {{"TopicArn", topic}, {"Message", ""}}),
            "Invalid parameter: Empty message");
  EXPECT_EQ(error_message("Publish", {{"TopicArn", topic}, {"Message", std::string(262145, 'x')}}),
            "Invalid parameter: Message too long");
  EXPECT_EQ(
      error_message("Publish",
                    {{"TopicArn", topic},
                     {"Message", std::string(262100, 'x')},
                     {"MessageAttributes",
                      {{"a", {{"DataType", "String"}, {"StringValue", std::string(100, 'y')}}}}}}),
      "Invalid parameter: Message too long");
  EXPECT_EQ(error_message(
                "Publish",
                {{"TopicArn", topic}, {"MessageStructure", "json"}, {"Message", R"({"sqs":"x"})"}}),
            "Invalid parameter: Message Structure - No default entry in JSON message body");
  EXPECT_EQ(error_message("Publish",
                          {{"TopicArn", topic}, {"MessageStructure", "json"}, {"Message", "nope"}}),
            "Invalid parameter: Message Structure - JSON message body failed to parse");
  EXPECT_EQ(error_message("Publish", {{"TopicArn", topic},
                                      {"Message", "m"},
                                      {"MessageAttributes",
                                       {{"a", {{"DataType", "Number"}, {"StringValue", "x1"}}}}}}),
            "Invalid parameter: Could not cast message attribute 'a' value to number.");
  EXPECT_EQ(error_message("Publish", {{"TopicArn", topic},
                                      {"Message", "m"},
                                      {"MessageAttributes",
                                       {{"a", {{"DataType", "Blob"}, {"StringValue", "x"}}}}}}),
            "Invalid parameter: The message attribute 'a' has an invalid message attribute type, "
            "the set of supported type prefixes is Binary, Number, and String.");
  EXPECT_EQ(
      error_message("Publish",
                    {{"TopicArn", topic}, {"Message", "m"}, {"Subject", std::string(101, 's')}}),
      "Invalid parameter: Subject");
  EXPECT_EQ(error_message("Publish", {{"Message", "m"}}),
            "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter");
  EXPECT_EQ(error_message("Publish", {{"TopicArn", topic + "x"}, {"Message", "m"}}),
            "Topic does not exist");
  EXPECT_EQ(error_message("Publish",
                          {{"TopicArn", topic}, {"Message", "m"}, {"MessageDeduplicationId", "d"}}),
            "Invalid parameter: MessageDeduplicationId Reason: The request includes "
            "MessageDeduplicationId parameter that is not valid for this topic type");
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(svc->deliveries().pending(), 0u);
  auto out = try_call(service("sqs"), ctx("ReceiveMessage"), {{"QueueUrl", url}});
  ASSERT_TRUE(out.is_ok());
  EXPECT_FALSE(out->contains("Messages"));
}

TEST_F(SnsPublishTest, FifoTopicsKeepOrderAndDeduplicate) {
  std::string url = queue("q.fifo", {{"FifoQueue", "true"}});
  std::string topic = create_topic("t.fifo", {{"FifoTopic", "true"}});
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  EXPECT_EQ(error_message("Publish",
                          {{"TopicArn", topic}, {"Message", "m"}, {"MessageDeduplicationId", "d"}}),
            "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
  EXPECT_EQ(
      error_message("Publish", {{"TopicArn", topic}, {"Message", "m"}, {"MessageGroupId", "g"}}),
      "Invalid parameter: The topic should either have ContentBasedDeduplication enabled "
      "or MessageDeduplicationId provided explicitly");
  std::string first;
  std::string last_seq;
  for (int i = 0; i < 5; ++i) {
    auto out = call("Publish", {{"TopicArn", topic},
                                {"Message", "m" + std::to_string(i)},
                                {"MessageGroupId", "g"},
                                {"MessageDeduplicationId", "d" + std::to_string(i)}});
    if (i == 0) first = s(out["MessageId"]);
    EXPECT_GT(s(out["SequenceNumber"]), last_seq);
    EXPECT_EQ(s(out["SequenceNumber"]).size(), 20u);
    last_seq = s(out["SequenceNumber"]);
  }
  // The same deduplication id within 5 minutes: accepted, answered with the
  // first message's id, not delivered again.
  auto dup = call("Publish", {{"TopicArn", topic},
                              {"Message", "again"},
                              {"MessageGroupId", "g"},
                              {"MessageDeduplicationId", "d0"}});
  EXPECT_EQ(s(dup["MessageId"]), first);
  std::vector<std::string> order;
  for (int round = 0; round < 5 && order.size() < 5; ++round) {
    for (auto& m : receive(url, 1)) order.push_back(s(m.at("Body")));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
  clock.advance(std::chrono::minutes(6));
  auto later = call("Publish", {{"TopicArn", topic},
                                {"Message", "later"},
                                {"MessageGroupId", "g"},
                                {"MessageDeduplicationId", "d0"}});
  EXPECT_NE(s(later["MessageId"]), first);
}

// SQS as a target that refuses the first `fail` deliveries to `flaky` of
// group "A" (unavailable, retried), and keeps the order of the attempts.
class FlakyQueues final : public events::Target {
 public:
  explicit FlakyQueues(sqs::Queues& queues) : real_(sqs::make_target(queues)) {}
  Status check(const std::string& arn) const override { return real_->check(arn); }
  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override {
    {
      MutexLock lock(mu);
      if (arn == flaky) attempts.push_back(d.body);
      if (arn == flaky && d.group_id == "A" && fail > 0) {
        --fail;
        return done(events::Outcome::failed(events::Failure::kUnavailable,
                                            Error::make("ServiceUnavailable", "down")));
      }
    }
    real_->deliver(arn, std::move(d), std::move(done));
  }

  std::string flaky;
  Mutex mu;
  int fail GUARDED_BY(mu) = 0;
  std::vector<std::string> attempts GUARDED_BY(mu);

 private:
  std::unique_ptr<events::Target> real_;
};

// A FIFO delivery being retried holds back the later messages of its group
// to that subscription (SNS keeps order per message group), not other
// groups nor other subscriptions.
TEST_F(SnsPublishTest, ARetriedFifoDeliveryHoldsBackItsGroup) {
  std::string url = queue("q.fifo", {{"FifoQueue", "true"}});
  std::string other = queue("other.fifo", {{"FifoQueue", "true"}});
  std::string topic = create_topic("t.fifo", {{"FifoTopic", "true"}});
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  subscribe(topic, "sqs", arn_of(other), {{"RawMessageDelivery", "true"}});
  FlakyQueues flaky(dynamic_cast<sqs::SqsService&>(service("sqs")).queues());
  flaky.flaky = arn_of(url);
  {
    MutexLock lock(flaky.mu);
    flaky.fail = 6;  // 3 at once, 2 after 1 s, 1 after 1 s of backoff
  }
  auto bound = targets.bind("sqs", flaky);
  auto publish = [&](const std::string& body, const std::string& group) {
    call("Publish", {{"TopicArn", topic},
                     {"Message", body},
                     {"MessageGroupId", group},
                     {"MessageDeduplicationId", body}});
  };
  publish("a1", "A");
  publish("a2", "A");
  publish("a3", "A");
  publish("b4", "B");
  auto bodies = [&](const json::array& got) {
    std::vector<std::string> out;
    for (const auto& m : got) out.push_back(s(m.at("Body")));
    return out;
  };
  // Group B and the other subscription are not held back.
  auto first = receive(url, 1, std::chrono::milliseconds(1), 100);
  EXPECT_EQ(bodies(first), (std::vector<std::string>{"b4"}));
  // Each group in its order; SNS promises no order across groups (b4 may
  // overtake a3, whose delivery waits for a2's).
  auto to_other = bodies(receive(other, 4, std::chrono::milliseconds(1), 100));
  std::vector<std::string> group_a;
  for (const auto& b : to_other) {
    if (b.starts_with('a')) group_a.push_back(b);
  }
  EXPECT_EQ(group_a, (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_EQ(std::count(to_other.begin(), to_other.end(), "b4"), 1);
  EXPECT_EQ(to_other.size(), 4u);
  {
    MutexLock lock(flaky.mu);
    EXPECT_GT(flaky.fail, 0);
  }
  // Group A arrives in order once a1's retry got through.
  std::vector<std::string> order;
  for (int round = 0; round < 10 && order.size() < 3; ++round) {
    for (auto& b : bodies(receive(url, 1, std::chrono::milliseconds(100), 100))) {
      order.push_back(b);
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "a3"}));
  MutexLock lock(flaky.mu);
  EXPECT_EQ(flaky.fail, 0);
  // a2 and a3 were not tried before a1 was delivered.
  std::vector<std::string> tried = flaky.attempts;
  tried.erase(std::remove(tried.begin(), tried.end(), "b4"), tried.end());
  EXPECT_EQ(tried,
            (std::vector<std::string>{"a1", "a1", "a1", "a1", "a1", "a1", "a1", "a2", "a3"}));
  EXPECT_TRUE(eventually([&] { return svc->deliveries().pending() == 0; }));
}

// A FIFO topic whose FIFO queue subscription refuses every delivery of
// group A until `bound` is reset (the queue is down until a restart).
struct DownFifoQueue {
  std::string url;
  std::string topic;
  std::unique_ptr<FlakyQueues> flaky;
  std::unique_ptr<events::Binding> bound;
};

class SnsFifoRestartTest : public SnsPublishTest {
 protected:
  DownFifoQueue down_fifo_queue() {
    DownFifoQueue d;
    d.url = queue("q.fifo", {{"FifoQueue", "true"}});
    d.topic = create_topic("t.fifo", {{"FifoTopic", "true"}});
    subscribe(d.topic, "sqs", arn_of(d.url), {{"RawMessageDelivery", "true"}});
    d.flaky =
        std::make_unique<FlakyQueues>(dynamic_cast<sqs::SqsService&>(service("sqs")).queues());
    d.flaky->flaky = arn_of(d.url);
    {
      MutexLock lock(d.flaky->mu);
      d.flaky->fail = 1000;
    }
    d.bound = targets.bind("sqs", *d.flaky);
    return d;
  }
  void publish_in_group(const std::string& topic, const std::string& body) {
    call("Publish", {{"TopicArn", topic},
                     {"Message", body},
                     {"MessageGroupId", "A"},
                     {"MessageDeduplicationId", body}});
  }
};

// The later messages held behind a retry are stored to fire after it: the
// order holds across a restart.
TEST_F(SnsFifoRestartTest, AHeldFifoGroupKeepsItsOrderAcrossARestart) {
  DownFifoQueue down = down_fifo_queue();
  auto& flaky = down.flaky;
  auto& bound = down.bound;
  auto publish = [&](const std::string& body) { publish_in_group(down.topic, body); };
  // a1 past its immediate retries (README, Differs), waiting 1 s.
  publish("a1");
  EXPECT_TRUE(eventually([&] {
    MutexLock lock(flaky->mu);
    return flaky->attempts.size() == 4;
  }));
  publish("a2");
  publish("a3");
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_TRUE(eventually([&] { return svc->deliveries().pending() == 3; }));
  {
    MutexLock lock(flaky->mu);
    EXPECT_EQ(std::count(flaky->attempts.begin(), flaky->attempts.end(), "a2"), 0);
  }
  bound.reset();
  flaky.reset();
  reopen();
  std::vector<std::string> order;
  for (int round = 0; round < 10 && order.size() < 3; ++round) {
    for (auto& m : receive(down.url, 1, std::chrono::milliseconds(100), 100)) {
      order.push_back(s(m.at("Body")));
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "a3"}));
}

// The group's wait for its retry is stored: a message published after a
// restart, while the group's first message still waits, goes after it.
TEST_F(SnsFifoRestartTest, AMessagePublishedAfterARestartWaitsForItsGroupsRetry) {
  DownFifoQueue down = down_fifo_queue();
  auto& flaky = down.flaky;
  auto& bound = down.bound;
  auto publish = [&](const std::string& body) { publish_in_group(down.topic, body); };
  publish("a1");  // past its immediate retries: waits about 1 s
  auto heads = [&] {
    size_t n = 0;
    EXPECT_TRUE(storage->records("sns.fifo-heads").each("", [&n](storage::Entry&) { ++n; }));
    return n;
  };
  EXPECT_TRUE(eventually([&] { return heads() == 1; }));
  bound.reset();
  flaky.reset();
  reopen();
  // A restart takes time (sequence numbers start from the clock).
  clock.advance(std::chrono::milliseconds(1));
  publish("a2");
  std::vector<std::string> order;
  for (int round = 0; round < 30 && order.size() < 2; ++round) {
    for (auto& m : receive(down.url, 1, std::chrono::milliseconds(100), 100)) {
      order.push_back(s(m.at("Body")));
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2"}));
  // Once a1 is delivered its group's record is gone.
  EXPECT_TRUE(eventually([&] { return heads() == 0; }));
}

// The deduplication window is stored: a repeat after a restart is answered
// as the first message and not delivered again, until the window has passed.
TEST_F(SnsFifoRestartTest, ARepeatAfterARestartIsNotDeliveredAgain) {
  std::string url = queue("q.fifo", {{"FifoQueue", "true"}});
  std::string topic = create_topic("t.fifo", {{"FifoTopic", "true"}});
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  auto first = publish_fifo(topic, "m0", "d0");
  ASSERT_EQ(receive(url, 1).size(), 1u);
  reopen();
  clock.advance(std::chrono::minutes(4));
  auto repeat = publish_fifo(topic, "again", "d0");
  EXPECT_EQ(s(repeat["MessageId"]), s(first["MessageId"]));
  EXPECT_EQ(s(repeat["SequenceNumber"]), s(first["SequenceNumber"]));
  EXPECT_EQ(svc->deliveries().pending(), 0u);
  auto none = try_call(service("sqs"), ctx("ReceiveMessage"), {{"QueueUrl", url}});
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->contains("Messages"));
  // Five minutes after the first: a new message.
  clock.advance(std::chrono::minutes(2));
  auto later = publish_fifo(topic, "later", "d0");
  EXPECT_NE(s(later["MessageId"]), s(first["MessageId"]));
  auto got = receive(url, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "later");
  // The expired entry's record went with that publish; the new one is kept.
  EXPECT_EQ(stored_window_entries(), 1u);
}

// A FIFO topic deleted and made again under its name starts a window of its
// own: the first topic's deduplication ids are not the new one's.
TEST_F(SnsPublishTest, AFifoTopicMadeAgainHasAWindowOfItsOwn) {
  std::string url = queue("q.fifo", {{"FifoQueue", "true"}});
  std::string topic = create_topic("t.fifo", {{"FifoTopic", "true"}});
  auto first = publish_fifo(topic, "first", "d0");
  call("DeleteTopic", {{"TopicArn", topic}});
  ASSERT_EQ(create_topic("t.fifo", {{"FifoTopic", "true"}}), topic);
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  auto again = publish_fifo(topic, "again", "d0");
  EXPECT_NE(s(again["MessageId"]), s(first["MessageId"]));
  auto got = receive(url, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "again");
  EXPECT_EQ(stored_window_entries(), 1u);
}

// Sequence numbers keep growing across a restart, also when the wall clock
// went back meanwhile.
TEST_F(SnsFifoRestartTest, SequenceNumbersGrowAcrossARestartWhenTheClockWentBack) {
  std::string topic = create_topic("t.fifo", {{"FifoTopic", "true"}});
  auto publish = [&](const std::string& dedup) {
    return s(publish_fifo(topic, "m", dedup)["SequenceNumber"]);
  };
  std::string before = publish("d0");
  reopen();
  clock.set(clock.now() - std::chrono::hours(1));
  std::string after = publish("d1");
  EXPECT_EQ(after.size(), 20u);
  EXPECT_GT(after, before);
}

TEST_F(SnsPublishTest, LambdaGetsTheSnsEvent) {
  std::string topic = create_topic("t");
  std::string fn = "arn:aws:lambda:us-east-1:000000000000:function:f";
  std::string sub = subscribe(topic, "lambda", fn);
  auto out = call("Publish",
                  {{"TopicArn", topic},
                   {"Message", "hi"},
                   {"MessageAttributes", {{"k", {{"DataType", "String"}, {"StringValue", "v"}}}}}});
  ASSERT_TRUE(
      advance_until([&] { return !lambda_bodies().empty(); }, std::chrono::milliseconds(10)));
  auto event = json::parse(lambda_bodies()[0]).as_object();
  auto record = event["Records"].as_array()[0].as_object();
  EXPECT_EQ(s(record["EventSource"]), "aws:sns");
  EXPECT_EQ(s(record["EventVersion"]), "1.0");
  EXPECT_EQ(s(record["EventSubscriptionArn"]), sub);
  auto sns = record["Sns"].as_object();
  EXPECT_EQ(s(sns["Type"]), "Notification");
  EXPECT_EQ(s(sns["MessageId"]), s(out["MessageId"]));
  EXPECT_EQ(s(sns["Message"]), "hi");
  EXPECT_TRUE(sns["Subject"].is_null());
  EXPECT_EQ(json::serialize(sns["MessageAttributes"]), R"({"k":{"Type":"String","Value":"v"}})");
}

TEST_F(SnsPublishTest, RetriesFollowTheAwsScheduleOnTheClock) {
  {
    MutexLock lock(functions.mu);
    functions.fail = 6;  // 3 immediate, 2 after 1 s, the next after 1 s of backoff
  }
  std::string topic = create_topic("t");
  subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f");
  call("Publish", {{"TopicArn", topic}, {"Message", "retry me"}});
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_TRUE(eventually([&] {
    MutexLock lock(functions.mu);
    return functions.attempts == 4;
  }));
  EXPECT_TRUE(lambda_bodies().empty());
  ASSERT_TRUE(
      advance_until([&] { return !lambda_bodies().empty(); }, std::chrono::milliseconds(100), 100));
  MutexLock lock(functions.mu);
  EXPECT_EQ(functions.attempts, 7);
  EXPECT_EQ(Deliveries::retry_delay_ms(3), 0);
  EXPECT_EQ(Deliveries::retry_delay_ms(4), 1000);
  EXPECT_EQ(Deliveries::retry_delay_ms(10), 16000);
  EXPECT_EQ(Deliveries::retry_delay_ms(20), 20000);
  EXPECT_FALSE(Deliveries::retry_delay_ms(100015).has_value());
}

// A Notification to a standard queue is in the queue when Publish answers:
// sent at once, no delivery stored first (deliveries.h).
TEST_F(SnsPublishTest, AStandardQueueHoldsTheMessageWhenPublishAnswers) {
  std::string url = queue("now");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  call("Publish", {{"TopicArn", topic}, {"Message", "at once"}});
  EXPECT_EQ(svc->deliveries().pending(), 0u);
  auto out = try_call(service("sqs"), ctx("ReceiveMessage"), {{"QueueUrl", url}});
  ASSERT_TRUE(out.is_ok());
  ASSERT_TRUE(out->contains("Messages"));
  EXPECT_EQ(s((*out)["Messages"].as_array()[0].at("Body")), "at once");
}

TEST_F(SnsPublishTest, UndeliverableMessagesGoToTheDeadLetterQueue) {
  std::string dlq = queue("dlq");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", "arn:aws:sqs:us-east-1:000000000000:missing",
            {{"RedrivePolicy", R"({"deadLetterTargetArn":")" + arn_of(dlq) + R"("})"}});
  call("Publish", {{"TopicArn", topic}, {"Message", "lost"}});
  auto got = receive(dlq);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(json::parse(s(got[0].at("Body"))).at("Message")), "lost");
}

TEST_F(SnsPublishTest, QueuedDeliveriesSurviveARestart) {
  {
    MutexLock lock(functions.mu);
    functions.fail = 1000;  // the function is down
  }
  std::string topic = create_topic("t");
  subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f");
  call("Publish", {{"TopicArn", topic}, {"Message", "kept"}});
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(svc->deliveries().pending(), 1u);
  reopen();
  {
    MutexLock lock(functions.mu);
    functions.fail = 0;
  }
  EXPECT_EQ(svc->deliveries().pending(), 1u);
  ASSERT_TRUE(advance_until([&] { return !lambda_bodies().empty(); }, std::chrono::seconds(1), 60));
  EXPECT_NE(lambda_bodies()[0].find("kept"), std::string::npos);
  EXPECT_TRUE(eventually([&] { return svc->deliveries().pending() == 0; }));
}

TEST_F(SnsPublishTest, PublishBatch) {
  std::string url = queue("q");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  json::array entries;
  entries.push_back(json::object{{"Id", "a"}, {"Message", "one"}});
  entries.push_back(json::object{{"Id", "b"}, {"Message", ""}});
  entries.push_back(json::object{{"Id", "c"}, {"Message", "three"}});
  auto out = call("PublishBatch", {{"TopicArn", topic}, {"PublishBatchRequestEntries", entries}});
  ASSERT_EQ(out["Successful"].as_array().size(), 2u);
  ASSERT_EQ(out["Failed"].as_array().size(), 1u);
  auto failed = out["Failed"].as_array()[0].as_object();
  EXPECT_EQ(s(failed["Id"]), "b");
  EXPECT_EQ(s(failed["Code"]), "InvalidParameter");
  EXPECT_EQ(s(failed["Message"]), "Invalid parameter: Empty message");
  EXPECT_TRUE(failed["SenderFault"].as_bool());
  EXPECT_EQ(receive(url, 2).size(), 2u);
  json::array dup{json::object{{"Id", "x"}, {"Message", "1"}},
                  json::object{{"Id", "x"}, {"Message", "2"}}};
  expect_error("PublishBatch", {{"TopicArn", topic}, {"PublishBatchRequestEntries", dup}},
               "BatchEntryIdsNotDistinctException");
  json::array many;
  for (int i = 0; i < 11; ++i)
    many.push_back(json::object{{"Id", "i" + std::to_string(i)}, {"Message", "m"}});
  expect_error("PublishBatch", {{"TopicArn", topic}, {"PublishBatchRequestEntries", many}},
               "TooManyEntriesInBatchRequestException");
  expect_error("PublishBatch", {{"TopicArn", topic}, {"PublishBatchRequestEntries", json::array{}}},
               "EmptyBatchRequestException");
  json::array bad_id{json::object{{"Id", "no spaces"}, {"Message", "1"}}};
  expect_error("PublishBatch", {{"TopicArn", topic}, {"PublishBatchRequestEntries", bad_id}},
               "InvalidBatchEntryIdException");
}

}  // namespace
}  // namespace nimbus::services::sns
