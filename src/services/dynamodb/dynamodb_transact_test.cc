// Transactions: all or nothing, cancellation reasons, isolation under
// concurrency, ClientRequestToken idempotency.
#include <future>

#include "services/dynamodb/test_helpers.h"

namespace nimbus::services::dynamodb::testing {
namespace {

class DynamoDbTransactTest : public DynamoDbTest {
 protected:
  void SetUp() override {
    DynamoDbTest::SetUp();
    create_table("accounts", "pk");
    for (const char* id : {"a", "b"}) {
      call("PutItem", {{"TableName", "accounts"},
                       {"Item", json::object{{"pk", S(id)}, {"balance", N("100")}}}});
    }
  }
  std::string balance(const std::string& id) {
    auto item = call("GetItem", {{"TableName", "accounts"}, {"Key", json::object{{"pk", S(id)}}}});
    return item.contains("Item") ? s(item["Item"].at("balance").at("N")) : "(none)";
  }
  static json::object transfer(const std::string& from, const std::string& to,
                               const std::string& amount) {
    auto update = [&](const std::string& id, const std::string& expr, bool check) {
      json::object u{{"TableName", "accounts"},
                     {"Key", json::object{{"pk", S(id)}}},
                     {"UpdateExpression", expr},
                     {"ExpressionAttributeValues", json::object{{":x", N(amount)}}}};
      if (check) u["ConditionExpression"] = "balance >= :x";
      return json::object{{"Update", std::move(u)}};
    };
    return {{"TransactItems", json::array{update(from, "SET balance = balance - :x", true),
                                          update(to, "SET balance = balance + :x", false)}}};
  }
};

TEST_F(DynamoDbTransactTest, AllOrNothing) {
  call("TransactWriteItems", transfer("a", "b", "30"));
  EXPECT_EQ(balance("a"), "70");
  EXPECT_EQ(balance("b"), "130");

  auto out = try_call("TransactWriteItems", transfer("a", "b", "80"));
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "TransactionCanceledException");
  EXPECT_EQ(out.error().message,
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            "[ConditionalCheckFailed, None]");
  ASSERT_NE(out.error().field("CancellationReasons"), nullptr);
  EXPECT_EQ(*out.error().field("CancellationReasons"),
            R"([{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},)"
            R"({"Code":"None"}])");
  EXPECT_EQ(balance("a"), "70");
  EXPECT_EQ(balance("b"), "130");

  json::array mixed{
      json::object{{"Put", json::object{{"TableName", "accounts"},
                                        {"Item", json::object{{"pk", S("c")}, {"balance", N("1")}}},
                                        {"ConditionExpression", "attribute_not_exists(pk)"}}}},
      json::object{{"Delete", json::object{{"TableName", "accounts"},
                                           {"Key", json::object{{"pk", S("b")}}}}}},
      json::object{{"ConditionCheck",
                    json::object{{"TableName", "accounts"},
                                 {"Key", json::object{{"pk", S("a")}}},
                                 {"ConditionExpression", "balance = :v"},
                                 {"ExpressionAttributeValues", json::object{{":v", N("70")}}}}}}};
  call("TransactWriteItems", {{"TransactItems", mixed}});
  EXPECT_EQ(balance("c"), "1");
  EXPECT_EQ(balance("b"), "(none)");
  EXPECT_EQ(call("DescribeTable", {{"TableName", "accounts"}})["Table"].at("ItemCount").as_int64(),
            2);

