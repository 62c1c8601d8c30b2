// ReturnConsumedCapacity: the units of reads, writes, index writes, queries,
// batches and transactions, by DynamoDB's capacity-unit rules.
#include <string>

#include "services/dynamodb/test_helpers.h"

namespace nimbus::services::dynamodb::testing {
namespace {

json::object S(const std::string& v) {
  return {{"S", v}};
}

class DynamoDbCapacityTest : public DynamoDbTest {
 protected:
  // "tab": (pk) with GSI by_city (city) projecting KEYS_ONLY.
  void SetUp() override {
    DynamoDbTest::SetUp();
    auto in = table_input("tab");
    in["AttributeDefinitions"].as_array().push_back(
        json::object{{"AttributeName", "city"}, {"AttributeType", "S"}});
    in["GlobalSecondaryIndexes"] = json::array{json::object{
        {"IndexName", "by_city"},
        {"KeySchema", json::array{json::object{{"AttributeName", "city"}, {"KeyType", "HASH"}}}},
        {"Projection", json::object{{"ProjectionType", "KEYS_ONLY"}}}}};
    call("CreateTable", in);
  }
  // An item of about `kb` KB (its `pad` attribute).
  static json::object item(const std::string& pk, size_t kb, const std::string& city = "") {
    json::object i{{"pk", S(pk)}, {"pad", S(std::string(kb * 1024 - 64, 'x'))}};
    if (!city.empty()) i["city"] = S(city);
    return i;
  }
  static double units(const json::object& out) {
    return out.at("ConsumedCapacity").at("CapacityUnits").to_number<double>();
  }
  json::object put(const json::object& i, const std::string& mode = "TOTAL") {
    return call("PutItem", {{"TableName", "tab"}, {"Item", i}, {"ReturnConsumedCapacity", mode}});
  }
  json::object get(const std::string& pk, bool consistent) {
    return call("GetItem", {{"TableName", "tab"},
                            {"Key", json::object{{"pk", S(pk)}}},
                            {"ConsistentRead", consistent},
                            {"ReturnConsumedCapacity", "TOTAL"}});
  }
};

TEST_F(DynamoDbCapacityTest, WritesCostAUnitPerKilobyteOfTheLargerItem) {
  auto out = put(item("a", 1));
  EXPECT_EQ(out.at("ConsumedCapacity").at("TableName").as_string(), "tab");
  EXPECT_EQ(units(out), 1.0);
  EXPECT_EQ(units(put(item("a", 3))), 3.0);
  // Smaller than the item it replaces: the larger of the two counts.
  EXPECT_EQ(units(put(item("a", 1))), 3.0);
  EXPECT_EQ(units(call("DeleteItem", {{"TableName", "tab"},
                                      {"Key", json::object{{"pk", S("a")}}},
                                      {"ReturnConsumedCapacity", "TOTAL"}})),
            1.0);
  // Deleting nothing still costs one unit.
  EXPECT_EQ(units(call("DeleteItem", {{"TableName", "tab"},
                                      {"Key", json::object{{"pk", S("none")}}},
                                      {"ReturnConsumedCapacity", "TOTAL"}})),
            1.0);
  EXPECT_FALSE(
      call("PutItem", {{"TableName", "tab"}, {"Item", item("b", 1)}}).contains("ConsumedCapacity"));
}

TEST_F(DynamoDbCapacityTest, ReadsCostAUnitPerFourKilobytesHalvedWhenEventual) {
  put(item("big", 9));
  EXPECT_EQ(units(get("big", true)), 3.0);
  EXPECT_EQ(units(get("big", false)), 1.5);
  EXPECT_EQ(units(get("missing", false)), 0.5);
}

TEST_F(DynamoDbCapacityTest, IndexWritesAreReportedPerIndex) {
  auto out = put(item("a", 2, "Oslo"), "INDEXES");
  const auto& c = out.at("ConsumedCapacity");
  EXPECT_EQ(c.at("Table").at("CapacityUnits").to_number<double>(), 2.0);
  // The KEYS_ONLY entry is small: one unit.
  EXPECT_EQ(c.at("GlobalSecondaryIndexes").at("by_city").at("CapacityUnits").to_number<double>(),
            1.0);
  EXPECT_EQ(c.at("CapacityUnits").to_number<double>(), 3.0);
  // Changing the index key deletes one entry and puts another.
  auto moved = call("UpdateItem", {{"TableName", "tab"},
                                   {"Key", json::object{{"pk", S("a")}}},
                                   {"UpdateExpression", "SET city = :c"},
                                   {"ExpressionAttributeValues", json::object{{":c", S("Rome")}}},
                                   {"ReturnConsumedCapacity", "INDEXES"}});
  EXPECT_EQ(moved.at("ConsumedCapacity")
                .at("GlobalSecondaryIndexes")
                .at("by_city")
                .at("CapacityUnits")
                .to_number<double>(),
            2.0);
  // A change the index does not project costs it nothing.
  auto other = call("UpdateItem", {{"TableName", "tab"},
                                   {"Key", json::object{{"pk", S("a")}}},
                                   {"UpdateExpression", "SET n = :n"},
                                   {"ExpressionAttributeValues", json::object{{":n", S("1")}}},
                                   {"ReturnConsumedCapacity", "INDEXES"}});
  EXPECT_FALSE(other.at("ConsumedCapacity").as_object().contains("GlobalSecondaryIndexes"));
  EXPECT_EQ(units(other), 2.0);
}

TEST_F(DynamoDbCapacityTest, QueriesRoundTheItemsReadOnce) {
  for (int i = 0; i < 3; ++i) put(item("q", 2, "c" + std::to_string(i)));
  for (int i = 0; i < 3; ++i) put(item("r" + std::to_string(i), 2));
  // Three 2 KB items: 6 KB is two read units, halved.
  auto scan = call("Scan", {{"TableName", "tab"},
                            {"FilterExpression", "begins_with(pk, :p)"},
                            {"ExpressionAttributeValues", json::object{{":p", S("r")}}},
                            {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_EQ(scan.at("ScannedCount").to_number<int64_t>(), 4);
  EXPECT_EQ(units(scan), 1.0);  // 8 KB read, filtered or not
  auto query = call("Query", {{"TableName", "tab"},
                              {"KeyConditionExpression", "pk = :p"},
                              {"ExpressionAttributeValues", json::object{{":p", S("r1")}}},
                              {"ConsistentRead", true},
                              {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_EQ(units(query), 1.0);
}

TEST_F(DynamoDbCapacityTest, BatchesAndTransactionsListEachTable) {
  json::array writes{json::object{{"PutRequest", json::object{{"Item", item("x", 1)}}}},
                     json::object{{"PutRequest", json::object{{"Item", item("y", 2)}}}}};
  auto batch = call("BatchWriteItem", {{"RequestItems", json::object{{"tab", writes}}},
                                       {"ReturnConsumedCapacity", "TOTAL"}});
  ASSERT_EQ(batch.at("ConsumedCapacity").as_array().size(), 1u);
  EXPECT_EQ(batch.at("ConsumedCapacity").at(0).at("CapacityUnits").to_number<double>(), 3.0);

  json::array keys{json::object{{"pk", S("x")}}, json::object{{"pk", S("nobody")}}};
  auto gets = call("BatchGetItem", {{"RequestItems", json::object{{"tab", {{"Keys", keys}}}}},
                                    {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_EQ(gets.at("ConsumedCapacity").at(0).at("CapacityUnits").to_number<double>(), 1.0);

  json::array actions{
      json::object{{"Put", json::object{{"TableName", "tab"}, {"Item", item("z", 1)}}}},
      json::object{
          {"Delete", json::object{{"TableName", "tab"}, {"Key", json::object{{"pk", S("y")}}}}}}};
  auto tx =
      call("TransactWriteItems", {{"TransactItems", actions}, {"ReturnConsumedCapacity", "TOTAL"}});
  // Twice a write: 2 × (1 + 2).
  EXPECT_EQ(tx.at("ConsumedCapacity").at(0).at("CapacityUnits").to_number<double>(), 6.0);
  json::array reads{json::object{
      {"Get", json::object{{"TableName", "tab"}, {"Key", json::object{{"pk", S("z")}}}}}}};
  auto txr =
      call("TransactGetItems", {{"TransactItems", reads}, {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_EQ(txr.at("ConsumedCapacity").at(0).at("CapacityUnits").to_number<double>(), 2.0);
}

TEST_F(DynamoDbCapacityTest, AnUnknownModeIsRefusedAndChangesNothing) {
  auto message = error_message(
      "PutItem",
      {{"TableName", "tab"}, {"Item", item("bad", 1)}, {"ReturnConsumedCapacity", "ALL"}},
      "ValidationException");
  EXPECT_NE(message.find("Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"),
            std::string::npos);
  EXPECT_FALSE(call("GetItem", {{"TableName", "tab"}, {"Key", json::object{{"pk", S("bad")}}}})
                   .contains("Item"));
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing
