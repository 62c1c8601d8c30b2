// The control plane: tables, their settings, and what survives a restart.
#include "services/dynamodb/test_helpers.h"

namespace nimbus::services::dynamodb::testing {
namespace {

TEST_F(DynamoDbTest, CreateDescribeListDelete) {
  auto created = create_table("users", "pk", "sk")["TableDescription"].as_object();
  EXPECT_EQ(s(created["TableStatus"]), "ACTIVE");
  EXPECT_EQ(s(created["TableArn"]), "arn:aws:dynamodb:us-east-1:000000000000:table/users");
  EXPECT_EQ(s(created["TableId"]).size(), 36u);
  EXPECT_EQ(s(created["BillingModeSummary"].at("BillingMode")), "PAY_PER_REQUEST");
  EXPECT_EQ(created["ItemCount"].as_int64(), 0);
  EXPECT_EQ(created["KeySchema"].as_array().size(), 2u);

  auto table = call("DescribeTable", {{"TableName", "users"}})["Table"].as_object();
  EXPECT_EQ(s(table["TableId"]), s(created["TableId"]));
  EXPECT_EQ(s(table["KeySchema"].as_array()[1].at("KeyType")), "RANGE");
  // A table ARN names the table as well as its name does.
  call("DescribeTable", {{"TableName", s(created["TableArn"])}});

  create_table("orders");
  auto list = call("ListTables", {});
  EXPECT_EQ(s(list["TableNames"]), R"(["orders","users"])");

  auto deleted = call("DeleteTable", {{"TableName", "users"}})["TableDescription"].as_object();
  EXPECT_EQ(s(deleted["TableStatus"]), "DELETING");
  EXPECT_EQ(error_message("DescribeTable", {{"TableName", "users"}}, "ResourceNotFoundException"),
            "Requested resource not found: Table: users not found");
  expect_error("DeleteTable", {{"TableName", "users"}}, "ResourceNotFoundException");
  EXPECT_EQ(s(call("ListTables", {})["TableNames"]), R"(["orders"])");
}

TEST_F(DynamoDbTest, CreateTwiceIsInUse) {
  create_table("tbl1");
  EXPECT_EQ(error_message("CreateTable", table_input("tbl1"), "ResourceInUseException"),
            "Table already exists: tbl1");
}

TEST_F(DynamoDbTest, ListTablesPages) {
  for (const char* n : {"aaa", "bbb", "ccc", "ddd", "eee"}) create_table(n);
  auto page = call("ListTables", {{"Limit", 2}});
  EXPECT_EQ(s(page["TableNames"]), R"(["aaa","bbb"])");
  EXPECT_EQ(s(page["LastEvaluatedTableName"]), "bbb");
  page = call("ListTables", {{"Limit", 2}, {"ExclusiveStartTableName", "bbb"}});
  EXPECT_EQ(s(page["TableNames"]), R"(["ccc","ddd"])");
  page = call("ListTables", {{"Limit", 2}, {"ExclusiveStartTableName", "ddd"}});
  EXPECT_EQ(s(page["TableNames"]), R"(["eee"])");
  EXPECT_FALSE(page.contains("LastEvaluatedTableName"));
}

TEST_F(DynamoDbTest, CreateTableValidation) {
  auto in = table_input("ab");
  EXPECT_EQ(error_message("CreateTable", in, "ValidationException"),
            "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 3");
  in = table_input("bad name");
  EXPECT_NE(error_message("CreateTable", in, "ValidationException").find("pattern"),
            std::string::npos);

  in = table_input("tbl1");
  in["AttributeDefinitions"].as_array().push_back(
      json::object{{"AttributeName", "extra"}, {"AttributeType", "S"}});
  EXPECT_EQ(error_message("CreateTable", in, "ValidationException"),
            "One or more parameter values were invalid: Number of attributes in KeySchema does "
            "not exactly match number of attributes defined in AttributeDefinitions");

  in = table_input("tbl1");
  in["AttributeDefinitions"] = json::array{};
  EXPECT_EQ(error_message("CreateTable", in, "ValidationException"),
            "Invalid KeySchema: Some index key attribute have no definition");

  in = table_input("tbl1", "pk", "sk");
  in["KeySchema"].as_array()[1].as_object()["KeyType"] = "HASH";
  EXPECT_EQ(error_message("CreateTable", in, "ValidationException"),
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");

  in = table_input("tbl1");
  in["KeySchema"].as_array()[0].as_object()["KeyType"] = "PRIMARY";
  EXPECT_EQ(error_message("CreateTable", in, "ValidationException"),
            "1 validation error detected: Value 'PRIMARY' at 'keySchema.1.member.keyType' failed "
            "to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]");

  in = table_input("tbl1");
  in.erase("BillingMode");
  EXPECT_EQ(error_message("CreateTable", in, "ValidationException"),
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
            "must both be specified when BillingMode is PROVISIONED");
  in = table_input("tbl1");
  in["ProvisionedThroughput"] = json::object{{"ReadCapacityUnits", 1}, {"WriteCapacityUnits", 1}};
  EXPECT_NE(error_message("CreateTable", in, "ValidationException").find("PAY_PER_REQUEST"),
            std::string::npos);

  in = table_input("tbl1");
  in.erase("KeySchema");
  EXPECT_EQ(error_message("CreateTable", in, "ValidationException"),
            "1 validation error detected: Value null at 'keySchema' failed to satisfy "
            "constraint: Member must not be null");
  // Nothing of the failed calls was created.
  EXPECT_EQ(s(call("ListTables", {})["TableNames"]), "[]");
}

TEST_F(DynamoDbTest, IndexesAreValidatedAndDescribed) {
  auto in = table_input("tbl1", "pk", "sk");
  in["AttributeDefinitions"].as_array().push_back(
      json::object{{"AttributeName", "email"}, {"AttributeType", "S"}});
  in["GlobalSecondaryIndexes"] = json::array{json::object{
      {"IndexName", "by-email"},
      {"KeySchema", json::array{json::object{{"AttributeName", "email"}, {"KeyType", "HASH"}}}},
      {"Projection", json::object{{"ProjectionType", "KEYS_ONLY"}}}}};
  auto lsi = json::object{
      {"IndexName", "by-email-local"},
      {"KeySchema", json::array{json::object{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                                json::object{{"AttributeName", "email"}, {"KeyType", "RANGE"}}}},
      {"Projection",
       json::object{{"ProjectionType", "INCLUDE"}, {"NonKeyAttributes", json::array{"name"}}}}};
  in["LocalSecondaryIndexes"] = json::array{lsi};
  auto d = call("CreateTable", in)["TableDescription"].as_object();
  auto gsi = d["GlobalSecondaryIndexes"].as_array()[0].as_object();
  EXPECT_EQ(s(gsi["IndexStatus"]), "ACTIVE");
  EXPECT_EQ(s(gsi["IndexArn"]), s(d["TableArn"]) + "/index/by-email");
  EXPECT_EQ(s(d["LocalSecondaryIndexes"].as_array()[0].at("Projection").at("ProjectionType")),
            "INCLUDE");

  // An undefined index key.
  auto bad = in;
  bad["TableName"] = "tbl2";
  bad["AttributeDefinitions"].as_array().pop_back();
  EXPECT_EQ(error_message("CreateTable", bad, "ValidationException"),
            "One or more parameter values were invalid: Some index key attributes are not "
            "defined in AttributeDefinitions. Keys: [email], AttributeDefinitions: [pk, sk]");
  // An LSI on a table without a range key.
  bad = table_input("tbl3");
  bad["AttributeDefinitions"].as_array().push_back(
      json::object{{"AttributeName", "email"}, {"AttributeType", "S"}});
  bad["LocalSecondaryIndexes"] = json::array{lsi};
  EXPECT_EQ(error_message("CreateTable", bad, "ValidationException"),
            "One or more parameter values were invalid: Table KeySchema does not have a range "
            "key, which is required when specifying a LocalSecondaryIndex");
}

TEST_F(DynamoDbTest, UpdateTableBillingThroughputStream) {
  auto in = table_input("tbl1");
  in["BillingMode"] = "PROVISIONED";
  in["ProvisionedThroughput"] = json::object{{"ReadCapacityUnits", 5}, {"WriteCapacityUnits", 5}};
  call("CreateTable", in);
  EXPECT_EQ(error_message("UpdateTable",
                          {{"TableName", "tbl1"},
                           {"ProvisionedThroughput",
                            json::object{{"ReadCapacityUnits", 5}, {"WriteCapacityUnits", 5}}}},
                          "ValidationException")
                .rfind("The provisioned throughput for the table will not change.", 0),
            0u);
  auto d =
      call("UpdateTable",
           {{"TableName", "tbl1"},
            {"ProvisionedThroughput", json::object{{"ReadCapacityUnits", 10},
                                                   {"WriteCapacityUnits", 2}}}})["TableDescription"]
          .as_object();
  EXPECT_EQ(d["ProvisionedThroughput"].at("ReadCapacityUnits").as_int64(), 10);
  EXPECT_EQ(d["ProvisionedThroughput"].at("NumberOfDecreasesToday").as_int64(), 1);

  d = call("UpdateTable",
           {{"TableName", "tbl1"},
            {"StreamSpecification",
             json::object{{"StreamEnabled", true},
                          {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}})["TableDescription"]
          .as_object();
  EXPECT_EQ(s(d["StreamSpecification"].at("StreamViewType")), "NEW_AND_OLD_IMAGES");
  EXPECT_NE(s(d["LatestStreamArn"]).find("/stream/"), std::string::npos);
  EXPECT_EQ(error_message("UpdateTable",
                          {{"TableName", "tbl1"},
                           {"StreamSpecification", json::object{{"StreamEnabled", true},
                                                                {"StreamViewType", "KEYS_ONLY"}}}},
                          "ValidationException"),
            "Table already has an enabled stream: TableName: tbl1");

  d = call("UpdateTable",
           {{"TableName", "tbl1"}, {"BillingMode", "PAY_PER_REQUEST"}})["TableDescription"]
          .as_object();
  EXPECT_EQ(s(d["BillingModeSummary"].at("BillingMode")), "PAY_PER_REQUEST");
  EXPECT_EQ(d["ProvisionedThroughput"].at("ReadCapacityUnits").as_int64(), 0);
  expect_error("UpdateTable", {{"TableName", "tbl1"}}, "ValidationException");
  expect_error("UpdateTable", {{"TableName", "nope"}, {"BillingMode", "PROVISIONED"}},
               "ResourceNotFoundException");
}

TEST_F(DynamoDbTest, GlobalIndexCreateAndDelete) {
  create_table("tbl1");
  auto d =
      call("UpdateTable",
           {{"TableName", "tbl1"},
            {"AttributeDefinitions",
             json::array{json::object{{"AttributeName", "g"}, {"AttributeType", "N"}}}},
            {"GlobalSecondaryIndexUpdates",
             json::array{json::object{
                 {"Create",
                  json::object{{"IndexName", "gi"},
                               {"KeySchema", json::array{json::object{{"AttributeName", "g"},
                                                                      {"KeyType", "HASH"}}}},
                               {"Projection",
                                json::object{{"ProjectionType", "ALL"}}}}}}}}})["TableDescription"]
          .as_object();
  EXPECT_EQ(d["GlobalSecondaryIndexes"].as_array().size(), 1u);
  EXPECT_EQ(d["AttributeDefinitions"].as_array().size(), 2u);
  d = call("UpdateTable",
           {{"TableName", "tbl1"},
            {"GlobalSecondaryIndexUpdates",
             json::array{
                 json::object{{"Delete", json::object{{"IndexName", "gi"}}}}}}})["TableDescription"]
          .as_object();
  EXPECT_FALSE(d.contains("GlobalSecondaryIndexes"));
  EXPECT_EQ(d["AttributeDefinitions"].as_array().size(), 1u);
}

TEST_F(DynamoDbTest, TagsAndTimeToLive) {
  auto arn = s(create_table("tbl1")["TableDescription"].at("TableArn"));
  json::array two{json::object{{"Key", "env"}, {"Value", "dev"}},
                  json::object{{"Key", "team"}, {"Value", "a"}}};
  call("TagResource", {{"ResourceArn", arn}, {"Tags", two}});
  call("UntagResource", {{"ResourceArn", arn}, {"TagKeys", json::array{"team"}}});
  EXPECT_EQ(s(call("ListTagsOfResource", {{"ResourceArn", arn}})["Tags"]),
            R"([{"Key":"env","Value":"dev"}])");
  std::string missing = "arn:aws:dynamodb:us-east-1:000000000000:table/nope";
  EXPECT_EQ(
      error_message("ListTagsOfResource", {{"ResourceArn", missing}}, "ResourceNotFoundException"),
      "Requested resource not found: ResourcArn: " + missing + " not found");

  EXPECT_EQ(s(call("DescribeTimeToLive", {{"TableName", "tbl1"}})["TimeToLiveDescription"]),
            R"({"TimeToLiveStatus":"DISABLED"})");
  auto spec = json::object{{"Enabled", true}, {"AttributeName", "expires"}};
  call("UpdateTimeToLive", {{"TableName", "tbl1"}, {"TimeToLiveSpecification", spec}});
  EXPECT_EQ(
      error_message("UpdateTimeToLive", {{"TableName", "tbl1"}, {"TimeToLiveSpecification", spec}},
                    "ValidationException"),
      "TimeToLive is already enabled");
  EXPECT_EQ(s(call("DescribeTimeToLive", {{"TableName", "tbl1"}})["TimeToLiveDescription"]),
            R"({"TimeToLiveStatus":"ENABLED","AttributeName":"expires"})");
  expect_error("DescribeContinuousBackups", {{"TableName", "nope"}}, "TableNotFoundException");
  EXPECT_EQ(
      s(call("DescribeContinuousBackups", {{"TableName", "tbl1"}})["ContinuousBackupsDescription"]
            .at("ContinuousBackupsStatus")),
      "ENABLED");
  EXPECT_EQ(call("DescribeLimits", {})["TableMaxReadCapacityUnits"].as_int64(), 40000);
  EXPECT_EQ(s(call("DescribeEndpoints", {})["Endpoints"].at(0).at("Address")), "localhost:4566");
}

TEST_F(DynamoDbTest, TablesSurviveRestart) {
  auto before = create_table("tbl1", "pk", "sk")["TableDescription"].as_object();
  auto arn = s(before["TableArn"]);
  json::array one{json::object{{"Key", "k"}, {"Value", "v"}}};
  call("TagResource", {{"ResourceArn", arn}, {"Tags", one}});
  json::object ttl{{"Enabled", true}, {"AttributeName", "ttl"}};
  call("UpdateTimeToLive", {{"TableName", "tbl1"}, {"TimeToLiveSpecification", ttl}});
  create_table("tbl2");
  call("DeleteTable", {{"TableName", "tbl2"}});
  reopen();
  auto after = call("DescribeTable", {{"TableName", "tbl1"}})["Table"].as_object();
  EXPECT_EQ(s(after["TableId"]), s(before["TableId"]));
  EXPECT_EQ(s(after["CreationDateTime"]), s(before["CreationDateTime"]));
  EXPECT_EQ(s(after["KeySchema"]), s(before["KeySchema"]));
  EXPECT_EQ(s(call("ListTables", {})["TableNames"]), R"(["tbl1"])");
  EXPECT_EQ(s(call("ListTagsOfResource", {{"ResourceArn", arn}})["Tags"]),
            R"([{"Key":"k","Value":"v"}])");
  EXPECT_EQ(s(call("DescribeTimeToLive", {{"TableName", "tbl1"}})["TimeToLiveDescription"].at(
                "AttributeName")),
            "ttl");
  // A new table after the restart gets a fresh id.
  auto t3 = create_table("tbl2")["TableDescription"].as_object();
  EXPECT_NE(s(t3["TableId"]), s(before["TableId"]));
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing
