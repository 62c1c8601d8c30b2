// Items: writes, reads, conditions, updates, return values, stats, restart,
// and concurrent conditional updates on one item.
#include <future>

#include "services/dynamodb/expiry.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/test_helpers.h"

namespace nimbus::services::dynamodb::testing {
namespace {

class DynamoDbItemsTest : public DynamoDbTest {
 protected:
  void SetUp() override {
    DynamoDbTest::SetUp();
    create_table("items", "pk");
  }
  json::object get(const std::string& pk, const std::string& table = "items") {
    return call("GetItem", {{"TableName", table}, {"Key", json::object{{"pk", S(pk)}}}});
  }
};

TEST_F(DynamoDbItemsTest, PutGetEveryTypeAndCanonicalNumbers) {
  json::object item{{"pk", S("a")},
                    {"n", N("001.500")},
                    {"b", json::object{{"B", std::string("\x01\xff\x00z", 4)}}},
                    {"ss", json::object{{"SS", json::array{"x", "y"}}}},
                    {"ns", json::object{{"NS", json::array{"1", "2.0"}}}},
                    {"m", json::object{{"M", json::object{{"inner", S("")}}}}},
                    {"l", json::object{{"L", json::array{N("1"), json::object{{"NULL", true}}}}}},
                    {"t", json::object{{"BOOL", true}}}};
  EXPECT_EQ(s(call("PutItem", {{"TableName", "items"}, {"Item", item}})), "{}");
  auto got = get("a")["Item"].as_object();
  EXPECT_EQ(s(got["n"]), R"({"N":"1.5"})");
  EXPECT_EQ(got["b"].at("B").as_string(), std::string("\x01\xff\x00z", 4));
  EXPECT_EQ(s(got["m"]), R"({"M":{"inner":{"S":""}}})");
  EXPECT_EQ(s(get("missing")), "{}");
}

// GetItem written as awsJson text answers an item without binary values as
// its stored text: the body is byte for byte the one the decoded item gives
// (every other type, numbers, nested maps and lists, empty strings, escapes,
// with ConsumedCapacity). Binary values (stored raw, sent as base64), a
// projection, or an output read as a value take the decoded item.
TEST_F(DynamoDbItemsTest, GetItemAsStoredTextIsTheDecodedItemsBody) {
  auto answer = [&](json::object in, bool json_text) {
    return wire_answer("GetItem", std::move(in), json_text);
  };
  json::object text{
      {"pk", S("text")},
      {"s", S(std::string("q\"\\\n\x01\x1f\xc3\xa9/\t", 11))},
      {"empty", S("")},
      {"n", N("-12.5")},
      {"big", N("12345678901234567890123456789012345678")},
      {"ss", json::object{{"SS", json::array{"x", ""}}}},
      {"ns", json::object{{"NS", json::array{"1", "0.25"}}}},
      {"m", json::object{{"M", json::object{{"inner", S("")},
                                            {"deep", json::object{{"M", json::object{}}}},
                                            {"l", json::object{{"L", json::array{}}}}}}}},
      {"l", json::object{{"L", json::array{N("1"), json::object{{"NULL", true}},
                                           json::object{{"BOOL", false}},
                                           json::object{{"L", json::array{S("x")}}}}}}},
      {"na\"me \xc3\xa9", json::object{{"BOOL", true}}}};
  json::object binary{{"pk", S("binary")},
                      {"b", json::object{{"B", std::string("\x01\xff\x00\"z", 5)}}},
                      {"bs", json::object{{"BS", json::array{"", std::string("\xfe", 1)}}}},
                      {"m", json::object{{"M", json::object{{"b", json::object{{"B", "x"}}}}}}}};
  // An attribute named B: taken for a binary value, decoded; same answer.
  json::object named_b{{"pk", S("named")}, {"B", S("v")}};
  for (const auto& item : {text, binary, named_b}) {
    call("PutItem", {{"TableName", "items"}, {"Item", item}});
    std::string pk(item.at("pk").at("S").as_string());
    json::object key{{"pk", S(pk)}};
    struct Case {
      json::object in;
      bool as_text;  // answered as the stored text
    };
    bool plain = pk == "text";
    for (const auto& c :
         {Case{{{"TableName", "items"}, {"Key", key}}, plain},
          Case{{{"TableName", "items"}, {"Key", key}, {"ReturnConsumedCapacity", "TOTAL"}}, plain},
          Case{{{"TableName", "items"}, {"Key", key}, {"ProjectionExpression", "pk"}}, false}}) {
      auto as_value = answer(c.in, false);
      auto as_text = answer(c.in, true);
      EXPECT_FALSE(as_value.fragments);
      EXPECT_EQ(as_text.fragments, c.as_text) << pk << " " << json::serialize(c.in);
      EXPECT_EQ(as_text.body, as_value.body) << pk << " " << json::serialize(c.in);
    }
    // What a client reads back is the item it wrote (blobs in base64).
    auto body = json::parse(answer({{"TableName", "items"}, {"Key", key}}, true).body);
    if (plain) EXPECT_EQ(body.at("Item"), json::value(item));
  }
  EXPECT_EQ(answer({{"TableName", "items"}, {"Key", json::object{{"pk", S("none")}}}}, true).body,
            "{}");
}

TEST_F(DynamoDbItemsTest, KeyValidation) {
  EXPECT_EQ(
      error_message("PutItem", {{"TableName", "items"}, {"Item", json::object{{"x", S("a")}}}},
                    "ValidationException"),
      "One or more parameter values were invalid: Missing the key pk in the item");
  EXPECT_EQ(
      error_message("PutItem", {{"TableName", "items"}, {"Item", json::object{{"pk", N("1")}}}},
                    "ValidationException"),
      "One or more parameter values were invalid: Type mismatch for key pk expected: S "
      "actual: N");
  EXPECT_EQ(
      error_message("GetItem",
                    {{"TableName", "items"}, {"Key", json::object{{"pk", S("a")}, {"x", S("b")}}}},
                    "ValidationException"),
      "The provided key element does not match the schema");
  EXPECT_EQ(
      error_message("PutItem", {{"TableName", "nope"}, {"Item", json::object{{"pk", S("a")}}}},
                    "ResourceNotFoundException"),
      "Requested resource not found");
  std::string big(400 * 1024, 'x');
  EXPECT_EQ(
      error_message("PutItem",
                    {{"TableName", "items"}, {"Item", json::object{{"pk", S("a")}, {"v", S(big)}}}},
                    "ValidationException"),
      "Item size has exceeded the maximum allowed size");
  EXPECT_EQ(s(get("a")), "{}");
}

TEST_F(DynamoDbItemsTest, ConditionalWritesAndReturnValues) {
  json::object put{{"TableName", "items"},
                   {"Item", json::object{{"pk", S("a")}, {"v", N("1")}}},
                   {"ConditionExpression", "attribute_not_exists(pk)"}};
  call("PutItem", put);
  put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD";
  auto out = try_call("PutItem", put);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "ConditionalCheckFailedException");
  EXPECT_EQ(out.error().message, "The conditional request failed");
  ASSERT_NE(out.error().field("Item"), nullptr);
  EXPECT_EQ(*out.error().field("Item"), R"({"pk":{"S":"a"},"v":{"N":"1"}})");

