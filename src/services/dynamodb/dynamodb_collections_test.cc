// Item collections of tables with LSIs: ReturnItemCollectionMetrics on
// every write call, and the size limit (lowered by the service option)
// refusing growth and changing nothing, across a restart.
#include "services/dynamodb/test_helpers.h"

namespace nimbus::services::dynamodb::testing {
namespace {

class DynamoDbCollectionsTest : public DynamoDbTest {
 protected:
  void SetUp() override {
    // An item of this test is 3 (pk) + 4 (sk) + 3 (lk) + 1 + len(v) bytes,
    // its LSI entry (KEYS_ONLY) 10 bytes.
    settings.service_options["dynamodb.item-collection-limit"] = "100";
    DynamoDbTest::SetUp();
    json::object in = table_input("lsi", "pk", "sk");
    in["AttributeDefinitions"].as_array().push_back(
        json::object{{"AttributeName", "lk"}, {"AttributeType", "S"}});
    in["LocalSecondaryIndexes"] = json::array{json::object{
        {"IndexName", "by_lk"},
        {"KeySchema", json::array{json::object{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                                  json::object{{"AttributeName", "lk"}, {"KeyType", "RANGE"}}}},
        {"Projection", json::object{{"ProjectionType", "KEYS_ONLY"}}}}};
    call("CreateTable", in);
    create_table("plain", "pk", "sk");
  }
  static json::object item(const std::string& pk, const std::string& sk, size_t value_bytes) {
    return {{"pk", S(pk)}, {"sk", N(sk)}, {"lk", S("l")}, {"v", S(std::string(value_bytes, 'x'))}};
  }
  json::object put(const json::object& it, const std::string& table = "lsi") {
    return call("PutItem",
                {{"TableName", table}, {"Item", it}, {"ReturnItemCollectionMetrics", "SIZE"}});
  }
  json::object key(const std::string& pk, const std::string& sk) {
    return {{"pk", S(pk)}, {"sk", N(sk)}};
  }
};

TEST_F(DynamoDbCollectionsTest, MetricsOnEveryWriteOfAnLsiTable) {
  auto out = put(item("a", "1", 10));
  EXPECT_EQ(s(out["ItemCollectionMetrics"]),
            R"({"ItemCollectionKey":{"pk":{"S":"a"}},"SizeEstimateRangeGB":[0E0,1E0]})");
  EXPECT_FALSE(put(item("a", "1", 10), "plain").contains("ItemCollectionMetrics"));
  EXPECT_FALSE(call("PutItem", {{"TableName", "lsi"}, {"Item", item("a", "2", 1)}})
                   .contains("ItemCollectionMetrics"));
  out = call("UpdateItem", {{"TableName", "lsi"},
                            {"Key", key("a", "1")},
                            {"UpdateExpression", "SET w = :w"},
                            {"ExpressionAttributeValues", json::object{{":w", S("y")}}},
                            {"ReturnItemCollectionMetrics", "SIZE"}});
  EXPECT_EQ(s(out["ItemCollectionMetrics"].at("ItemCollectionKey")), R"({"pk":{"S":"a"}})");
  out =
      call("DeleteItem",
           {{"TableName", "lsi"}, {"Key", key("b", "9")}, {"ReturnItemCollectionMetrics", "SIZE"}});
  EXPECT_EQ(s(out["ItemCollectionMetrics"].at("ItemCollectionKey")), R"({"pk":{"S":"b"}})");
  out = call(
      "BatchWriteItem",
      {{"RequestItems",
        json::object{{"lsi", json::array{json::object{
                                 {"PutRequest", json::object{{"Item", item("c", "1", 1)}}}}}},
                     {"plain", json::array{json::object{
                                   {"PutRequest", json::object{{"Item", item("c", "1", 1)}}}}}}}},
       {"ReturnItemCollectionMetrics", "SIZE"}});
  EXPECT_EQ(s(out["ItemCollectionMetrics"]),
            R"({"lsi":[{"ItemCollectionKey":{"pk":{"S":"c"}},"SizeEstimateRangeGB":[0E0,1E0]}]})");
  out = call("TransactWriteItems",
             {{"TransactItems",
               json::array{json::object{
                   {"Put", json::object{{"TableName", "lsi"}, {"Item", item("d", "1", 1)}}}}}},
              {"ReturnItemCollectionMetrics", "SIZE"}});
  EXPECT_EQ(s(out["ItemCollectionMetrics"].at("lsi").at(0).at("ItemCollectionKey")),
            R"({"pk":{"S":"d"}})");
  EXPECT_EQ(error_message("PutItem",
                          {{"TableName", "lsi"},
                           {"Item", item("a", "1", 1)},
                           {"ReturnItemCollectionMetrics", "ALL"}},
                          "ValidationException"),
            "1 validation error detected: Value 'ALL' at 'returnItemCollectionMetrics' failed to "
            "satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]");
}

TEST_F(DynamoDbCollectionsTest, LimitRefusesGrowthAndChangesNothing) {
  // 33 + 10 bytes each: two fit in 100, a third does not.
  put(item("a", "1", 22));
  put(item("a", "2", 22));
  EXPECT_EQ(error_message("PutItem", {{"TableName", "lsi"}, {"Item", item("a", "3", 22)}},
                          "ItemCollectionSizeLimitExceededException"),
            "Collection size exceeded.");
  EXPECT_FALSE(call("GetItem", {{"TableName", "lsi"}, {"Key", key("a", "3")}}).contains("Item"));
  // Another collection, and a table without LSIs, are not limited.
  put(item("b", "3", 22));
  put(item("a", "3", 200), "plain");
  // Growing an item is refused; shrinking one is not, and makes room.
  error_message("UpdateItem",
                {{"TableName", "lsi"},
                 {"Key", key("a", "1")},
                 {"UpdateExpression", "SET v = :v"},
                 {"ExpressionAttributeValues", json::object{{":v", S(std::string(60, 'x'))}}}},
                "ItemCollectionSizeLimitExceededException");
  error_message(
      "BatchWriteItem",
      {{"RequestItems",
        json::object{{"lsi", json::array{json::object{
                                 {"PutRequest", json::object{{"Item", item("a", "4", 22)}}}}}}}}},
      "ItemCollectionSizeLimitExceededException");
  auto cancelled = try_call(
      "TransactWriteItems",
      {{"TransactItems",
        json::array{
            json::object{{"Put", json::object{{"TableName", "lsi"}, {"Item", item("b", "5", 1)}}}},
            json::object{
                {"Put", json::object{{"TableName", "lsi"}, {"Item", item("a", "5", 22)}}}}}}});
  ASSERT_FALSE(cancelled.is_ok());
  EXPECT_EQ(cancelled.error().code, "TransactionCanceledException");
  EXPECT_NE(cancelled.error().message.find("[None, ItemCollectionSizeLimitExceeded]"),
            std::string::npos)
      << cancelled.error().message;
  EXPECT_FALSE(call("GetItem", {{"TableName", "lsi"}, {"Key", key("b", "5")}}).contains("Item"));

  // The sizes survive a restart.
  reopen();
  error_message("PutItem", {{"TableName", "lsi"}, {"Item", item("a", "3", 22)}},
                "ItemCollectionSizeLimitExceededException");
  call("DeleteItem", {{"TableName", "lsi"}, {"Key", key("a", "2")}});
  put(item("a", "3", 22));
  call("PutItem", {{"TableName", "lsi"}, {"Item", item("a", "1", 1)}});
  put(item("a", "4", 10));
}

TEST_F(DynamoDbCollectionsTest, SizesMissingFromAnOlderStoreAreComputedAtStart) {
  put(item("a", "1", 22));
  put(item("a", "2", 22));
  put(item("b", "1", 22));
  // What a store written before collection sizes were kept holds.
  auto forget = [this](const std::string& ns, const std::string& prefix) {
    std::vector<std::string> keys;
    ASSERT_TRUE(
        storage->records(ns).each(prefix, [&keys](storage::Entry& e) { keys.push_back(e.key); }));
    ASSERT_FALSE(keys.empty()) << ns;
    for (const auto& k : keys) ASSERT_TRUE(storage->records(ns).del(k));
  };
  forget("dynamodb.collections", "");
  forget("dynamodb.meta", "collections/");
  reopen();
  error_message("PutItem", {{"TableName", "lsi"}, {"Item", item("a", "3", 22)}},
                "ItemCollectionSizeLimitExceededException");
  EXPECT_EQ(s(put(item("b", "2", 1))["ItemCollectionMetrics"].at("ItemCollectionKey")),
            R"({"pk":{"S":"b"}})");
  // b: 43 + 22 bytes; 43 more do not fit, 22 do.
  error_message("PutItem", {{"TableName", "lsi"}, {"Item", item("b", "3", 22)}},
                "ItemCollectionSizeLimitExceededException");
  put(item("b", "4", 1));
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing
