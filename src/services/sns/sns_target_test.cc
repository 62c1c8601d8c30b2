// Topics as the "sns" delivery target (target.cc): a delivery is published
// as Publish publishes (envelope, attributes, FIFO ids), a missing topic is
// NotFound, a FIFO topic refuses a delivery without a group id, and nothing
// is delivered for a refused one.
#include <gtest/gtest.h>

#include <future>

#include "events/subject.h"
#include "services/sns/test_helpers.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/target_fixture.h"

namespace nimbus::services::sns {
namespace {

namespace json = boost::json;

class SnsTargetTest : public services::testing::WithTargets<testing::SnsTest> {
 protected:
  SnsTargetTest() : WithTargets({build<sqs::SqsService>(), build<SnsService>()}) {}

  static events::Delivery of(std::string body, std::string group = {}, std::string dedup = {}) {
    events::Delivery d;
    d.body = std::move(body);
    d.group_id = std::move(group);
    d.dedup_id = std::move(dedup);
    return d;
  }
  events::Outcome deliver(const std::string& arn, events::Delivery d) {
    std::promise<events::Outcome> p;
    auto f = p.get_future();
    targets.deliver(arn, std::move(d), [&p](events::Outcome o) { p.set_value(std::move(o)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return f.get();
  }
};

TEST_F(SnsTargetTest, ADeliveryIsPublishedToTheSubscriptions) {
  std::string url = queue("q");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", arn_of(url));
  ASSERT_TRUE(targets.check(topic).is_ok());
  events::Delivery d;
  d.body = R"({"detail-type":"x"})";
  d.attributes.push_back({"color", "String", "red", false});
  d.source_arn = "arn:aws:events:us-east-1:000000000000:rule/r";
  auto out = deliver(topic, d);
  ASSERT_TRUE(out.is_ok()) << out.error().message;
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  auto env = json::parse(s(got[0].at("Body"))).as_object();
  EXPECT_EQ(s(env["Type"]), "Notification");
  EXPECT_EQ(s(env["MessageId"]), out.id());
  EXPECT_EQ(s(env["TopicArn"]), topic);
  EXPECT_EQ(s(env["Message"]), d.body);
  EXPECT_EQ(json::serialize(env["MessageAttributes"]),
            R"({"color":{"Type":"String","Value":"red"}})");
}

// CloudWatch alarm notifications: the subject attribute is the Subject, not
// a message attribute.
TEST_F(SnsTargetTest, TheSubjectAttributeIsTheSubject) {
  std::string url = queue("subjects");
  std::string topic = create_topic("alarms");
  subscribe(topic, "sqs", arn_of(url));
  events::Delivery d = of(R"({"AlarmName":"a"})");
  d.attributes.push_back(
      {std::string(events::kSubjectAttribute), "String", R"(ALARM: "a" in US East (N. Virginia))"});
  auto out = deliver(topic, d);
  ASSERT_TRUE(out.is_ok()) << out.error().message;
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  auto env = json::parse(s(got[0].at("Body"))).as_object();
  EXPECT_EQ(s(env["Subject"]), R"(ALARM: "a" in US East (N. Virginia))");
  EXPECT_FALSE(env.contains("MessageAttributes"));
}

TEST_F(SnsTargetTest, MissingTopicsAndBadMessagesAreRefused) {
  std::string missing = "arn:aws:sns:us-east-1:000000000000:nope";
  EXPECT_EQ(targets.check(missing).error().code, "NotFoundException");
  auto out = deliver(missing, of("x"));
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.failure(), events::Failure::kNotFound);
  EXPECT_EQ(out.error().code, "NotFoundException");

  std::string url = queue("q");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", arn_of(url));
  auto empty = deliver(topic, of(""));
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.failure(), events::Failure::kRejected);
  EXPECT_EQ(empty.error().message, "Invalid parameter: Empty message");
  EXPECT_TRUE(receive(url, 1, std::chrono::milliseconds(10), 20).empty());
}

TEST_F(SnsTargetTest, FifoTopicsNeedTheDeliverysGroupId) {
  std::string url = queue("q.fifo", {{"FifoQueue", "true"}});
  std::string topic =
      create_topic("t.fifo", {{"FifoTopic", "true"}, {"ContentBasedDeduplication", "true"}});
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  auto refused = deliver(topic, of("no group"));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.failure(), events::Failure::kRejected);
  EXPECT_EQ(refused.error().message,
            "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
  ASSERT_TRUE(deliver(topic, of("one", "g")).is_ok());
  ASSERT_TRUE(deliver(topic, of("two", "g", "d2")).is_ok());
  // The same content again within the window: accepted, not delivered twice.
  ASSERT_TRUE(deliver(topic, of("one", "g")).is_ok());
  std::vector<std::string> order;
  for (int round = 0; round < 5 && order.size() < 3; ++round) {
    for (auto& m : receive(url, 1, std::chrono::milliseconds(10), 20)) {
      order.push_back(s(m.at("Body")));
      EXPECT_EQ(s(m.at("Attributes").at("MessageGroupId")), "g");
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{"one", "two"}));
}

}  // namespace
}  // namespace nimbus::services::sns