  auto got = call(
      "TransactGetItems",
      {{"TransactItems",
        json::array{json::object{{"Get", json::object{{"TableName", "accounts"},
                                                      {"Key", json::object{{"pk", S("a")}}}}}},
                    json::object{{"Get", json::object{{"TableName", "accounts"},
                                                      {"Key", json::object{{"pk", S("b")}}}}}}}}});
  EXPECT_EQ(s(got["Responses"]), R"([{"Item":{"pk":{"S":"a"},"balance":{"N":"70"}}},{}])");
}

TEST_F(DynamoDbTransactTest, Validation) {
  auto in = transfer("a", "a", "1");
  EXPECT_EQ(error_message("TransactWriteItems", in, "ValidationException"),
            "Transaction request cannot include multiple operations on one item");
  json::array two_kinds{json::object{
      {"Put", json::object{{"TableName", "accounts"}, {"Item", json::object{{"pk", S("z")}}}}},
      {"Delete", json::object{{"TableName", "accounts"}, {"Key", json::object{{"pk", S("z")}}}}}}};
  EXPECT_EQ(
      error_message("TransactWriteItems", {{"TransactItems", two_kinds}}, "ValidationException"),
      "TransactItems can only contain one of Check, Put, Update or Delete");
  json::array missing{json::object{
      {"Put", json::object{{"TableName", "nope"}, {"Item", json::object{{"pk", S("z")}}}}}}};
  expect_error("TransactWriteItems", {{"TransactItems", missing}}, "ResourceNotFoundException");
}

TEST_F(DynamoDbTransactTest, ConcurrentTransfersConserveTheTotal) {
  std::vector<std::future<Output>> calls;
  for (int i = 0; i < 40; ++i) {
    calls.push_back(call_async("TransactWriteItems",
                               i % 2 ? transfer("a", "b", "7") : transfer("b", "a", "3")));
  }
  int ok = 0;
  for (auto& f : calls) {
    auto out = f.get();
    if (out.is_ok()) {
      ++ok;
    } else {
      EXPECT_EQ(out.error().code, "TransactionCanceledException");
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_EQ(std::stoi(balance("a")) + std::stoi(balance("b")), 200);
  EXPECT_GE(std::stoi(balance("a")), 0);
  EXPECT_GE(std::stoi(balance("b")), 0);
}

TEST_F(DynamoDbTransactTest, ClientRequestTokenIsIdempotentForTenMinutes) {
  auto in = transfer("a", "b", "10");
  in["ClientRequestToken"] = "tok-1";
  call("TransactWriteItems", in);
  call("TransactWriteItems", in);
  EXPECT_EQ(balance("a"), "90");
  auto other = transfer("a", "b", "20");
  other["ClientRequestToken"] = "tok-1";
  expect_error("TransactWriteItems", other, "IdempotentParameterMismatchException");
  clock.advance(std::chrono::minutes(11));
  call("TransactWriteItems", in);
  EXPECT_EQ(balance("a"), "80");
}

TEST_F(DynamoDbTransactTest, ClientRequestTokenSurvivesARestartAndIsSwept) {
  auto in = transfer("a", "b", "10");
  in["ClientRequestToken"] = "tok-2";
  call("TransactWriteItems", in);
  // A token of a transaction that only checks is remembered too.
  json::object check{
      {"TransactItems",
       json::array{json::object{
           {"ConditionCheck", json::object{{"TableName", "accounts"},
                                           {"Key", json::object{{"pk", S("a")}}},
                                           {"ConditionExpression", "attribute_exists(pk)"}}}}}},
      {"ClientRequestToken", "tok-3"}};
  call("TransactWriteItems", check);
  reopen();
  call("TransactWriteItems", in);
  EXPECT_EQ(balance("a"), "90");
  auto other = transfer("a", "b", "20");
  other["ClientRequestToken"] = "tok-3";
  expect_error("TransactWriteItems", other, "IdempotentParameterMismatchException");
  clock.advance(std::chrono::minutes(9));
  call("TransactWriteItems", in);
  EXPECT_EQ(balance("a"), "90");
  clock.advance(std::chrono::minutes(2));
  call("TransactWriteItems", in);
  EXPECT_EQ(balance("a"), "80");
  // The sweeps forget expired tokens (the one just used again stays).
  auto tokens = [this] {
    size_t n = 0;
    EXPECT_TRUE(storage->records("dynamodb.tokens").each("", [&n](storage::Entry&) { ++n; }));
    return n;
  };
  // A sweep runs every 30 s of the clock, rescheduled by the worker that
  // ran the last one, so the clock has to move for the next.
  EXPECT_TRUE(advance_until([&] { return tokens() == 1; }, std::chrono::seconds(30), 12));
  EXPECT_TRUE(advance_until([&] { return tokens() == 0; }, std::chrono::minutes(1), 12));
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing
