// Query, Scan and the batch calls.
#include <chrono>
#include <future>
#include <set>

#include "services/dynamodb/test_helpers.h"

namespace nimbus::services::dynamodb::testing {
namespace {

class DynamoDbQueryTest : public DynamoDbTest {
 protected:
  void SetUp() override {
    DynamoDbTest::SetUp();
    create_table("events", "pk", "sk");
    for (int p = 0; p < 3; ++p) {
      for (int i = 0; i < 10; ++i) {
        call("PutItem", {{"TableName", "events"},
                         {"Item", json::object{{"pk", S("p" + std::to_string(p))},
                                               {"sk", N(std::to_string(i * 5 - 20))},
                                               {"odd", json::object{{"BOOL", i % 2 == 1}}}}}});
      }
    }
  }
  json::object query(const std::string& cond, json::object values, json::object extra = {}) {
    json::object in{{"TableName", "events"},
                    {"KeyConditionExpression", cond},
                    {"ExpressionAttributeValues", std::move(values)}};
    for (auto& [k, v] : extra) in[k] = v;
    return call("Query", std::move(in));
  }
  static std::vector<std::string> sks(const json::object& out) {
    std::vector<std::string> r;
    for (const auto& i : out.at("Items").as_array()) r.push_back(s(i.at("sk").at("N")));
    return r;
  }
};

TEST_F(DynamoDbQueryTest, SortKeyConditionsInNumericOrder) {
  auto out = query("pk = :p", {{":p", S("p1")}});
  EXPECT_EQ(sks(out), (std::vector<std::string>{"-20", "-15", "-10", "-5", "0", "5", "10", "15",
                                                "20", "25"}));
  EXPECT_EQ(out["Count"].as_int64(), 10);
  EXPECT_EQ(sks(query("pk = :p AND sk BETWEEN :a AND :b",
                      {{":p", S("p1")}, {":a", N("-5")}, {":b", N("10")}})),
            (std::vector<std::string>{"-5", "0", "5", "10"}));
  EXPECT_EQ(sks(query("pk = :p AND sk < :a", {{":p", S("p1")}, {":a", N("-10")}})),
            (std::vector<std::string>{"-20", "-15"}));
  EXPECT_EQ(sks(query("pk = :p AND sk >= :a", {{":p", S("p1")}, {":a", N("20")}})),
            (std::vector<std::string>{"20", "25"}));
  EXPECT_EQ(sks(query("pk = :p AND sk = :a", {{":p", S("p1")}, {":a", N("5.0")}})),
            (std::vector<std::string>{"5"}));
  EXPECT_EQ(sks(query("pk = :p AND sk <= :a", {{":p", S("p1")}, {":a", N("-10")}},
                      {{"ScanIndexForward", false}})),
            (std::vector<std::string>{"-10", "-15", "-20"}));
  EXPECT_EQ(sks(query("pk = :p AND sk > :a", {{":p", S("p1")}, {":a", N("15")}},
                      {{"ScanIndexForward", false}})),
            (std::vector<std::string>{"25", "20"}));
  EXPECT_EQ(query("pk = :p", {{":p", S("nope")}})["Count"].as_int64(), 0);
}

// Query and Scan written as awsJson text answer a page without binary
// values as its items' stored texts: byte for byte the body the decoded
// items give, with filters, Limit, either direction and capacity;
// projections, COUNT and pages with a binary value take the decoded items.
TEST_F(DynamoDbQueryTest, ItemsAsStoredTextAreTheDecodedItemsBody) {
  call("PutItem", {{"TableName", "events"},
                   {"Item", json::object{{"pk", S("p1")},
                                         {"sk", N("7")},
                                         {"b", json::object{{"B", std::string("\x00\xff\"", 3)}}},
                                         {"m", json::object{{"M", json::object{{"e", S("")}}}}}}}});
  auto q = [](const std::string& p, json::object extra = {}) {
    json::object in{{"TableName", "events"},
                    {"KeyConditionExpression", "pk = :p"},
                    {"ExpressionAttributeValues", json::object{{":p", S(p)}}}};
    for (auto& [k, v] : extra) in[k] = v;
    return in;
  };
  struct Case {
    std::string op;
    json::object in;
    bool as_text;
  };
  std::vector<Case> cases{
      {"Query", q("p0"), true},
      {"Query", q("p0", {{"Limit", 3}}), true},
      {"Query", q("p0", {{"Limit", 30}, {"ScanIndexForward", false}}), true},
      {"Query",
       q("p0", {{"FilterExpression", "odd = :t"},
                {"ExpressionAttributeValues",
                 json::object{{":p", S("p0")}, {":t", json::object{{"BOOL", true}}}}}}),
       true},
      {"Query",
       q("p0", {{"FilterExpression", "odd = :t"},
                {"ExpressionAttributeValues",
                 json::object{{":p", S("p0")}, {":t", json::object{{"NULL", true}}}}}}),
       true},
      {"Query", q("p0", {{"ReturnConsumedCapacity", "TOTAL"}}), true},
      {"Query", q("p0", {{"ProjectionExpression", "sk"}}), false},
      {"Query", q("p0", {{"Select", "COUNT"}}), false},
      {"Query", q("p1"), false},
      {"Query", q("p1", {{"Limit", 3}}), true},
      {"Query", q("p1", {{"ScanIndexForward", false}}), false},
      {"Query", q("nobody"), false},
      {"Scan", {{"TableName", "events"}}, false}};
  for (const auto& c : cases) {
    auto as_value = wire_answer(c.op, c.in, false);
    auto as_text = wire_answer(c.op, c.in, true);
    EXPECT_FALSE(as_value.fragments);
    EXPECT_EQ(as_text.fragments, c.as_text) << c.op << " " << json::serialize(c.in);
    EXPECT_EQ(as_text.body, as_value.body) << c.op << " " << json::serialize(c.in);
  }
  // What a client reads: the items as written (blobs in base64).
  auto page = json::parse(wire_answer("Query", q("p1")).body);
  EXPECT_EQ(page.at("Count").as_int64(), 11);
  EXPECT_EQ(page.at("Items").at(6).at("b").at("B"), json::value("AP8i"));
  EXPECT_EQ(page.at("Items").at(7).at("sk").at("N"), json::value("10"));
  auto texts = json::parse(wire_answer("Query", q("p0", {{"Limit", 2}})).body);
  EXPECT_EQ(json::serialize(texts.at("Items")),
            R"([{"pk":{"S":"p0"},"sk":{"N":"-20"},"odd":{"BOOL":false}},)"
            R"({"pk":{"S":"p0"},"sk":{"N":"-15"},"odd":{"BOOL":true}}])");
}

// A Query limited to a few items reads on the calling thread (the event
// loop), as GetItem does: answered before the call returns, also with a
// filter (Limit counts the items read) and when it fails.
TEST_F(DynamoDbQueryTest, ASmallLimitAnswersOnTheCallingThread) {
  json::object in{{"TableName", "events"},
                  {"KeyConditionExpression", "pk = :p"},
                  {"FilterExpression", "odd = :t"},
                  {"ExpressionAttributeValues",
                   json::object{{":p", S("p1")}, {":t", json::object{{"BOOL", true}}}}},
                  {"Limit", 4}};
  auto answered = call_async("Query", in);
  ASSERT_EQ(answered.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  auto out = answered.get();
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->at("Count").as_int64(), 2);
  EXPECT_EQ(out->at("ScannedCount").as_int64(), 4);
  in["TableName"] = "missing";
  auto missing = call_async("Query", in);
  ASSERT_EQ(missing.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_FALSE(missing.get().is_ok());
}

// Deleted items stay in storage as tombstones until compaction, and a read
// walks them. A small-Limit Query on a collection of many deleted items
// stops its read on the calling thread (a storage::ScanBound) and reads it
// again on the worker pool: the answer is the same, in both directions.
TEST_F(DynamoDbQueryTest, ASmallLimitOverManyDeletedItemsStillAnswers) {
  auto write_all = [&](bool put) {
    for (int start = 0; start < 1200; start += 25) {
      json::array requests;
      for (int i = start; i < start + 25; ++i) {
        json::object key{{"pk", S("gone")}, {"sk", N(std::to_string(i))}};
        requests.push_back(put ? json::object{{"PutRequest", json::object{{"Item", key}}}}
                               : json::object{{"DeleteRequest", json::object{{"Key", key}}}});
      }
      call("BatchWriteItem", {{"RequestItems", json::object{{"events", std::move(requests)}}}});
    }
  };
  write_all(true);
  write_all(false);
  call("PutItem",
       {{"TableName", "events"}, {"Item", json::object{{"pk", S("gone")}, {"sk", N("5000")}}}});
  call("PutItem",
       {{"TableName", "events"}, {"Item", json::object{{"pk", S("gone")}, {"sk", N("-1")}}}});
  auto forward = query("pk = :p", {{":p", S("gone")}}, {{"Limit", 5}});
  EXPECT_EQ(sks(forward), (std::vector<std::string>{"-1", "5000"}));
  EXPECT_FALSE(forward.contains("LastEvaluatedKey"));
  auto backward =
      query("pk = :p", {{":p", S("gone")}}, {{"Limit", 2}, {"ScanIndexForward", false}});
  EXPECT_EQ(sks(backward), (std::vector<std::string>{"5000", "-1"}));
  auto above = query("pk = :p AND sk > :z", {{":p", S("gone")}, {":z", N("0")}}, {{"Limit", 1}});
  EXPECT_EQ(sks(above), std::vector<std::string>{"5000"});
}

TEST_F(DynamoDbQueryTest, LimitBeforeFilterAndPaging) {
  auto out = query("pk = :p", {{":p", S("p2")}, {":t", json::object{{"BOOL", true}}}},
                   {{"FilterExpression", "odd = :t"}, {"Limit", 4}});
  EXPECT_EQ(out["ScannedCount"].as_int64(), 4);
  EXPECT_EQ(out["Count"].as_int64(), 2);
  EXPECT_EQ(s(out["LastEvaluatedKey"]), R"({"pk":{"S":"p2"},"sk":{"N":"-5"}})");
  std::vector<std::string> all;
  json::object start;
  for (int page = 0; page < 10; ++page) {
    json::object extra{{"Limit", 3}, {"ScanIndexForward", false}};
    if (!start.empty()) extra["ExclusiveStartKey"] = start;
    auto p = query("pk = :p", {{":p", S("p2")}}, extra);
    for (auto& sk : sks(p)) all.push_back(sk);
    if (!p.contains("LastEvaluatedKey")) break;
    start = p["LastEvaluatedKey"].as_object();
  }
  EXPECT_EQ(
      all, (std::vector<std::string>{"25", "20", "15", "10", "5", "0", "-5", "-10", "-15", "-20"}));
  auto count = query("pk = :p", {{":p", S("p2")}}, {{"Select", "COUNT"}});
  EXPECT_FALSE(count.contains("Items"));
  EXPECT_EQ(count["Count"].as_int64(), 10);
  auto projected =
      query("pk = :p", {{":p", S("p2")}}, {{"ProjectionExpression", "sk"}, {"Limit", 1}});
  EXPECT_EQ(s(projected["Items"]), R"([{"sk":{"N":"-20"}}])");
}

TEST_F(DynamoDbQueryTest, ScanWholeTableAndSegments) {
  auto all = call("Scan", {{"TableName", "events"}});
  EXPECT_EQ(all["Count"].as_int64(), 30);
  std::set<std::string> seen;
  for (int seg = 0; seg < 4; ++seg) {
    json::object start;
    for (;;) {
      json::object in{
          {"TableName", "events"}, {"Segment", seg}, {"TotalSegments", 4}, {"Limit", 4}};
      if (!start.empty()) in["ExclusiveStartKey"] = start;
      auto page = call("Scan", in);
      for (const auto& i : page["Items"].as_array()) {
        EXPECT_TRUE(seen.insert(s(i.at("pk")) + s(i.at("sk"))).second);
      }
      if (!page.contains("LastEvaluatedKey")) break;
      start = page["LastEvaluatedKey"].as_object();
    }
  }
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(error_message("Scan", {{"TableName", "events"}, {"Segment", 4}, {"TotalSegments", 4}},
                          "ValidationException"),
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
            "Segment: 4 is out of bounds of TotalSegments: 4");
  auto filtered = call("Scan", {{"TableName", "events"},
                                {"FilterExpression", "sk > :z"},
                                {"ExpressionAttributeValues", json::object{{":z", N("0")}}}});
  EXPECT_EQ(filtered["Count"].as_int64(), 15);
  EXPECT_EQ(filtered["ScannedCount"].as_int64(), 30);
}

TEST_F(DynamoDbQueryTest, BatchWriteAndGet) {
  json::array writes;
  for (int i = 0; i < 20; ++i) {
    writes.push_back(json::object{
        {"PutRequest",
         json::object{{"Item", json::object{{"pk", S("b")}, {"sk", N(std::to_string(i))}}}}}});
  }
  writes.push_back(json::object{
      {"DeleteRequest", json::object{{"Key", json::object{{"pk", S("p0")}, {"sk", N("0")}}}}}});
  auto out = call("BatchWriteItem", {{"RequestItems", json::object{{"events", writes}}}});
  EXPECT_EQ(s(out["UnprocessedItems"]), "{}");
  EXPECT_EQ(query("pk = :p", {{":p", S("b")}})["Count"].as_int64(), 20);

  json::array keys{json::object{{"pk", S("b")}, {"sk", N("3")}},
                   json::object{{"pk", S("p0")}, {"sk", N("0")}},
                   json::object{{"pk", S("p0")}, {"sk", N("5")}}};
  auto got = call("BatchGetItem",
                  {{"RequestItems", json::object{{"events", json::object{{"Keys", keys}}}}}});
  EXPECT_EQ(got["Responses"].at("events").as_array().size(), 2u);
  EXPECT_EQ(s(got["UnprocessedKeys"]), "{}");

  auto dup = keys;
  dup.push_back(keys[0]);
  EXPECT_EQ(error_message("BatchGetItem",
                          {{"RequestItems", json::object{{"events", json::object{{"Keys", dup}}}}}},
                          "ValidationException"),
            "Provided list of item keys contains duplicates");
  writes.insert(writes.end(), 5, writes[0]);
  EXPECT_EQ(error_message("BatchWriteItem", {{"RequestItems", json::object{{"events", writes}}}},
                          "ValidationException"),
            "Provided list of item keys contains duplicates");
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing
