// What IAM reads of a resource through its service's own operations
// (resource_info.h): tags, and DynamoDB's leading keys per table.
#include "services/resource_info.h"

#include <gtest/gtest.h>

#include "services/dynamodb/dynamodb_service.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

class SqsInfo : public ServiceTest<sqs::SqsService> {};

TEST_F(SqsInfo, AQueuesTags) {
  call("CreateQueue", {{"QueueName", "tagged"}, {"tags", json::object{{"team", "a"}}}});
  call("CreateQueue", {{"QueueName", "plain"}});
  EXPECT_EQ(resource_tags(*svc, "arn:aws:sqs:us-east-1:000000000000:tagged", settings),
            (KeyPairs{{"team", "a"}}));
  EXPECT_TRUE(resource_tags(*svc, "arn:aws:sqs:us-east-1:000000000000:plain", settings).empty());
  EXPECT_TRUE(resource_tags(*svc, "arn:aws:sqs:us-east-1:000000000000:gone", settings).empty());
  EXPECT_TRUE(resource_tags(*svc, "not an arn", settings).empty());
}

class DynamoDbInfo : public ServiceTest<dynamodb::DynamoDbService> {
 protected:
  std::vector<std::string> leading(std::string_view op, std::string_view input,
                                   const std::string& arn) {
    KeyPairs out;
    CallContext ctx;
    ctx.region = "us-east-1";
    ctx.account_id = "000000000000";
    resource_keys(*svc, op, json::parse(input).as_object(), arn, ctx, out);
    std::vector<std::string> values;
    for (auto& [k, v] : out) {
      EXPECT_EQ(k, "dynamodb:LeadingKeys");
      values.push_back(v);
    }
    return values;
  }
};

using Values = std::vector<std::string>;

// A table's tags (also for its indexes), and the partition key values a
// call names on it, per table for the batch and transaction calls.
TEST_F(DynamoDbInfo, ATablesTagsAndTheLeadingKeysOfACall) {
  auto attr = [](const char* name, const char* type) {
    return json::object{{"AttributeName", name}, {"AttributeType", type}};
  };
  auto key = [](const char* name, const char* type) {
    return json::object{{"AttributeName", name}, {"KeyType", type}};
  };
  call(
      "CreateTable",
      {{"TableName", "users"},
       {"BillingMode", "PAY_PER_REQUEST"},
       {"AttributeDefinitions", json::array{attr("user", "S"), attr("ts", "N"), attr("city", "S")}},
       {"KeySchema", json::array{key("user", "HASH"), key("ts", "RANGE")}},
       {"GlobalSecondaryIndexes",
        json::array{json::object{{"IndexName", "by-city"},
                                 {"KeySchema", json::array{key("city", "HASH")}},
                                 {"Projection", json::object{{"ProjectionType", "ALL"}}}}}},
       {"Tags", json::array{json::object{{"Key", "team"}, {"Value", "a"}}}}});
  call("CreateTable", {{"TableName", "other"},
                       {"BillingMode", "PAY_PER_REQUEST"},
                       {"AttributeDefinitions", json::array{attr("pk", "S")}},
                       {"KeySchema", json::array{key("pk", "HASH")}}});
  const std::string arn = "arn:aws:dynamodb:us-east-1:000000000000:table/users";
  const std::string other = "arn:aws:dynamodb:us-east-1:000000000000:table/other";
  EXPECT_EQ(resource_tags(*svc, arn, settings), (KeyPairs{{"team", "a"}}));
  EXPECT_EQ(resource_tags(*svc, arn + "/index/by-city", settings), (KeyPairs{{"team", "a"}}));
  EXPECT_TRUE(resource_tags(*svc, other, settings).empty());

  EXPECT_EQ(
      leading("GetItem", R"({"TableName":"users","Key":{"user":{"S":"u1"},"ts":{"N":"1"}}})", arn),
      (Values{"u1"}));
  EXPECT_EQ(
      leading("PutItem", R"({"TableName":"users","Item":{"user":{"S":"u2"},"ts":{"N":"1"}}})", arn),
      (Values{"u2"}));
  EXPECT_EQ(leading("Query", R"({"TableName":"users","KeyConditionExpression":"#u = :u AND ts > :t",
                                 "ExpressionAttributeNames":{"#u":"user"},
                                 "ExpressionAttributeValues":{":u":{"S":"u3"},":t":{"N":"0"}}})",
                    arn),
            (Values{"u3"}));
  EXPECT_EQ(leading("Query", R"({"TableName":"users","IndexName":"by-city",
                                 "KeyConditionExpression":"city = :c",
                                 "ExpressionAttributeValues":{":c":{"S":"Oslo"}}})",
                    arn),
            (Values{"Oslo"}));
  EXPECT_TRUE(leading("Scan", R"({"TableName":"users"})", arn).empty());
  const char* batch = R"({"RequestItems":{
      "users":[{"PutRequest":{"Item":{"user":{"S":"a"},"ts":{"N":"1"}}}},
               {"DeleteRequest":{"Key":{"user":{"S":"b"},"ts":{"N":"1"}}}}],
      "other":[{"PutRequest":{"Item":{"pk":{"S":"c"}}}}]}})";
  EXPECT_EQ(leading("BatchWriteItem", batch, arn), (Values{"a", "b"}));
  EXPECT_EQ(leading("BatchWriteItem", batch, other), (Values{"c"}));
  EXPECT_EQ(
      leading("BatchGetItem",
              R"({"RequestItems":{"users":{"Keys":[{"user":{"S":"x"},"ts":{"N":"1"}}]}}})", arn),
      (Values{"x"}));
  std::string transact = R"J({"TransactItems":[
      {"Put":{"TableName":"users","Item":{"user":{"S":"p"},"ts":{"N":"1"}}}},
      {"Update":{"TableName":"other","Key":{"pk":{"S":"q"}},"UpdateExpression":"SET a = :a"}},
      {"ConditionCheck":{"TableName":"ARN","Key":{"user":{"S":"r"},"ts":{"N":"1"}},
                         "ConditionExpression":"attribute_exists(ts)"}}]})J";
  transact.replace(transact.find("ARN"), 3, arn);
  EXPECT_EQ(leading("TransactWriteItems", transact, arn), (Values{"p", "r"}));
  EXPECT_TRUE(leading("GetItem", R"({"TableName":"gone","Key":{"k":{"S":"1"}}})",
                      "arn:aws:dynamodb:us-east-1:000000000000:table/gone")
                  .empty());
}

}  // namespace
}  // namespace nimbus::services
