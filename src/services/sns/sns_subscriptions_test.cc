// Subscriptions: Subscribe per protocol, confirmation, attributes, the two
// listings and their paging, Unsubscribe, and a restart.
#include <gtest/gtest.h>

#include "services/sns/test_helpers.h"

namespace nimbus::services::sns {
namespace {

using testing::SnsTest;
namespace json = boost::json;

constexpr const char* kQueue = "arn:aws:sqs:us-east-1:000000000000:q";

TEST_F(SnsTest, SqsAndLambdaSubscriptionsAreConfirmedAtOnce) {
  std::string topic = create_topic("t");
  auto out = call("Subscribe", {{"TopicArn", topic}, {"Protocol", "sqs"}, {"Endpoint", kQueue}});
  std::string arn = s(out["SubscriptionArn"]);
  EXPECT_EQ(arn.rfind(topic + ":", 0), 0u);
  auto a = subscription_attributes(arn);
  EXPECT_EQ(s(a["PendingConfirmation"]), "false");
  EXPECT_EQ(s(a["ConfirmationWasAuthenticated"]), "true");
  EXPECT_EQ(s(a["RawMessageDelivery"]), "false");
  EXPECT_EQ(s(a["Protocol"]), "sqs");
  EXPECT_EQ(s(a["Endpoint"]), kQueue);
  EXPECT_EQ(s(a["TopicArn"]), topic);
  EXPECT_EQ(s(a["Owner"]), "000000000000");
  // The same protocol and endpoint is the same subscription.
  EXPECT_EQ(subscribe(topic, "sqs", kQueue), arn);
  subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(s(topic_attributes(topic)["SubscriptionsConfirmed"]), "2");
}

TEST_F(SnsTest, HttpSubscriptionsWaitForConfirmation) {
  std::string topic = create_topic("t");
  auto out = call("Subscribe",
                  {{"TopicArn", topic}, {"Protocol", "https"}, {"Endpoint", "https://x.test/h"}});
  EXPECT_EQ(s(out["SubscriptionArn"]), "pending confirmation");
  EXPECT_EQ(s(topic_attributes(topic)["SubscriptionsPending"]), "1");
  auto listed = call("ListSubscriptionsByTopic", {{"TopicArn", topic}})["Subscriptions"];
  ASSERT_EQ(listed.as_array().size(), 1u);
  EXPECT_EQ(s(listed.as_array()[0].at("SubscriptionArn")), "PendingConfirmation");
  expect_error("ConfirmSubscription", {{"TopicArn", topic}, {"Token", "nope"}},
               "InvalidParameterException");
  // The token is what the endpoint would receive; the engine holds it.
  auto subs = svc->topics().subscriptions(topic);
  ASSERT_EQ(subs.size(), 1u);
  std::string token = subs[0]->token;
  EXPECT_EQ(token.size(), 128u);
  auto confirmed = call("ConfirmSubscription", {{"TopicArn", topic}, {"Token", token}});
  EXPECT_EQ(s(confirmed["SubscriptionArn"]), subs[0]->arn);
  EXPECT_EQ(s(topic_attributes(topic)["SubscriptionsConfirmed"]), "1");
  EXPECT_EQ(s(subscription_attributes(subs[0]->arn)["PendingConfirmation"]), "false");
  auto effective = subscription_attributes(subs[0]->arn)["EffectiveDeliveryPolicy"];
  EXPECT_TRUE(effective.is_string());
}

TEST_F(SnsTest, SubscribeChecksProtocolAndEndpoint) {
  std::string topic = create_topic("t");
  EXPECT_EQ(error_message("Subscribe",
                          {{"TopicArn", topic}, {"Protocol", "carrier-pigeon"}, {"Endpoint", "x"}}),
            "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon");
  EXPECT_EQ(error_message("Subscribe",
                          {{"TopicArn", topic}, {"Protocol", "sqs"}, {"Endpoint", "not-an-arn"}}),
            "Invalid parameter: SQS endpoint ARN");
  expect_error("Subscribe",
               {{"TopicArn", topic}, {"Protocol", "http"}, {"Endpoint", "https://x.test"}},
               "InvalidParameterException");
  expect_error("Subscribe", {{"TopicArn", topic}, {"Protocol", "email"}, {"Endpoint", "nobody"}},
               "InvalidParameterException");
  EXPECT_EQ(error_message("Subscribe", {{"TopicArn", topic},
                                        {"Protocol", "sqs"},
                                        {"Endpoint", std::string(kQueue) + ".fifo"}}),
            "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
            "subscribed to standard SNS topics");
  EXPECT_EQ(error_message("Subscribe",
                          {{"TopicArn", topic + "x"}, {"Protocol", "sqs"}, {"Endpoint", kQueue}}),
            "Topic does not exist");
  EXPECT_TRUE(svc->topics().subscriptions(topic).empty());
}

TEST_F(SnsTest, SubscriptionAttributes) {
  std::string topic = create_topic("t");
  std::string arn = subscribe(
      topic, "sqs", kQueue,
      {{"RawMessageDelivery", "true"}, {"FilterPolicy", R"({"store":["example_corp"]})"}});
  auto a = subscription_attributes(arn);
  EXPECT_EQ(s(a["RawMessageDelivery"]), "true");
  EXPECT_EQ(s(a["FilterPolicyScope"]), "MessageAttributes");
  EXPECT_EQ(error_message("Subscribe", {{"TopicArn", topic},
                                        {"Protocol", "sqs"},
                                        {"Endpoint", kQueue},
                                        {"Attributes", {{"RawMessageDelivery", "false"}}}}),
            "Invalid parameter: Attributes Reason: Subscription already exists with different "
            "attributes");
  call("SetSubscriptionAttributes",
       {{"SubscriptionArn", arn},
        {"AttributeName", "RedrivePolicy"},
        {"AttributeValue", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"})"}});
  EXPECT_NE(s(subscription_attributes(arn)["RedrivePolicy"]).find("dlq"), std::string::npos);
  EXPECT_EQ(
      error_message("SetSubscriptionAttributes", {{"SubscriptionArn", arn},
                                                  {"AttributeName", "RedrivePolicy"},
                                                  {"AttributeValue", R"({"maxReceiveCount":5})"}}),
      "Invalid parameter: RedrivePolicy: invalid JSON. Attribute maxReceiveCount is "
      "unknown.");
  EXPECT_EQ(error_message(
                "SetSubscriptionAttributes",
                {{"SubscriptionArn", arn}, {"AttributeName", "Bogus"}, {"AttributeValue", "1"}}),
            "Invalid parameter: AttributeName");
  // A nested policy needs the MessageBody scope.
  std::string nested = R"({"order":{"total":[{"numeric":[">",10]}]}})";
  expect_error(
      "SetSubscriptionAttributes",
      {{"SubscriptionArn", arn}, {"AttributeName", "FilterPolicy"}, {"AttributeValue", nested}},
      "InvalidParameterException");
  call("SetSubscriptionAttributes", {{"SubscriptionArn", arn},
                                     {"AttributeName", "FilterPolicyScope"},
                                     {"AttributeValue", "MessageBody"}});
  call("SetSubscriptionAttributes",
       {{"SubscriptionArn", arn}, {"AttributeName", "FilterPolicy"}, {"AttributeValue", nested}});
  EXPECT_EQ(s(subscription_attributes(arn)["FilterPolicy"]), nested);
  // Back to the attributes scope is refused while the policy is nested.
  expect_error("SetSubscriptionAttributes",
               {{"SubscriptionArn", arn},
                {"AttributeName", "FilterPolicyScope"},
                {"AttributeValue", "MessageAttributes"}},
               "InvalidParameterException");
  std::string lambda =
      subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(error_message("SetSubscriptionAttributes", {{"SubscriptionArn", lambda},
                                                        {"AttributeName", "RawMessageDelivery"},
                                                        {"AttributeValue", "true"}}),
            "Invalid parameter: Delivery protocol [lambda] does not support raw message "
            "delivery.");
  expect_error("GetSubscriptionAttributes", {{"SubscriptionArn", topic + ":nope"}},
               "NotFoundException");
}

TEST_F(SnsTest, ListSubscriptionsPages) {
  std::string a = create_topic("a");
  std::string b = create_topic("b");
  for (int i = 0; i < 120; ++i) {
    subscribe(i % 2 ? a : b, "sqs", std::string(kQueue) + std::to_string(i));
  }
  size_t total = 0;
  std::string token;
  do {
    json::object in;
    if (!token.empty()) in["NextToken"] = token;
    auto out = call("ListSubscriptions", std::move(in));
    total += out["Subscriptions"].as_array().size();
    EXPECT_LE(out["Subscriptions"].as_array().size(), 100u);
    token = out.contains("NextToken") ? s(out["NextToken"]) : "";
  } while (!token.empty());
  EXPECT_EQ(total, 120u);
  EXPECT_EQ(call("ListSubscriptionsByTopic", {{"TopicArn", a}})["Subscriptions"].as_array().size(),
            60u);
  expect_error("ListSubscriptionsByTopic", {{"TopicArn", a + "x"}}, "NotFoundException");
  expect_error("ListSubscriptions", {{"NextToken", "@@"}}, "InvalidParameterException");
}

TEST_F(SnsTest, UnsubscribeAndDeleteTopic) {
  std::string topic = create_topic("t");
  std::string one = subscribe(topic, "sqs", kQueue);
  std::string two = subscribe(topic, "sqs", std::string(kQueue) + "2");
  call("Unsubscribe", {{"SubscriptionArn", one}});
  call("Unsubscribe", {{"SubscriptionArn", one}});
  expect_error("GetSubscriptionAttributes", {{"SubscriptionArn", one}}, "NotFoundException");
  auto a = topic_attributes(topic);
  EXPECT_EQ(s(a["SubscriptionsConfirmed"]), "1");
  EXPECT_EQ(s(a["SubscriptionsDeleted"]), "1");
  call("DeleteTopic", {{"TopicArn", topic}});
  expect_error("GetSubscriptionAttributes", {{"SubscriptionArn", two}}, "NotFoundException");
  EXPECT_TRUE(call("ListSubscriptions", {})["Subscriptions"].as_array().empty());
}

TEST_F(SnsTest, SubscriptionsSurviveARestart) {
  std::string topic = create_topic("t");
  std::string arn = subscribe(topic, "sqs", kQueue, {{"FilterPolicy", R"({"k":["v"]})"}});
  call("Subscribe", {{"TopicArn", topic}, {"Protocol", "http"}, {"Endpoint", "http://x.test"}});
  reopen();
  EXPECT_EQ(s(subscription_attributes(arn)["FilterPolicy"]), R"({"k":["v"]})");
  auto sub = svc->topics().find_subscription(arn);
  ASSERT_TRUE(sub);
  EXPECT_TRUE(sub->filter != nullptr);
  auto a = topic_attributes(topic);
  EXPECT_EQ(s(a["SubscriptionsConfirmed"]), "1");
  EXPECT_EQ(s(a["SubscriptionsPending"]), "1");
}

}  // namespace
}  // namespace nimbus::services::sns
