// Delivery-status logging (delivery_status.h): a topic's
// <Protocol>SuccessFeedbackRoleArn / FailureFeedbackRoleArn make each
// delivery's outcome a record in CloudWatch Logs, successes sampled per
// <Protocol>SuccessFeedbackSampleRate, a failure once the delivery is given
// up; the feedback role is checked (Deliveries::set_feedback_check).
#include <gtest/gtest.h>

#include "services/sns/delivery_status.h"
#include "services/sns/test_helpers.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/target_fixture.h"

namespace nimbus::services::sns {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kRole = "arn:aws:iam::000000000000:role/sns-feedback";
const std::string kGroup = "sns/us-east-1/000000000000/t";

class SnsDeliveryStatusTest : public services::testing::WithTargets<testing::SnsTest> {
 protected:
  SnsDeliveryStatusTest()
      : WithTargets({build<sqs::SqsService>(), [this](Environment& env) {
                       return std::make_unique<SnsService>(env, &logs);
                     }}) {}

  testing::RecordedLogs logs;
};

TEST_F(SnsDeliveryStatusTest, SuccessesAreLoggedPerTheSampleRate) {
  std::string url = queue("q");
  std::string topic = create_topic("t", {{"SQSSuccessFeedbackRoleArn", kRole},
                                         {"SQSSuccessFeedbackSampleRate", "100"},
                                         {"SQSFailureFeedbackRoleArn", kRole}});
  subscribe(topic, "sqs", arn_of(url));
  int64_t published = clock.now_millis();
  std::string id = s(call("Publish", {{"TopicArn", topic}, {"Message", "hello"}})["MessageId"]);
  ASSERT_EQ(receive(url).size(), 1u);
  auto got = logs.got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].group, kGroup);
  auto rec = json::parse(got[0].event.message).as_object();
  EXPECT_EQ(rec.at("status"), "SUCCESS");
  const auto& n = rec.at("notification").as_object();
  EXPECT_EQ(s(n.at("messageId")), id);
  EXPECT_EQ(s(n.at("topicArn")), topic);
  EXPECT_EQ(n.at("messageMD5Sum"), "5d41402abc4b2a76b9719d911017c592");  // md5("hello")
  EXPECT_EQ(s(n.at("timestamp")), log_timestamp(published));
  const auto& d = rec.at("delivery").as_object();
  EXPECT_EQ(s(d.at("destination")), arn_of(url));
  EXPECT_EQ(d.at("attempts"), 1);
  EXPECT_EQ(d.at("statusCode"), 200);
  EXPECT_EQ(d.at("dwellTimeMs"), 0);
  EXPECT_EQ(s(d.at("deliveryId")).size(), 36u);
  EXPECT_FALSE(s(d.at("providerResponse")).empty());

  // At 0 percent no success is logged; the message is still delivered.
  call("SetTopicAttributes", {{"TopicArn", topic},
                              {"AttributeName", "SQSSuccessFeedbackSampleRate"},
                              {"AttributeValue", "0"}});
  call("Publish", {{"TopicArn", topic}, {"Message", "unlogged"}});
  ASSERT_EQ(receive(url).size(), 1u);
  EXPECT_EQ(logs.got().size(), 1u);
}

TEST_F(SnsDeliveryStatusTest, AGivenUpDeliveryIsLoggedAsAFailure) {
  std::string dlq = queue("dlq");
  std::string topic = create_topic("t", {{"SQSSuccessFeedbackRoleArn", kRole},
                                         {"SQSSuccessFeedbackSampleRate", "100"},
                                         {"SQSFailureFeedbackRoleArn", kRole}});
  // A queue that does not exist: refused for good, not retried.
  std::string missing = "arn:aws:sqs:us-east-1:000000000000:missing";
  subscribe(
      topic, "sqs", missing,
      {{"RedrivePolicy", json::serialize(json::object{{"deadLetterTargetArn", arn_of(dlq)}})}});
  std::string id = s(call("Publish", {{"TopicArn", topic}, {"Message", "lost"}})["MessageId"]);
  ASSERT_EQ(receive(dlq).size(), 1u);
  auto failures = logs.records(kGroup + "/Failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].at("status"), "FAILURE");
  EXPECT_EQ(s(failures[0].at("notification").at("messageId")), id);
  const auto& d = failures[0].at("delivery").as_object();
  EXPECT_EQ(s(d.at("destination")), missing);
  EXPECT_EQ(d.at("attempts"), 1);
  EXPECT_NE(s(d.at("providerResponse")).find("ErrorCode"), std::string::npos);
  // The move to the dead-letter queue is not a success of the subscription.
  EXPECT_TRUE(logs.records(kGroup).empty());
}

TEST_F(SnsDeliveryStatusTest, NothingIsLoggedWithoutARoleOrWhenTheRoleIsRefused) {
  std::string url = queue("q");
  // A sample rate without a role, and another protocol's role.
  std::string topic = create_topic("t", {{"SQSSuccessFeedbackSampleRate", "100"},
                                         {"LambdaSuccessFeedbackRoleArn", kRole},
                                         {"LambdaSuccessFeedbackSampleRate", "100"}});
  subscribe(topic, "sqs", arn_of(url));
  call("Publish", {{"TopicArn", topic}, {"Message", "m"}});
  ASSERT_EQ(receive(url).size(), 1u);
  EXPECT_TRUE(logs.got().empty());

  std::vector<std::string> asked;
  svc->deliveries().set_feedback_check([&](const std::string& role, const std::string& group) {
    asked.push_back(role + " " + group);
    return Status(Error::make("AccessDenied", "not allowed", 403));
  });
  call("SetTopicAttributes", {{"TopicArn", topic},
                              {"AttributeName", "SQSSuccessFeedbackRoleArn"},
                              {"AttributeValue", kRole}});
  call("Publish", {{"TopicArn", topic}, {"Message", "m"}});
  ASSERT_EQ(receive(url).size(), 1u);
  EXPECT_TRUE(logs.got().empty());
  EXPECT_EQ(asked, std::vector<std::string>{kRole +
                                            " arn:aws:logs:us-east-1:000000000000:"
                                            "log-group:" +
                                            kGroup + ":*"});
  svc->deliveries().set_feedback_check(nullptr);
}

TEST(SnsDeliveryStatus, TheMessageIsReadFromTheEnvelopeOrTheLambdaEvent) {
  EXPECT_EQ(delivered_message(R"({"Type":"Notification","Message":"m1"})", false), "m1");
  EXPECT_EQ(delivered_message(R"({"Records":[{"Sns":{"Message":"m2"}}]})", false), "m2");
  EXPECT_EQ(delivered_message(R"({"Message":"raw"})", true), R"({"Message":"raw"})");
  EXPECT_EQ(delivered_message("not json", false), "not json");
  EXPECT_EQ(feedback_protocol("https"), "HTTP");
  EXPECT_EQ(feedback_protocol("email"), "");
  EXPECT_EQ(log_timestamp(1'700'000'000'123), "2023-11-14 22:13:20.123");
}

}  // namespace
}  // namespace nimbus::services::sns
