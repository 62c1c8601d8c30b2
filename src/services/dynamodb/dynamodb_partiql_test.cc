// ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.
#include "services/dynamodb/test_helpers.h"

namespace nimbus::services::dynamodb::testing {
namespace {

class DynamoDbPartiqlTest : public DynamoDbTest {
 protected:
  void SetUp() override {
    DynamoDbTest::SetUp();
    create_table("songs", "pk", "sk");
    for (int p = 0; p < 2; ++p) {
      for (int i = 0; i < 5; ++i) {
        run("INSERT INTO \"songs\" VALUE {'pk': 'p" + std::to_string(p) +
            "', 'sk': " + std::to_string(i) + ", 'plays': " + std::to_string(i * 10) + "}");
      }
    }
  }
  json::object run(const std::string& statement, json::array parameters = {},
                   json::object extra = {}) {
    json::object in{{"Statement", statement}};
    if (!parameters.empty()) in["Parameters"] = std::move(parameters);
    for (auto& [k, v] : extra) in[k] = v;
    return call("ExecuteStatement", std::move(in));
  }
  std::string fails(const std::string& statement, const std::string& code,
                    json::array parameters = {}, const std::string& next_token = "") {
    json::object in{{"Statement", statement}};
    if (!next_token.empty()) in["NextToken"] = next_token;
    if (!parameters.empty()) in["Parameters"] = std::move(parameters);
    return error_message("ExecuteStatement", std::move(in), code);
  }
  static std::vector<std::string> sks(const json::object& out) {
    std::vector<std::string> r;
    for (const auto& i : out.at("Items").as_array()) {
      r.push_back(std::string(i.at("sk").at("N").as_string()));
    }
    return r;
  }
  json::object get(const std::string& pk, int sk) {
    return call("GetItem",
                {{"TableName", "songs"},
                 {"Key", json::object{{"pk", json::object{{"S", pk}}},
                                      {"sk", json::object{{"N", std::to_string(sk)}}}}}});
  }
};

TEST_F(DynamoDbPartiqlTest, SelectQueriesAPartitionInSortOrderWithFilters) {
  EXPECT_EQ(sks(run(R"(SELECT * FROM "songs" WHERE pk = 'p1')")),
            (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(sks(run(R"(SELECT * FROM "songs" WHERE pk = ? AND sk > 1 AND plays <> 30
                      ORDER BY sk DESC)",
                    json::array{json::object{{"S", "p0"}}})),
            (std::vector<std::string>{"4", "2"}));
  auto projected = run(R"(SELECT plays FROM "songs" WHERE pk = 'p0' AND sk = 2)");
  EXPECT_EQ(json::serialize(projected.at("Items")), R"([{"plays":{"N":"20"}}])");
}

TEST_F(DynamoDbPartiqlTest, SelectReadsAGlobalOrLocalIndex) {
  auto in = table_input("albums", "pk", "sk");
  auto& defs = in["AttributeDefinitions"].as_array();
  defs.push_back(json::object{{"AttributeName", "artist"}, {"AttributeType", "S"}});
  defs.push_back(json::object{{"AttributeName", "year"}, {"AttributeType", "N"}});
  auto key = [](const std::string& hash, const std::string& range) {
    return json::array{json::object{{"AttributeName", hash}, {"KeyType", "HASH"}},
                       json::object{{"AttributeName", range}, {"KeyType", "RANGE"}}};
  };
  in["GlobalSecondaryIndexes"] =
      json::array{json::object{{"IndexName", "by_artist"},
                               {"KeySchema", key("artist", "year")},
                               {"Projection", json::object{{"ProjectionType", "KEYS_ONLY"}}}}};
  in["LocalSecondaryIndexes"] =
      json::array{json::object{{"IndexName", "by_year"},
                               {"KeySchema", key("pk", "year")},
                               {"Projection", json::object{{"ProjectionType", "KEYS_ONLY"}}}}};
  call("CreateTable", std::move(in));
  for (int i = 0; i < 6; ++i) {
    std::string artist = i % 2 ? "'ann'" : "'bob'";
    run("INSERT INTO \"albums\" VALUE {'pk': 'p', 'sk': " + std::to_string(i) +
        ", 'artist': " + artist + ", 'year': " + std::to_string(2010 - i) + ", 'title': 't" +
        std::to_string(i) + "'}");
  }
  run("INSERT INTO \"albums\" VALUE {'pk': 'q', 'sk': 9}");  // in neither index's key: sparse
  // A GSI query in index order, with what the index projects.
  auto out = run(R"(SELECT * FROM "albums"."by_artist" WHERE artist = 'ann' AND year < 2009)");
  EXPECT_EQ(sks(out), (std::vector<std::string>{"5", "3"}));
  EXPECT_FALSE(out.at("Items").at(0).as_object().contains("title"));
  EXPECT_EQ(sks(run(R"(SELECT * FROM "albums"."by_artist" WHERE artist = 'bob'
                      ORDER BY year DESC)")),
            (std::vector<std::string>{"0", "2", "4"}));
  // A scan of the index: its entries only, paged by NextToken.
  out = run(R"(SELECT * FROM "albums"."by_artist")", {}, {{"Limit", 4}});
  ASSERT_EQ(out.at("Items").as_array().size(), 4u);
  ASSERT_TRUE(out.contains("NextToken"));
  EXPECT_TRUE(out.at("LastEvaluatedKey").as_object().contains("artist"));
  auto rest =
      run(R"(SELECT * FROM "albums"."by_artist")", {}, {{"NextToken", out.at("NextToken")}});
  EXPECT_EQ(rest.at("Items").as_array().size(), 2u);
  // An LSI query: the items come from the table with every attribute.
  out = run(R"(SELECT * FROM "albums"."by_year" WHERE pk = 'p' AND year >= 2008)");
  EXPECT_EQ(sks(out), (std::vector<std::string>{"2", "1", "0"}));
  EXPECT_EQ(out.at("Items").at(0).at("title"), json::value(S("t2")));
  out = run(R"(SELECT title FROM "albums"."by_year" WHERE pk = 'p' AND year = 2005)", {},
            {{"ReturnConsumedCapacity", "INDEXES"}});
  EXPECT_EQ(json::serialize(out.at("Items")), R"([{"title":{"S":"t5"}}])");
  EXPECT_TRUE(out.at("ConsumedCapacity").as_object().contains("LocalSecondaryIndexes"));
  // An LSI may be read strongly consistent.
  EXPECT_EQ(sks(run(R"(SELECT * FROM "albums"."by_year" WHERE pk = 'p' AND year = 2005)", {},
                    {{"ConsistentRead", true}})),
            (std::vector<std::string>{"5"}));

  EXPECT_EQ(fails(R"(SELECT * FROM "albums"."nope" WHERE artist = 'ann')", "ValidationException"),
            "The table does not have the specified index");
  EXPECT_EQ(error_message(
                "ExecuteStatement",
                {{"Statement", R"(SELECT * FROM "albums"."by_artist")"}, {"ConsistentRead", true}},
                "ValidationException"),
            "Strongly consistent read is not supported on Global Secondary Indexes");
  EXPECT_EQ(fails(R"(SELECT * FROM "albums"."by_artist" WHERE artist = 'ann' ORDER BY sk)",
                  "ValidationException"),
            "Variable reference sk in ORDER BY clause must be part of the primary key");
}

TEST_F(DynamoDbPartiqlTest, SelectWithoutThePartitionKeyScansAndPages) {
  EXPECT_EQ(run(R"(SELECT * FROM "songs" WHERE plays >= 30)").at("Items").as_array().size(), 4u);
  // Limit pages before the filter, NextToken goes on where the page stopped.
  size_t seen = 0;
  std::string token;
  int pages = 0;
  do {
    json::object extra{{"Limit", 3}};
    if (!token.empty()) extra["NextToken"] = token;
    auto out = run(R"(SELECT * FROM "songs")", {}, extra);
    seen += out.at("Items").as_array().size();
    token = out.contains("NextToken") ? std::string(out.at("NextToken").as_string()) : "";
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen, 10u);
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(fails(R"(SELECT * FROM "songs")", "ValidationException", {}, "bad"),
            "Invalid NextToken");
}

TEST_F(DynamoDbPartiqlTest, InsertRefusesAnExistingKey) {
  EXPECT_EQ(fails(R"(INSERT INTO "songs" VALUE {'pk': 'p0', 'sk': 1})", "DuplicateItemException"),
            "Duplicate primary key exists in table");
  EXPECT_EQ(get("p0", 1).at("Item").at("plays").at("N").as_string(), "10");
  EXPECT_EQ(fails(R"(INSERT INTO "songs" VALUE {'pk': 'p9'})", "ValidationException"),
            "One or more parameter values were invalid: Missing the key sk in the item");
  EXPECT_EQ(fails(R"(INSERT INTO "nope" VALUE {'pk': 'p9'})", "ResourceNotFoundException"),
            "Requested resource not found");
}

TEST_F(DynamoDbPartiqlTest, UpdateIsConditionalOnTheWholeWhere) {
  auto out = run(R"(UPDATE "songs" SET plays = plays + 1 SET tags = <<'new'>> REMOVE gone
                    WHERE pk = 'p0' AND sk = 1 AND plays = 10 RETURNING MODIFIED NEW *)");
  EXPECT_EQ(json::serialize(out.at("Items")), R"([{"plays":{"N":"11"},"tags":{"SS":["new"]}}])");
  EXPECT_EQ(fails(R"(UPDATE "songs" SET plays = 0 WHERE pk = 'p0' AND sk = 1 AND plays = 10)",
                  "ConditionalCheckFailedException"),
            "The conditional request failed");
  EXPECT_EQ(fails(R"(UPDATE "songs" SET plays = 0 WHERE pk = 'p0' AND sk = 99)",
                  "ConditionalCheckFailedException"),
            "The conditional request failed");
  EXPECT_FALSE(get("p0", 99).contains("Item"));
  EXPECT_EQ(fails(R"(UPDATE "songs" SET plays = 0 WHERE pk = 'p0')", "ValidationException"),
            "Where clause does not contain a mandatory equality on all key attributes");
  EXPECT_EQ(fails(R"(UPDATE "songs" SET sk = 5 WHERE pk = 'p0' AND sk = 1)", "ValidationException"),
            "One or more parameter values were invalid: Cannot update attribute sk. This "
            "attribute is part of the key");
  EXPECT_EQ(get("p0", 1).at("Item").at("plays").at("N").as_string(), "11");
}

TEST_F(DynamoDbPartiqlTest, DeleteAndDurability) {
  auto out = run(R"(DELETE FROM "songs" WHERE pk = 'p1' AND sk = 4 RETURNING ALL OLD *)");
  EXPECT_EQ(out.at("Items").as_array().size(), 1u);
  EXPECT_TRUE(
      run(R"(DELETE FROM "songs" WHERE pk = 'p1' AND sk = 4)").at("Items").as_array().empty());
  EXPECT_EQ(fails(R"(DELETE FROM "songs" WHERE pk = 'p1' AND sk = 3 AND plays > 100)",
                  "ConditionalCheckFailedException"),
            "The conditional request failed");
  reopen();
  EXPECT_FALSE(get("p1", 4).contains("Item"));
  EXPECT_TRUE(get("p1", 3).contains("Item"));
  EXPECT_EQ(sks(run(R"(SELECT * FROM "songs" WHERE pk = 'p1')")),
            (std::vector<std::string>{"0", "1", "2", "3"}));
}

TEST_F(DynamoDbPartiqlTest, ParseErrorsChangeNothing) {
  EXPECT_EQ(fails(R"(UPDATE "songs" SET plays = ? WHERE pk = 'p0' AND sk = ?)",
                  "ValidationException", json::array{json::object{{"N", "1"}}}),
            "Number of parameters in request and statement don't match.");
  EXPECT_EQ(fails(R"(DELETE FROM "songs" WHERE pk = 'p0' AND)", "ValidationException"),
            "Statement wasn't well formed, can't be processed: Missing right-hand side expression "
            "of infix operator");
  EXPECT_EQ(get("p0", 0).at("Item").at("plays").at("N").as_string(), "0");
}

TEST_F(DynamoDbPartiqlTest, BatchAnswersEachStatement) {
  json::array statements{
      json::object{{"Statement", R"(SELECT * FROM "songs" WHERE pk = 'p0' AND sk = 2)"}},
      json::object{{"Statement", R"(SELECT * FROM "songs" WHERE pk = 'p0')"}},
      json::object{{"Statement", R"(INSERT INTO "songs" VALUE {'pk': 'p0', 'sk': 2})"}},
      json::object{{"Statement", R"(UPDATE "songs" SET plays = ? WHERE pk = 'p0' AND sk = 3)"},
                   {"Parameters", json::array{json::object{{"N", "7"}}}}},
      json::object{{"Statement", "SLECT * FROM \"songs\""}},
      json::object{{"Statement", R"(SELECT * FROM "missing" WHERE pk = 'p0' AND sk = 2)"}}};
  auto out = call("BatchExecuteStatement", {{"Statements", statements}});
  const auto& r = out.at("Responses").as_array();
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].at("Item").at("plays").at("N").as_string(), "20");
  EXPECT_EQ(r[0].at("TableName").as_string(), "songs");
  EXPECT_EQ(r[1].at("Error").at("Code").as_string(), "ValidationError");
  EXPECT_EQ(r[1].at("Error").at("Message").as_string(),
            "Select statements within BatchExecuteStatement must specify the primary key in the "
            "where clause.");
  EXPECT_EQ(r[2].at("Error").at("Code").as_string(), "DuplicateItem");
  EXPECT_FALSE(r[3].as_object().contains("Error"));
  EXPECT_EQ(r[4].at("Error").at("Message").as_string(),
            "Statement wasn't well formed, can't be processed: Expected data manipulation");
  EXPECT_EQ(r[5].at("Error").at("Code").as_string(), "ResourceNotFound");
  EXPECT_EQ(get("p0", 3).at("Item").at("plays").at("N").as_string(), "7");

  json::array too_many;
  for (int i = 0; i < 26; ++i) too_many.push_back(statements[0]);
  EXPECT_NE(
      error_message("BatchExecuteStatement", {{"Statements", too_many}}, "ValidationException")
          .find("Member must have length less than or equal to 25"),
      std::string::npos);
}

json::object statement(const std::string& text, json::array parameters = {}) {
  json::object s{{"Statement", text}};
  if (!parameters.empty()) s["Parameters"] = std::move(parameters);
  return s;
}

TEST_F(DynamoDbPartiqlTest, TransactionWritesAllOrNothing) {
  json::array writes{statement(R"(INSERT INTO "songs" VALUE {'pk': 'p9', 'sk': 1, 'plays': 1})"),
                     statement(R"(UPDATE "songs" SET plays = plays + ? WHERE pk = 'p0' AND sk = 1)",
                               json::array{json::object{{"N", "5"}}}),
                     statement(R"(DELETE FROM "songs" WHERE pk = 'p1' AND sk = 4)")};
  auto out = call("ExecuteTransaction", {{"TransactStatements", writes}});
  EXPECT_FALSE(out.contains("Responses"));
  EXPECT_EQ(get("p9", 1).at("Item").at("plays").at("N").as_string(), "1");
  EXPECT_EQ(get("p0", 1).at("Item").at("plays").at("N").as_string(), "15");
  EXPECT_FALSE(get("p1", 4).contains("Item"));

  // The INSERT now finds its item and the UPDATE's WHERE no longer holds:
  // nothing of the three is applied.
  json::array again{
      statement(R"(UPDATE "songs" SET plays = 0 WHERE pk = 'p0' AND sk = 2)"),
      statement(R"(INSERT INTO "songs" VALUE {'pk': 'p9', 'sk': 1, 'plays': 2})"),
      statement(R"(UPDATE "songs" SET plays = 0 WHERE pk = 'p0' AND sk = 1 AND plays = 10)"),
      statement(R"(UPDATE "songs" SET plays = 0 WHERE pk = 'nobody' AND sk = 1)")};
  auto failed = try_call("ExecuteTransaction", {{"TransactStatements", again}});
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.error().code, "TransactionCanceledException");
  EXPECT_EQ(failed.error().message,
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            "[None, DuplicateItem, ConditionalCheckFailed, ConditionalCheckFailed]");
  EXPECT_EQ(get("p0", 2).at("Item").at("plays").at("N").as_string(), "20");
  EXPECT_EQ(get("p9", 1).at("Item").at("plays").at("N").as_string(), "1");
  EXPECT_EQ(get("p0", 1).at("Item").at("plays").at("N").as_string(), "15");
  EXPECT_FALSE(get("nobody", 1).contains("Item"));
}

TEST_F(DynamoDbPartiqlTest, TransactionReadsEachItem) {
  json::array reads{
      statement(R"(SELECT plays FROM "songs" WHERE pk = 'p0' AND sk = 3)"),
      statement(R"(SELECT * FROM "songs" WHERE pk = 'p1' AND sk = 9)"),
      statement(R"(SELECT * FROM "songs" WHERE pk = 'p1' AND sk = 2 AND plays > 100)")};
  auto out = call("ExecuteTransaction", {{"TransactStatements", reads}});
  const auto& r = out.at("Responses").as_array();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(json::serialize(r[0].at("Item")), R"({"plays":{"N":"30"}})");
  EXPECT_TRUE(r[1].as_object().empty());
  EXPECT_TRUE(r[2].as_object().empty());
}

TEST_F(DynamoDbPartiqlTest, TransactionBadInputChangesNothing) {
  auto fails_with = [&](json::array statements, const std::string& code) {
    return error_message("ExecuteTransaction", {{"TransactStatements", std::move(statements)}},
                         code);
  };
  EXPECT_EQ(fails_with({statement(R"(SELECT * FROM "songs" WHERE pk = 'p0' AND sk = 1)"),
                        statement(R"(DELETE FROM "songs" WHERE pk = 'p0' AND sk = 2)")},
                       "ValidationException"),
            "A transaction must contain only read statements or only write statements");
  EXPECT_EQ(fails_with({statement(R"(DELETE FROM "songs" WHERE pk = 'p0' AND sk = 2)"),
                        statement(R"(UPDATE "songs" SET a = 1 WHERE pk = 'p0' AND sk = 2)")},
                       "ValidationException"),
            "Transaction request cannot include multiple operations on one item");
  fails_with({statement(R"(DELETE FROM "songs" WHERE pk = 'p0')")}, "ValidationException");
  fails_with({statement(R"(DELETE FROM "songs" WHERE pk = 'p0' AND sk = 2)"),
              statement(R"(DELETE FROM "missing" WHERE pk = 'p0' AND sk = 2)")},
             "ResourceNotFoundException");
  EXPECT_NE(fails_with({}, "ValidationException")
                .find("Member must have length greater than or equal to 1"),
            std::string::npos);
  json::array many;
  for (int i = 0; i < 101; ++i) {
    many.push_back(statement("DELETE FROM \"songs\" WHERE pk = 'x' AND sk = " + std::to_string(i)));
  }
  EXPECT_NE(fails_with(many, "ValidationException")
                .find("Member must have length less than or equal to 100"),
            std::string::npos);
  EXPECT_EQ(get("p0", 2).at("Item").at("plays").at("N").as_string(), "20");
}

TEST_F(DynamoDbPartiqlTest, TransactionTokenMakesItIdempotent) {
  json::array writes{
      statement(R"(UPDATE "songs" SET plays = plays + 1 WHERE pk = 'p0' AND sk = 0)")};
  json::object in{{"TransactStatements", writes}, {"ClientRequestToken", "tok-1"}};
  call("ExecuteTransaction", in);
  call("ExecuteTransaction", in);
  EXPECT_EQ(get("p0", 0).at("Item").at("plays").at("N").as_string(), "1");
  json::array other{
      statement(R"(UPDATE "songs" SET plays = plays + 2 WHERE pk = 'p0' AND sk = 0)")};
  error_message("ExecuteTransaction",
                {{"TransactStatements", other}, {"ClientRequestToken", "tok-1"}},
                "IdempotentParameterMismatchException");
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing

namespace nimbus::services::dynamodb::testing {
namespace {

TEST_F(DynamoDbPartiqlTest, ExistsIsAConditionCheckInATransaction) {
  auto bump = statement(R"(UPDATE "songs" SET plays = 99 WHERE pk = 'p1' AND sk = 0)");
  json::array ok{
      statement(R"(EXISTS(SELECT * FROM "songs" WHERE pk = 'p0' AND sk = 2 AND plays = 20))"),
      bump};
  call("ExecuteTransaction", {{"TransactStatements", ok}});
  EXPECT_EQ(get("p1", 0).at("Item").at("plays").at("N").as_string(), "99");

  // An item that does not match, one that is absent: nothing applied.
  auto reset = statement(R"(UPDATE "songs" SET plays = 1 WHERE pk = 'p1' AND sk = 0)");
  for (const char* check :
       {R"(EXISTS(SELECT * FROM "songs" WHERE pk = 'p0' AND sk = 2 AND plays > 20))",
        R"(EXISTS (SELECT * FROM "songs" WHERE pk = 'p7' AND sk = 1))"}) {
    auto failed = try_call("ExecuteTransaction",
                           {{"TransactStatements", json::array{statement(check), reset}}});
    ASSERT_FALSE(failed.is_ok()) << check;
    EXPECT_EQ(failed.error().message,
              "Transaction cancelled, please refer cancellation reasons for specific reasons "
              "[ConditionalCheckFailed, None]");
  }
  EXPECT_EQ(get("p1", 0).at("Item").at("plays").at("N").as_string(), "99");
  // Outside a transaction EXISTS is refused; a malformed one is a syntax error.
  fails(R"(EXISTS(SELECT * FROM "songs" WHERE pk = 'p0' AND sk = 2))", "ValidationException");
  fails(R"(EXISTS(SELECT * FROM "songs" WHERE pk = 'p0' AND sk = 2)", "ValidationException");
  fails(R"(EXISTS(DELETE FROM "songs" WHERE pk = 'p0' AND sk = 2))", "ValidationException");
}

TEST_F(DynamoDbPartiqlTest, BatchReportsConsumedCapacityPerTable) {
  create_table("other", "pk");
  json::array statements{
      statement(R"(SELECT * FROM "songs" WHERE pk = 'p0' AND sk = 2)"),
      json::object{{"Statement", R"(SELECT * FROM "songs" WHERE pk = 'p0' AND sk = 3)"},
                   {"ConsistentRead", true}},
      statement(R"(INSERT INTO "songs" VALUE {'pk': 'p5', 'sk': 1})"),
      statement(R"(INSERT INTO "other" VALUE {'pk': 'x'})")};
  auto out = call("BatchExecuteStatement",
                  {{"Statements", statements}, {"ReturnConsumedCapacity", "TOTAL"}});
  EXPECT_FALSE(out.at("Responses").at(0).as_object().contains("ConsumedCapacity"));
  EXPECT_EQ(s(out.at("ConsumedCapacity")), R"([{"TableName":"other","CapacityUnits":1E0},)"
                                           R"({"TableName":"songs","CapacityUnits":2.5E0}])");
  EXPECT_FALSE(
      call("BatchExecuteStatement", {{"Statements", statements}}).contains("ConsumedCapacity"));
  error_message("BatchExecuteStatement",
                {{"Statements", statements}, {"ReturnConsumedCapacity", "ALL"}},
                "ValidationException");
}

}  // namespace
}  // namespace nimbus::services::dynamodb::testing
