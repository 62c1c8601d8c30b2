// Secondary indexes: maintenance on every write, Query and Scan on GSIs
// and LSIs, backfill of a GSI added to a table with items, restarts.
#include <string>
#include <vector>

#include "services/dynamodb/test_helpers.h"

namespace nimbus::services::dynamodb::testing {
namespace {

json::object attr(const std::string& name, const std::string& type) {
  return {{"AttributeName", name}, {"AttributeType", type}};
}
json::array key(const std::string& hash, const std::string& range = "") {
  json::array k{json::object{{"AttributeName", hash}, {"KeyType", "HASH"}}};
  if (!range.empty()) k.push_back(json::object{{"AttributeName", range}, {"KeyType", "RANGE"}});
  return k;
}
json::object projection(const std::string& type, json::array non_key = {}) {
  json::object p{{"ProjectionType", type}};
  if (!non_key.empty()) p["NonKeyAttributes"] = std::move(non_key);
  return p;
}

class DynamoDbIndexTest : public DynamoDbTest {
 protected:
  // "orders": (customer, id) with GSI by_status (status, total) KEYS_ONLY,
  // GSI by_city (city) INCLUDE [total] and LSI by_total (customer, total) ALL
  // and LSI by_day (customer, day) KEYS_ONLY.
  void SetUp() override {
    DynamoDbTest::SetUp();
    create_orders();
  }
  void create_orders() {
    call("CreateTable",
         {{"TableName", "orders"},
          {"AttributeDefinitions",
           json::array{attr("customer", "S"), attr("id", "S"), attr("status", "S"),
                       attr("total", "N"), attr("city", "S"), attr("day", "S")}},
          {"KeySchema", key("customer", "id")},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"GlobalSecondaryIndexes",
           json::array{json::object{{"IndexName", "by_status"},
                                    {"KeySchema", key("status", "total")},
                                    {"Projection", projection("KEYS_ONLY")}},
                       json::object{{"IndexName", "by_city"},
                                    {"KeySchema", key("city")},
                                    {"Projection", projection("INCLUDE", {"total"})}}}},
          {"LocalSecondaryIndexes",
           json::array{json::object{{"IndexName", "by_total"},
                                    {"KeySchema", key("customer", "total")},
                                    {"Projection", projection("ALL")}},
                       json::object{{"IndexName", "by_day"},
                                    {"KeySchema", key("customer", "day")},
                                    {"Projection", projection("KEYS_ONLY")}}}}});
  }
  void put(const std::string& customer, const std::string& id, json::object rest) {
    rest["customer"] = S(customer);
    rest["id"] = S(id);
    call("PutItem", {{"TableName", "orders"}, {"Item", std::move(rest)}});
  }
  json::object query(const std::string& index, const std::string& cond, json::object values,
                     json::object extra = {}) {
    json::object in{{"TableName", "orders"},
                    {"IndexName", index},
                    {"KeyConditionExpression", cond},
                    {"ExpressionAttributeValues", std::move(values)}};
    for (auto& [k, v] : extra) in[k] = v;
    return call("Query", std::move(in));
  }
  static std::vector<std::string> ids(const json::object& out) {
    std::vector<std::string> r;
    for (const auto& i : out.at("Items").as_array()) r.push_back(s(i.at("id").at("S")));
    return r;
  }
  json::object index_description(const std::string& name) {
    auto t = call("DescribeTable", {{"TableName", "orders"}})["Table"].as_object();
    for (const char* list : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
      if (!t.contains(list)) continue;
      for (const auto& i : t[list].as_array()) {
        if (i.at("IndexName") == json::value(name)) return i.as_object();
      }
    }
    return {};
  }
};

TEST_F(DynamoDbIndexTest, GsiQueryInIndexKeyOrderWithItsProjection) {
  put("c1", "o1", {{"status", S("open")}, {"total", N("30")}, {"note", S("x")}});
  put("c2", "o2", {{"status", S("open")}, {"total", N("5")}});
  put("c1", "o3", {{"status", S("shipped")}, {"total", N("7")}});
  put("c3", "o4", {{"total", N("1")}});  // no status: not in by_status (sparse)
  auto out = query("by_status", "#s = :s", {{":s", S("open")}},
                   {{"ExpressionAttributeNames", json::object{{"#s", "status"}}}});
  EXPECT_EQ(ids(out), (std::vector<std::string>{"o2", "o1"}));  // by total, numerically
  // KEYS_ONLY: the table's and the index's keys, nothing else.
  EXPECT_EQ(out["Items"].as_array()[1].as_object().size(), 4u);
  EXPECT_FALSE(out["Items"].as_array()[1].as_object().contains("note"));
  auto high =
      query("by_status", "#s = :s AND #t > :t", {{":s", S("open")}, {":t", N("5")}},
            {{"ExpressionAttributeNames", json::object{{"#s", "status"}, {"#t", "total"}}}});
  EXPECT_EQ(ids(high), (std::vector<std::string>{"o1"}));
  auto back = query("by_status", "#s = :s AND #t <= :t", {{":s", S("open")}, {":t", N("30")}},
                    {{"ExpressionAttributeNames", json::object{{"#s", "status"}, {"#t", "total"}}},
                     {"ScanIndexForward", false}});
  EXPECT_EQ(ids(back), (std::vector<std::string>{"o1", "o2"}));
  EXPECT_EQ(index_description("by_status")["ItemCount"].as_int64(), 3);
}

TEST_F(DynamoDbIndexTest, WritesMoveAndRemoveEntries) {
  put("c1", "o1", {{"status", S("open")}, {"total", N("30")}});
  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", json::object{{"customer", S("c1")}, {"id", S("o1")}}},
                      {"UpdateExpression", "SET #s = :s"},
                      {"ExpressionAttributeNames", json::object{{"#s", "status"}}},
                      {"ExpressionAttributeValues", json::object{{":s", S("shipped")}}}});
  auto names = json::object{{"ExpressionAttributeNames", json::object{{"#s", "status"}}}};
  EXPECT_EQ(query("by_status", "#s = :s", {{":s", S("open")}}, names)["Count"].as_int64(), 0);
  EXPECT_EQ(ids(query("by_status", "#s = :s", {{":s", S("shipped")}}, names)),
            (std::vector<std::string>{"o1"}));
  call("UpdateItem", {{"TableName", "orders"},
                      {"Key", json::object{{"customer", S("c1")}, {"id", S("o1")}}},
                      {"UpdateExpression", "REMOVE #s"},
                      {"ExpressionAttributeNames", json::object{{"#s", "status"}}}});
  EXPECT_EQ(query("by_status", "#s = :s", {{":s", S("shipped")}}, names)["Count"].as_int64(), 0);
  put("c1", "o2", {{"status", S("open")}, {"total", N("1")}});
  call("TransactWriteItems",
       {{"TransactItems", json::array{json::object{
                              {"Delete", json::object{{"TableName", "orders"},
                                                      {"Key", json::object{{"customer", S("c1")},
                                                                           {"id", S("o2")}}}}}}}}});
  EXPECT_EQ(query("by_status", "#s = :s", {{":s", S("open")}}, names)["Count"].as_int64(), 0);
  EXPECT_EQ(index_description("by_status")["ItemCount"].as_int64(), 0);
  EXPECT_EQ(index_description("by_total")["ItemCount"].as_int64(), 1);  // o1 still has a total
}

