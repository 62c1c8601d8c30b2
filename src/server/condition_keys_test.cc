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

// dynamodb:Attributes of UpdateItem: the top-level attribute each action
// of the UpdateExpression writes, through ExpressionAttributeNames.
TEST(ConditionKeys, UpdateExpressionsNameTheAttributesTheyWrite) {
  auto attrs = [](std::string_view expression) {
    json::object in{{"TableName", "t"},
                    {"UpdateExpression", expression},
                    {"ExpressionAttributeNames", json::object{{"#b", "b"}, {"#c", "count"}}}};
    std::vector<std::string> out;
    for (auto& [key, value] : request_condition_keys("dynamodb", "UpdateItem", in)) {
      EXPECT_EQ(key, "dynamodb:Attributes");
      out.push_back(value);
    }
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(attrs("SET a = :v"), (Names{"a"}));
  EXPECT_EQ(attrs("set a=:v, #b.x[2] = list_append(#b.x, :l), d = if_not_exists(d, :z) "
                  "remove e[1], f.g ADD #c :one DELETE h :s"),
            (Names{"a", "b", "d", "e", "f", "count", "h"}));
  EXPECT_EQ(attrs("REMOVE a SET offset = :o"), (Names{"a", "offset"}));
  EXPECT_EQ(attrs("SET #unknown = :v"), (Names{}));  // no such placeholder: nothing
  EXPECT_EQ(attrs("nonsense"), (Names{}));
  EXPECT_EQ(attrs(""), (Names{}));
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
