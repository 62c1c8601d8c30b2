// The condition keys operations' inputs set, as the table declares them.
#include "server/condition_keys.h"

#include <gtest/gtest.h>

namespace nimbus::server {
namespace {

namespace json = boost::json;

ConditionKeys keys(std::string_view service, std::string_view operation, std::string_view input) {
  return request_condition_keys(service, operation, json::parse(input).as_object());
}

using Pairs = ConditionKeys;

TEST(ConditionKeys, TagsAsMapsAndKeyValueListsSetRequestTagAndTagKeys) {
  EXPECT_EQ(keys("sqs", "TagQueue", R"({"QueueUrl":"u","Tags":{"env":"prod"}})"),
            (Pairs{{"aws:RequestTag/env", "prod"}, {"aws:TagKeys", "env"}}));
  EXPECT_EQ(keys("sqs", "CreateQueue", R"({"QueueName":"q","tags":{"team":"a"}})"),
            (Pairs{{"aws:RequestTag/team", "a"}, {"aws:TagKeys", "team"}}));
  EXPECT_EQ(
      keys("dynamodb", "TagResource",
           R"({"ResourceArn":"a","Tags":[{"Key":"k1","Value":"v1"},{"Key":"k2","Value":""}]})"),
      (Pairs{{"aws:RequestTag/k1", "v1"},
             {"aws:TagKeys", "k1"},
             {"aws:RequestTag/k2", ""},
             {"aws:TagKeys", "k2"}}));
  EXPECT_EQ(keys("stepfunctions", "TagResource",
                 R"({"resourceArn":"a","tags":[{"key":"k","value":"v"}]})"),
            (Pairs{{"aws:RequestTag/k", "v"}, {"aws:TagKeys", "k"}}));
  EXPECT_EQ(keys("lambda", "UntagResource", R"({"Resource":"a","TagKeys":["x","y"]})"),
            (Pairs{{"aws:TagKeys", "x"}, {"aws:TagKeys", "y"}}));
  EXPECT_EQ(keys("s3", "PutBucketTagging",
                 R"({"Bucket":"b","Tagging":{"TagSet":[{"Key":"k","Value":"v"}]}})"),
            (Pairs{{"aws:RequestTag/k", "v"}, {"aws:TagKeys", "k"}}));
}

TEST(ConditionKeys, ServiceKeysComeFromTheirMembers) {
  EXPECT_EQ(keys("s3", "ListObjectsV2",
                 R"({"Bucket":"b","Prefix":"home/alice/","Delimiter":"/","MaxKeys":100})"),
            (Pairs{{"s3:prefix", "home/alice/"}, {"s3:delimiter", "/"}, {"s3:max-keys", "100"}}));
  EXPECT_EQ(keys("s3", "PutObject", R"({"Bucket":"b","Key":"k","Tagging":"a=1&b=two%20words"})"),
            (Pairs{{"s3:RequestObjectTag/a", "1"},
                   {"s3:RequestObjectTagKeys", "a"},
                   {"s3:RequestObjectTag/b", "two words"},
                   {"s3:RequestObjectTagKeys", "b"}}));
  EXPECT_EQ(
      keys("dynamodb", "PutItem", R"({"TableName":"t","Item":{"pk":{"S":"1"},"n":{"N":"2"}}})"),
      (Pairs{{"dynamodb:Attributes", "pk"}, {"dynamodb:Attributes", "n"}}));
  EXPECT_EQ(keys("dynamodb", "Query",
                 R"({"TableName":"t","Select":"SPECIFIC_ATTRIBUTES",
                     "ProjectionExpression":"pk, #n.a, list[0]",
                     "ExpressionAttributeNames":{"#n":"name"}})"),
            (Pairs{{"dynamodb:Select", "SPECIFIC_ATTRIBUTES"},
                   {"dynamodb:Attributes", "pk"},
                   {"dynamodb:Attributes", "name"},
                   {"dynamodb:Attributes", "list"}}));
  EXPECT_EQ(
      keys("events", "PutEvents",
           R"({"Entries":[{"Source":"app.a","DetailType":"x"},{"Source":"app.b"}]})"),
      (Pairs{{"events:source", "app.a"}, {"events:source", "app.b"}, {"events:detail-type", "x"}}));
  EXPECT_EQ(keys("sns", "Subscribe", R"({"TopicArn":"t","Protocol":"sqs","Endpoint":"arn:q"})"),
            (Pairs{{"sns:Protocol", "sqs"}, {"sns:Endpoint", "arn:q"}}));
}

TEST(ConditionKeys, OtherOperationsAndOddShapesSetNothing) {
  EXPECT_TRUE(keys("sqs", "SendMessage", R"({"QueueUrl":"u","MessageBody":"b"})").empty());
  EXPECT_TRUE(keys("sqs", "TagQueue", R"({"Tags":"not a map"})").empty());
  EXPECT_TRUE(keys("events", "PutEvents", R"({"Entries":{"Source":"x"}})").empty());
  EXPECT_TRUE(keys("dynamodb", "Query", R"({"ProjectionExpression":"#missing"})").empty());
  EXPECT_TRUE(keys("nosuch", "Thing", R"({})").empty());
}

}  // namespace
}  // namespace nimbus::server