TEST_F(DynamoDbIndexTest, IncludeProjectionAndScanOfAnIndex) {
  put("c1", "o1", {{"city", S("Oslo")}, {"total", N("3")}, {"note", S("n")}});
  put("c2", "o2", {{"city", S("Oslo")}, {"note", S("m")}});
  put("c3", "o3", {{"note", S("none")}});
  auto out = query("by_city", "city = :c", {{":c", S("Oslo")}});
  ASSERT_EQ(out["Count"].as_int64(), 2);
  for (const auto& item : out["Items"].as_array()) {
    EXPECT_FALSE(item.as_object().contains("note"));
    if (item.at("id") == json::value(S("o1"))) {
      EXPECT_EQ(item.at("total"), json::value(N("3")));
    }
  }
  auto scan = call("Scan", {{"TableName", "orders"}, {"IndexName", "by_city"}});
  EXPECT_EQ(scan["Count"].as_int64(), 2);
  int64_t total = 0;
  for (int seg = 0; seg < 4; ++seg) {
    total += call("Scan", {{"TableName", "orders"},
                           {"IndexName", "by_city"},
                           {"Segment", seg},
                           {"TotalSegments", 4}})["Count"]
                 .as_int64();
  }
  EXPECT_EQ(total, 2);
}

TEST_F(DynamoDbIndexTest, LsiReadsStronglyAndFetchesWhatItDoesNotProject) {
  put("c1", "o1", {{"day", S("2026-12-02")}, {"total", N("9")}, {"note", S("a")}});
  put("c1", "o2", {{"day", S("2026-12-01")}, {"total", N("2")}});
  put("c1", "o3", {{"total", N("5")}});  // no day: not in by_day
  auto by_total = query("by_total", "customer = :c", {{":c", S("c1")}}, {{"ConsistentRead", true}});
  EXPECT_EQ(ids(by_total), (std::vector<std::string>{"o2", "o3", "o1"}));
  auto by_day = query("by_day", "customer = :c", {{":c", S("c1")}});
  EXPECT_EQ(ids(by_day), (std::vector<std::string>{"o2", "o1"}));
  EXPECT_FALSE(by_day["Items"].as_array()[1].as_object().contains("note"));
  auto fetched = query(
      "by_day", "customer = :c AND #d BETWEEN :a AND :b",
      {{":c", S("c1")}, {":a", S("2026-12-02")}, {":b", S("2026-12-31")}},
      {{"Select", "ALL_ATTRIBUTES"}, {"ExpressionAttributeNames", json::object{{"#d", "day"}}}});
  ASSERT_EQ(ids(fetched), (std::vector<std::string>{"o1"}));
  EXPECT_EQ(fetched["Items"].as_array()[0].at("note"), json::value(S("a")));
}

TEST_F(DynamoDbIndexTest, PagingOnAnIndexNamesBothKeys) {
  for (int i = 0; i < 5; ++i) {
    put("c" + std::to_string(i), "o" + std::to_string(i),
        {{"status", S("open")}, {"total", N("7")}});  // equal index keys
  }
  std::vector<std::string> seen;
  json::object names{{"#s", "status"}};
  json::object extra{{"Limit", 2}, {"ExpressionAttributeNames", names}};
  for (int pages = 0; pages < 10; ++pages) {
    auto out = query("by_status", "#s = :s", {{":s", S("open")}}, extra);
    for (auto& id : ids(out)) seen.push_back(id);
    if (!out.contains("LastEvaluatedKey")) break;
    const auto& last = out["LastEvaluatedKey"].as_object();
    EXPECT_EQ(last.size(), 4u);  // customer, id, status, total
    extra["ExclusiveStartKey"] = last;
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"o0", "o1", "o2", "o3", "o4"}));
}

TEST_F(DynamoDbIndexTest, IndexReadErrors) {
  json::object in{{"TableName", "orders"},
                  {"IndexName", "nope"},
                  {"KeyConditionExpression", "city = :c"},
                  {"ExpressionAttributeValues", json::object{{":c", S("x")}}}};
  EXPECT_EQ(error_message("Query", in, "ValidationException"),
            "The table does not have the specified index: nope");
  in["IndexName"] = "by_city";
  in["ConsistentRead"] = true;
  EXPECT_EQ(error_message("Query", in, "ValidationException"),
            "Consistent reads are not supported on global secondary indexes");
  in.erase("ConsistentRead");
  in["Select"] = "ALL_ATTRIBUTES";
  EXPECT_EQ(error_message("Query", in, "ValidationException"),
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
            "supported for global secondary index by_city because its projection type is not ALL");
  in.erase("Select");
  in["KeyConditionExpression"] = "customer = :c";
  EXPECT_EQ(error_message("Query", in, "ValidationException"),
            "Query condition missed key schema element: city");
  // Writes of a wrongly typed index key change nothing.
  expect_error("PutItem",
               {{"TableName", "orders"},
                {"Item", json::object{{"customer", S("c")}, {"id", S("i")}, {"total", S("x")}}}},
               "ValidationException");
  EXPECT_EQ(index_description("by_total")["ItemCount"].as_int64(), 0);
}

TEST_F(DynamoDbIndexTest, AddedGsiIsBackfilledThenActive) {
  for (int i = 0; i < 250; ++i) {
    put("c" + std::to_string(i % 7), "o" + std::to_string(i),
        {{"region", S(i % 2 ? "north" : "south")}});
  }
  auto out = call(
      "UpdateTable",
      {{"TableName", "orders"},
       {"AttributeDefinitions", json::array{attr("region", "S")}},
       {"GlobalSecondaryIndexUpdates",
        json::array{json::object{{"Create", json::object{{"IndexName", "by_region"},
                                                         {"KeySchema", key("region")},
                                                         {"Projection", projection("ALL")}}}}}}});
  bool creating = false;
  for (const auto& i : out["TableDescription"].at("GlobalSecondaryIndexes").as_array()) {
    if (i.at("IndexName") == json::value("by_region")) {
      creating = i.at("IndexStatus") == json::value("CREATING") && i.at("Backfilling").as_bool();
    }
  }
  EXPECT_TRUE(creating);
  ASSERT_TRUE(eventually(
      [&] { return index_description("by_region")["IndexStatus"] == json::value("ACTIVE"); }));
  EXPECT_EQ(query("by_region", "#r = :r", {{":r", S("north")}},
                  {{"ExpressionAttributeNames", json::object{{"#r", "region"}}}})["Count"]
                .as_int64(),
            125);
  EXPECT_EQ(index_description("by_region")["ItemCount"].as_int64(), 250);

  // Deleted, its entries go; added again under the same name it starts empty.
  call("UpdateTable",
       {{"TableName", "orders"},
        {"GlobalSecondaryIndexUpdates",
         json::array{json::object{{"Delete", json::object{{"IndexName", "by_region"}}}}}}});
  expect_error("Query",
               {{"TableName", "orders"},
                {"IndexName", "by_region"},
                {"KeyConditionExpression", "#r = :r"},
                {"ExpressionAttributeNames", json::object{{"#r", "region"}}},
                {"ExpressionAttributeValues", json::object{{":r", S("north")}}}},
               "ValidationException");
}

TEST_F(DynamoDbIndexTest, EntriesSurviveARestart) {
  put("c1", "o1", {{"status", S("open")}, {"total", N("1")}});
  reopen();
  auto names = json::object{{"ExpressionAttributeNames", json::object{{"#s", "status"}}}};
  EXPECT_EQ(ids(query("by_status", "#s = :s", {{":s", S("open")}}, names)),
            (std::vector<std::string>{"o1"}));
  EXPECT_EQ(index_description("by_status")["ItemCount"].as_int64(), 1);
  // A table created after the restart gets index numbers of its own.
  call("DeleteTable", {{"TableName", "orders"}});
  create_orders();
  EXPECT_EQ(query("by_status", "#s = :s", {{":s", S("open")}}, names)["Count"].as_int64(), 0);
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing
