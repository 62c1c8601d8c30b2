// Topics: create (idempotence, FIFO, names), list paging, attributes, tags,
// data-protection policies, and all of it across a restart.
#include <gtest/gtest.h>

#include "services/sns/test_helpers.h"

namespace nimbus::services::sns {
namespace {

using testing::SnsTest;
namespace json = boost::json;

TEST_F(SnsTest, CreateTopicIsIdempotentForTheSameAttributes) {
  std::string arn = create_topic("orders", {{"DisplayName", "Orders"}});
  EXPECT_EQ(arn, "arn:aws:sns:us-east-1:000000000000:orders");
  EXPECT_EQ(create_topic("orders", {{"DisplayName", "Orders"}}), arn);
  EXPECT_EQ(create_topic("orders"), arn);
  EXPECT_EQ(error_message("CreateTopic",
                          {{"Name", "orders"}, {"Attributes", {{"DisplayName", "Other"}}}}),
            "Invalid parameter: Attributes Reason: Topic already exists with different attributes");
  EXPECT_EQ(s(topic_attributes(arn)["DisplayName"]), "Orders");
}

TEST_F(SnsTest, TopicNamesAndFifo) {
  EXPECT_EQ(error_message("CreateTopic", {{"Name", "bad name"}}), "Invalid parameter: Topic Name");
  EXPECT_EQ(error_message("CreateTopic", {{"Name", std::string(257, 'a')}}),
            "Invalid parameter: Topic Name");
  expect_error("CreateTopic", {{"Name", "x.fifo"}}, "InvalidParameterException");
  EXPECT_NE(error_message("CreateTopic", {{"Name", "x"}, {"Attributes", {{"FifoTopic", "true"}}}})
                .find("Fifo Topic names must end with .fifo"),
            std::string::npos);
  std::string arn =
      create_topic("x.fifo", {{"FifoTopic", "true"}, {"ContentBasedDeduplication", "true"}});
  auto a = topic_attributes(arn);
  EXPECT_EQ(s(a["FifoTopic"]), "true");
  EXPECT_EQ(s(a["ContentBasedDeduplication"]), "true");
  std::string plain = create_topic("plain");
  EXPECT_FALSE(topic_attributes(plain).contains("FifoTopic"));
  EXPECT_EQ(error_message("SetTopicAttributes", {{"TopicArn", plain},
                                                 {"AttributeName", "ContentBasedDeduplication"},
                                                 {"AttributeValue", "true"}}),
            "Invalid parameter: ContentBasedDeduplication Reason: Content based deduplication "
            "can only be set for FIFO topics");
  expect_error("CreateTopic",
               {{"Name", "y"}, {"Attributes", {{"ContentBasedDeduplication", "true"}}}},
               "InvalidParameterException");
}

TEST_F(SnsTest, DefaultAttributes) {
  std::string arn = create_topic("defaults");
  auto a = topic_attributes(arn);
  EXPECT_EQ(s(a["TopicArn"]), arn);
  EXPECT_EQ(s(a["Owner"]), "000000000000");
  EXPECT_EQ(s(a["DisplayName"]), "");
  EXPECT_EQ(s(a["SubscriptionsConfirmed"]), "0");
  EXPECT_EQ(s(a["SubscriptionsPending"]), "0");
  EXPECT_EQ(s(a["SubscriptionsDeleted"]), "0");
  auto policy = json::parse(s(a["Policy"])).as_object();
  EXPECT_EQ(s(policy["Id"]), "__default_policy_ID");
  auto statement = policy["Statement"].as_array()[0].as_object();
  EXPECT_EQ(s(statement["Resource"]), arn);
  EXPECT_EQ(s(statement["Condition"].at("StringEquals").at("AWS:SourceOwner")), "000000000000");
  auto effective = json::parse(s(a["EffectiveDeliveryPolicy"])).as_object();
  EXPECT_EQ(effective["http"].at("defaultHealthyRetryPolicy").at("numRetries").as_int64(), 3);
}

TEST_F(SnsTest, SetTopicAttributes) {
  std::string arn = create_topic("attrs");
  call("SetTopicAttributes",
       {{"TopicArn", arn}, {"AttributeName", "DisplayName"}, {"AttributeValue", "Shown"}});
  call("SetTopicAttributes",
       {{"TopicArn", arn},
        {"AttributeName", "DeliveryPolicy"},
        {"AttributeValue", R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":7}}})"}});
  call("SetTopicAttributes",
       {{"TopicArn", arn}, {"AttributeName", "KmsMasterKeyId"}, {"AttributeValue", "alias/k"}});
  auto a = topic_attributes(arn);
  EXPECT_EQ(s(a["DisplayName"]), "Shown");
  EXPECT_EQ(s(a["KmsMasterKeyId"]), "alias/k");
  auto effective = json::parse(s(a["EffectiveDeliveryPolicy"])).as_object();
  EXPECT_EQ(effective["http"].at("defaultHealthyRetryPolicy").at("numRetries").as_int64(), 7);
  EXPECT_EQ(error_message("SetTopicAttributes",
                          {{"TopicArn", arn}, {"AttributeName", "Nope"}, {"AttributeValue", "1"}}),
            "Invalid parameter: AttributeName");
  expect_error("SetTopicAttributes",
               {{"TopicArn", arn}, {"AttributeName", "Policy"}, {"AttributeValue", "{"}},
               "InvalidParameterException");
  EXPECT_EQ(error_message("GetTopicAttributes", {{"TopicArn", arn + "x"}}), "Topic does not exist");
  expect_error("SetTopicAttributes",
               {{"TopicArn", arn + "x"}, {"AttributeName", "DisplayName"}, {"AttributeValue", ""}},
               "NotFoundException");
}

TEST_F(SnsTest, AddAndRemovePermissionEditTheTopicPolicy) {
  auto arn = s(call("CreateTopic", {{"Name", "shared"}})["TopicArn"]);
  call("AddPermission", {{"TopicArn", arn},
                         {"Label", "partner"},
                         {"AWSAccountId", json::array{"111122223333"}},
                         {"ActionName", json::array{"Publish", "Subscribe"}}});
  auto policy = [&] {
    auto a = call("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"].as_object();
    return json::parse(s(a["Policy"])).as_object();
  };
  auto statements = policy()["Statement"].as_array();
  ASSERT_EQ(statements.size(), 2u);  // the default statement stays
  EXPECT_EQ(statements[0].at("Sid"), "__default_statement_ID");
  EXPECT_EQ(statements[1], json::parse(R"({"Sid":"partner","Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::111122223333:root"},
      "Action":["SNS:Publish","SNS:Subscribe"],"Resource":")" +
                                       arn + R"("})"));
  expect_error("AddPermission",
               {{"TopicArn", arn},
                {"Label", "partner"},
                {"AWSAccountId", json::array{"111122223333"}},
                {"ActionName", json::array{"Publish"}}},
               "InvalidParameterException");
  expect_error("AddPermission",
               {{"TopicArn", arn},
                {"Label", "other"},
                {"AWSAccountId", json::array{"111122223333"}},
                {"ActionName", json::array{"sqs:SendMessage"}}},
               "InvalidParameterException");
  expect_error("AddPermission",
               {{"TopicArn", arn},
                {"Label", "bad label!"},
                {"AWSAccountId", json::array{"111122223333"}},
                {"ActionName", json::array{"Publish"}}},
               "InvalidParameterException");
  expect_error("AddPermission",
               {{"TopicArn", arn + "-nope"},
                {"Label", "x"},
                {"AWSAccountId", json::array{"111122223333"}},
                {"ActionName", json::array{"Publish"}}},
               "NotFoundException");
  EXPECT_EQ(policy()["Statement"].as_array().size(), 2u);
  reopen();
  call("RemovePermission", {{"TopicArn", arn}, {"Label", "partner"}});
  statements = policy()["Statement"].as_array();
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0].at("Sid"), "__default_statement_ID");
}

TEST_F(SnsTest, ListTopicsPagesByHundred) {
  for (int i = 0; i < 205; ++i) create_topic("t" + std::to_string(1000 + i));
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    json::object in;
    if (!token.empty()) in["NextToken"] = token;
    auto out = call("ListTopics", std::move(in));
    for (const auto& t : out["Topics"].as_array()) seen.push_back(s(t.at("TopicArn")));
    token = out.contains("NextToken") ? s(out["NextToken"]) : "";
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 205u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  expect_error("ListTopics", {{"NextToken", "garbage!"}}, "InvalidParameterException");
}

TEST_F(SnsTest, DeleteTopicIsIdempotent) {
  std::string arn = create_topic("gone");
  call("DeleteTopic", {{"TopicArn", arn}});
  call("DeleteTopic", {{"TopicArn", arn}});
  expect_error("GetTopicAttributes", {{"TopicArn", arn}}, "NotFoundException");
  EXPECT_TRUE(call("ListTopics", {})["Topics"].as_array().empty());
}

TEST_F(SnsTest, Tags) {
  std::string arn = create_topic("tagged");
  call("TagResource", {{"ResourceArn", arn},
                       {"Tags", json::array{json::object{{"Key", "b"}, {"Value", "2"}},
                                            json::object{{"Key", "a"}, {"Value", "1"}}}}});
  call("UntagResource", {{"ResourceArn", arn}, {"TagKeys", json::array{"b"}}});
  auto tags = call("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array();
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(s(tags[0].at("Key")), "a");
  EXPECT_EQ(error_message("ListTagsForResource", {{"ResourceArn", arn + "x"}}),
            "Resource does not exist");
  json::array many;
  for (int i = 0; i < 50; ++i) {
    many.push_back(json::object{{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  }
  expect_error("TagResource", {{"ResourceArn", arn}, {"Tags", many}}, "TagLimitExceededException");
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array().size(), 1u);
  // Tags on create; a second create with other tags is refused.
  call("CreateTopic", {{"Name", "born-tagged"},
                       {"Tags", json::array{json::object{{"Key", "x"}, {"Value", "y"}}}}});
  EXPECT_EQ(error_message("CreateTopic",
                          {{"Name", "born-tagged"},
                           {"Tags", json::array{json::object{{"Key", "x"}, {"Value", "z"}}}}}),
            "Invalid parameter: Tags Reason: Topic already exists with different tags");
}

TEST_F(SnsTest, DataProtectionPolicy) {
  std::string arn = create_topic("dpp");
  EXPECT_FALSE(
      call("GetDataProtectionPolicy", {{"ResourceArn", arn}}).contains("DataProtectionPolicy"));
  std::string policy = R"({"Name":"p","Version":"2021-06-01","Statement":[]})";
  call("PutDataProtectionPolicy", {{"ResourceArn", arn}, {"DataProtectionPolicy", policy}});
  EXPECT_EQ(s(call("GetDataProtectionPolicy", {{"ResourceArn", arn}})["DataProtectionPolicy"]),
            policy);
  expect_error("PutDataProtectionPolicy", {{"ResourceArn", arn}, {"DataProtectionPolicy", "no"}},
               "InvalidParameterException");
  expect_error("GetDataProtectionPolicy", {{"ResourceArn", arn + "x"}}, "NotFoundException");
}

TEST_F(SnsTest, TopicsSurviveARestart) {
  std::string arn = create_topic("kept.fifo", {{"FifoTopic", "true"}, {"DisplayName", "K"}});
  call("TagResource",
       {{"ResourceArn", arn}, {"Tags", json::array{json::object{{"Key", "a"}, {"Value", "1"}}}}});
  create_topic("dropped");
  call("DeleteTopic", {{"TopicArn", "arn:aws:sns:us-east-1:000000000000:dropped"}});
  reopen();
  auto a = topic_attributes(arn);
  EXPECT_EQ(s(a["DisplayName"]), "K");
  EXPECT_EQ(s(a["FifoTopic"]), "true");
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array().size(), 1u);
  auto topics = call("ListTopics", {})["Topics"].as_array();
  ASSERT_EQ(topics.size(), 1u);
  EXPECT_EQ(s(topics[0].at("TopicArn")), arn);
}

}  // namespace
}  // namespace nimbus::services::sns