  auto old = call("PutItem", {{"TableName", "items"},
                              {"Item", json::object{{"pk", S("a")}, {"v", N("2")}}},
                              {"ReturnValues", "ALL_OLD"}});
  EXPECT_EQ(s(old["Attributes"]), R"({"pk":{"S":"a"},"v":{"N":"1"}})");
  EXPECT_EQ(error_message("PutItem",
                          {{"TableName", "items"},
                           {"Item", json::object{{"pk", S("a")}}},
                           {"ReturnValues", "ALL_NEW"}},
                          "ValidationException"),
            "ReturnValues can only be ALL_OLD or NONE");

  expect_error("DeleteItem",
               {{"TableName", "items"},
                {"Key", json::object{{"pk", S("a")}}},
                {"ConditionExpression", "v = :one"},
                {"ExpressionAttributeValues", json::object{{":one", N("1")}}}},
               "ConditionalCheckFailedException");
  auto deleted = call(
      "DeleteItem",
      {{"TableName", "items"}, {"Key", json::object{{"pk", S("a")}}}, {"ReturnValues", "ALL_OLD"}});
  EXPECT_EQ(s(deleted["Attributes"].at("v")), R"({"N":"2"})");
  EXPECT_EQ(s(get("a")), "{}");
}

TEST_F(DynamoDbItemsTest, UpdateItem) {
  auto out =
      call("UpdateItem",
           {{"TableName", "items"},
            {"Key", json::object{{"pk", S("c")}}},
            {"UpdateExpression", "SET #n = :a ADD tally :x"},
            {"ExpressionAttributeNames", json::object{{"#n", "name"}}},
            {"ExpressionAttributeValues", json::object{{":a", S("first")}, {":x", N("0.1")}}},
            {"ReturnValues", "ALL_NEW"}});
  EXPECT_EQ(s(out["Attributes"]), R"({"pk":{"S":"c"},"name":{"S":"first"},"tally":{"N":"0.1"}})");
  out = call("UpdateItem", {{"TableName", "items"},
                            {"Key", json::object{{"pk", S("c")}}},
                            {"UpdateExpression", "ADD tally :x REMOVE #n"},
                            {"ExpressionAttributeNames", json::object{{"#n", "name"}}},
                            {"ExpressionAttributeValues", json::object{{":x", N("0.2")}}},
                            {"ReturnValues", "UPDATED_NEW"}});
  EXPECT_EQ(s(out["Attributes"]), R"({"tally":{"N":"0.3"}})");
  EXPECT_EQ(s(get("c")["Item"]), R"({"pk":{"S":"c"},"tally":{"N":"0.3"}})");
  EXPECT_EQ(error_message("UpdateItem",
                          {{"TableName", "items"},
                           {"Key", json::object{{"pk", S("c")}}},
                           {"UpdateExpression", "SET pk = :v"},
                           {"ExpressionAttributeValues", json::object{{":v", S("d")}}}},
                          "ValidationException"),
            "One or more parameter values were invalid: Cannot update attribute pk. This "
            "attribute is part of the key");
  expect_error("UpdateItem",
               {{"TableName", "items"},
                {"Key", json::object{{"pk", S("c")}}},
                {"UpdateExpression", "SET v = :v"},
                {"ConditionExpression", "attribute_not_exists(pk)"},
                {"ExpressionAttributeValues", json::object{{":v", S("d")}}}},
               "ConditionalCheckFailedException");
}

TEST_F(DynamoDbItemsTest, StatsAndItemsSurviveRestart) {
  for (int i = 0; i < 5; ++i) {
    call("PutItem", {{"TableName", "items"},
                     {"Item", json::object{{"pk", S("k" + std::to_string(i))}, {"v", S("abc")}}}});
  }
  call("DeleteItem", {{"TableName", "items"}, {"Key", json::object{{"pk", S("k0")}}}});
  auto table = call("DescribeTable", {{"TableName", "items"}})["Table"].as_object();
  EXPECT_EQ(table["ItemCount"].as_int64(), 4);
  EXPECT_EQ(table["TableSizeBytes"].as_int64(), 4 * (2 + 2 + 1 + 3));
  reopen();
  table = call("DescribeTable", {{"TableName", "items"}})["Table"].as_object();
  EXPECT_EQ(table["ItemCount"].as_int64(), 4);
  EXPECT_EQ(s(get("k3")["Item"].at("v")), R"({"S":"abc"})");
  // A table of the same name after a delete starts empty.
  call("DeleteTable", {{"TableName", "items"}});
  create_table("items", "pk");
  EXPECT_EQ(s(get("k3")), "{}");
}

TEST_F(DynamoDbItemsTest, ConcurrentConditionalIncrementsLoseNothing) {
  call("PutItem",
       {{"TableName", "items"}, {"Item", json::object{{"pk", S("ctr")}, {"n", N("0")}}}});
  std::vector<std::future<Output>> calls;
  for (int i = 0; i < 64; ++i) {
    calls.push_back(
        call_async("UpdateItem", {{"TableName", "items"},
                                  {"Key", json::object{{"pk", S("ctr")}}},
                                  {"UpdateExpression", "SET n = n + :one"},
                                  {"ConditionExpression", "attribute_exists(n)"},
                                  {"ExpressionAttributeValues", json::object{{":one", N("1")}}}}));
  }
  for (auto& f : calls) EXPECT_TRUE(f.get().is_ok());
  EXPECT_EQ(s(get("ctr")["Item"].at("n")), R"({"N":"64"})");
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing

namespace nimbus::services::dynamodb::testing {
namespace {

TEST_F(DynamoDbTest, TimeToLiveDeletesExpiredItemsInTheBackground) {
  create_table("sessions", "pk");
  call("UpdateTimeToLive",
       {{"TableName", "sessions"},
        {"TimeToLiveSpecification", json::object{{"Enabled", true}, {"AttributeName", "exp"}}}});
  int64_t now = clock.now_millis() / 1000;
  auto put = [&](const std::string& pk, json::object exp) {
    call("PutItem",
         {{"TableName", "sessions"}, {"Item", json::object{{"pk", {{"S", pk}}}, {"exp", exp}}}});
  };
  put("old", {{"N", std::to_string(now - 10)}});
  put("later", {{"N", std::to_string(now + 100)}});
  put("text", {{"S", std::to_string(now - 10)}});                        // not a number: kept
  put("ancient", {{"N", std::to_string(now - 6LL * 365 * 24 * 3600)}});  // > 5 years: kept
  auto count = [&] { return call("Scan", {{"TableName", "sessions"}})["Count"].as_int64(); };
  EXPECT_EQ(count(), 4);
  EXPECT_TRUE(advance_until([&] { return count() == 3; }, std::chrono::seconds(10)));
  auto left =
      call("GetItem", {{"TableName", "sessions"}, {"Key", json::object{{"pk", {{"S", "old"}}}}}});
  EXPECT_FALSE(left.contains("Item"));
  EXPECT_TRUE(advance_until([&] { return count() == 2; }, std::chrono::seconds(30)));
  EXPECT_EQ(call("DescribeTable", {{"TableName", "sessions"}})["Table"].at("ItemCount").as_int64(),
            2);
}

TEST_F(DynamoDbTest, TimeToLiveSweepReadsOnlyWhatIsDue) {
  create_table("cache", "pk");
  int64_t now = clock.now_millis() / 1000;
  auto put = [&](const std::string& pk, const std::string& exp) {
    json::object item{{"pk", S(pk)}};
    if (!exp.empty()) item["exp"] = N(exp);
    call("PutItem", {{"TableName", "cache"}, {"Item", std::move(item)}});
  };
  for (int i = 0; i < 300; ++i) put("keep" + std::to_string(i), std::to_string(now + 3600));
  for (int i = 0; i < 50; ++i) put("plain" + std::to_string(i), "");
  auto ttl = [&](bool on) {
    call("UpdateTimeToLive",
         {{"TableName", "cache"},
          {"TimeToLiveSpecification", json::object{{"Enabled", on}, {"AttributeName", "exp"}}}});
  };
  auto entries = [&] {
    auto all = storage->records(ns::kExpiry).scan("", 100000, "");
    return all ? all->size() : size_t{0};
  };
  auto gone = [&](const std::string& pk) {
    return !call("GetItem", {{"TableName", "cache"}, {"Key", json::object{{"pk", S(pk)}}}})
                .contains("Item");
  };
  // Enabled on a table with items: the index is rebuilt from them; until it
  // is complete a sweep reads every item, then only what is due (nothing).
  ttl(true);
  ASSERT_TRUE(eventually([&] { return entries() == 300u; }));
  ASSERT_TRUE(eventually([&] { return svc->sweep_ttl() == 0u; }));

  // Every write keeps it: an update makes one item due, a delete drops an
  // entry, new items due now and in a fraction of a second add theirs.
  call("UpdateItem",
       {{"TableName", "cache"},
        {"Key", json::object{{"pk", S("keep0")}}},
        {"UpdateExpression", "SET exp = :e"},
        {"ExpressionAttributeValues", json::object{{":e", N(std::to_string(now - 1))}}}});
  call("DeleteItem", {{"TableName", "cache"}, {"Key", json::object{{"pk", S("keep1")}}}});
  put("old", std::to_string(now - 10));
  put("frac", std::to_string(now) + ".5");
  EXPECT_EQ(entries(), 301u);
  EXPECT_EQ(svc->sweep_ttl(), 2u);  // keep0 and old, not the 349 others
  ASSERT_TRUE(eventually([&] { return gone("keep0") && gone("old") && entries() == 299u; }));
  EXPECT_FALSE(gone("frac"));  // expires at now + 0.5: due from the next second
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(svc->sweep_ttl(), 1u);
  ASSERT_TRUE(eventually([&] { return gone("frac"); }));
  EXPECT_EQ(call("DescribeTable", {{"TableName", "cache"}})["Table"].at("ItemCount").as_int64(),
            348);

  // Disabled: the next sweep drops the entries; enabled again, a new
  // generation is rebuilt, also across a restart.
  ttl(false);
  svc->sweep_ttl();
  ASSERT_TRUE(eventually([&] { return entries() == 0u; }));
  clock.advance(std::chrono::seconds(1));
  ttl(true);
  reopen();
  ASSERT_TRUE(eventually([&] { return entries() == 298u; }));
  ASSERT_TRUE(eventually([&] { return svc->sweep_ttl() == 0u; }));
}

// An item's storage key lies in its collection's range (Query reads that
// range), for string and number keys, with and without a sort key.
TEST(DynamoDbItemKeys, ItemKeyIsTheSortKeyInItsCollection) {
  TableDef t;
  t.num = 7;
  t.key.hash = {"pk", "S"};
  json::object hash_only{{"pk", json::object{{"S", "user#1"}}}};
  EXPECT_EQ(item_key(t, hash_only), collection_prefix(t, hash_only.at("pk")));
  t.key.range = KeyAttr{"sk", "N"};
  for (const char* n : {"0", "12.5", "-3", "1E+10"}) {
    json::object attrs{{"pk", json::object{{"S", "user#1"}}}, {"sk", json::object{{"N", n}}}};
    std::string collection = collection_prefix(t, attrs.at("pk"));
    EXPECT_EQ(item_key(t, attrs), sort_key_in(collection, attrs.at("sk"))) << n;
    EXPECT_TRUE(item_key(t, attrs).starts_with(collection)) << n;
  }
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing
