#include "services/dynamodb/model/partiql.h"

#include <gtest/gtest.h>

#include "services/dynamodb/model/test_support.h"

namespace nimbus::dynamodb {
namespace {

using testing::object;

json::array params(std::string_view text) {
  return json::parse(text).as_array();
}

PartiqlStatement statement_of(std::string_view statement, std::string_view parameters = "[]") {
  auto r = parse_partiql(statement, params(parameters));
  EXPECT_TRUE(r) << statement << ": " << (r ? "" : r.error().message);
  return r ? std::move(*r) : PartiqlStatement{};
}

std::string error(std::string_view statement, std::string_view parameters = "[]") {
  auto r = parse_partiql(statement, params(parameters));
  return r ? "ok" : r.error().message;
}

// Whether `item` passes the statement's WHERE, through the model's evaluator.
bool where_matches(std::string_view statement, std::string_view item,
                   std::string_view parameters = "[]") {
  auto s = statement_of(statement, parameters);
  if (!s.where) return true;
  return Condition(*s.where).matches(object(item));
}

json::object partiql_updated(std::string_view statement, std::string_view item) {
  auto s = statement_of(statement);
  auto r = Update(s.actions).apply(object(item));
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : json::object{};
}

// "1:<column>:<length>" of the first `token` at or after `from` in `statement`.
std::string at(const std::string& statement, const std::string& token, size_t from = 0) {
  return "1:" + std::to_string(statement.find(token, from) + 1) + ":" +
         std::to_string(token.size());
}

const std::string kNotWellFormed = "Statement wasn't well formed, can't be processed: ";

TEST(Partiql, SelectStarWithTableIndexAndOrder) {
  auto s =
      statement_of(R"(SELECT * FROM "Music"."ByYear" WHERE Artist = 'Acme' ORDER BY year DESC;)");
  EXPECT_EQ(s.kind, PartiqlStatement::Kind::kSelect);
  EXPECT_EQ(s.table, "Music");
  EXPECT_EQ(s.index, "ByYear");
  EXPECT_TRUE(s.projection.empty());
  EXPECT_EQ(s.order_by, "year");
  EXPECT_TRUE(s.descending);
}

TEST(Partiql, ExistsWrapsASelect) {
  auto s =
      statement_of(R"(EXISTS (SELECT * FROM "Music" WHERE (Artist = 'Acme' AND year > 1999));)");
  EXPECT_EQ(s.kind, PartiqlStatement::Kind::kExists);
  EXPECT_EQ(s.table, "Music");
  EXPECT_TRUE(where_matches(R"(EXISTS(SELECT * FROM "Music" WHERE year > 1999))",
                            R"({"year": {"N": "2000"}})"));
  EXPECT_FALSE(where_matches(R"(EXISTS(SELECT * FROM "Music" WHERE year > 1999))",
                             R"({"year": {"N": "1999"}})"));
  EXPECT_NE(error(R"(EXISTS(SELECT * FROM "Music" WHERE year > 1999)"), "ok");
  EXPECT_NE(error(R"(EXISTS SELECT * FROM "Music")"), "ok");
  EXPECT_NE(error(R"(EXISTS(DELETE FROM "Music" WHERE year = 1))"), "ok");
  EXPECT_NE(error(R"(EXISTS(SELECT * FROM "Music") AND 1 = 1)"), "ok");
}

TEST(Partiql, SelectProjectionPaths) {
  auto s = statement_of(R"(select a, "b c", m.n[2]."x" from Music)");
  ASSERT_EQ(s.projection.size(), 3u);
  EXPECT_EQ(path_to_string(s.projection[2]), "m.n[2].x");
  auto p = Projection(s.projection).apply(object(R"({"a": {"S": "1"}, "z": {"S": "2"}})"));
  EXPECT_EQ(json::serialize(p), R"({"a":{"S":"1"}})");
}

TEST(Partiql, WhereComparisonsEvaluateWithTheModel) {
  const char* item = R"({"pk": {"S": "a"}, "n": {"N": "5"}, "s": {"S": "hello"},
      "ss": {"SS": ["x", "y"]}, "m": {"M": {"k": {"BOOL": true}}}, "z": {"NULL": true}})";
  const std::string t = R"(SELECT * FROM "Tab" WHERE )";
  EXPECT_TRUE(where_matches(t + "pk = 'a' AND n > 4", item));
  EXPECT_FALSE(where_matches(t + "pk = 'a' AND n >= 6", item));
  EXPECT_TRUE(where_matches(t + "n <> 4 AND n != 3", item));
  EXPECT_TRUE(where_matches(t + "n BETWEEN 1 AND 5", item));
  EXPECT_TRUE(where_matches(t + "n IN [1, 5]", item));
  EXPECT_TRUE(where_matches(t + "n IN (1, 5.0)", item));
  EXPECT_TRUE(where_matches(t + "n NOT IN [1, 2]", item));
  EXPECT_TRUE(where_matches(t + "begins_with(s, 'he') AND contains(ss, 'y')", item));
  EXPECT_TRUE(where_matches(t + "size(ss) = 2 AND size(s) > 4", item));
  EXPECT_TRUE(where_matches(t + "q IS MISSING AND m.k IS NOT MISSING", item));
  EXPECT_TRUE(where_matches(t + "z IS NULL AND s IS STRING AND n IS NOT BOOLEAN", item));
  EXPECT_TRUE(where_matches(t + "attribute_exists(m.k) AND attribute_not_exists(q)", item));
  EXPECT_TRUE(where_matches(t + "attribute_type(ss, 'SS')", item));
  EXPECT_TRUE(where_matches(t + "m.k = true", item));
  EXPECT_TRUE(where_matches(t + "NOT (n = 1 OR n = 2) AND (n = 5 OR n = 6)", item));
  EXPECT_FALSE(where_matches(t + "n = 5 AND NOT s = 'hello'", item));
  EXPECT_TRUE(where_matches(t + "'a' = pk", item));
}

TEST(Partiql, ParametersBindInOrder) {
  const char* item = R"({"pk": {"S": "a"}, "n": {"N": "5"}})";
  EXPECT_TRUE(where_matches(R"(SELECT * FROM "Tab" WHERE pk = ? AND n = ?)", item,
                            R"([{"S": "a"}, {"N": "5.00"}])"));
  EXPECT_FALSE(where_matches(R"(SELECT * FROM "Tab" WHERE pk = ? AND n = ?)", item,
                             R"([{"S": "a"}, {"N": "6"}])"));
  // Extra parameters are ignored; too few is DynamoDB's error.
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = ?)", R"([{"S": "a"}, {"S": "b"}])"), "ok");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = ? AND n = ?)", R"([{"S": "a"}])"),
            "Number of parameters in request and statement don't match.");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = ?)"),
            "Number of parameters in request and statement don't match.");
  // A '?' inside a string is not a parameter.
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 'what?')"), "ok");
}

TEST(Partiql, InsertValueLiterals) {
  auto s = statement_of(R"(INSERT INTO "Tab" VALUE {'pk': 'k1', 'n': -1.50e1, 'b': TRUE, 'z': null,
      'l': [1, 'two', [3]], 'm': {'x': {'y': 'deep'}}, 'ss': <<'a', 'b'>>, 'ns': <<3, 1>>,
      'p': ?, 'q': 'it''s'})",
                        R"([{"B": "\u0001"}])");
  EXPECT_EQ(s.kind, PartiqlStatement::Kind::kInsert);
  EXPECT_EQ(s.table, "Tab");
  EXPECT_EQ(json::serialize(s.item.at("n")), R"({"N":"-15"})");
  EXPECT_EQ(json::serialize(s.item.at("b")), R"({"BOOL":true})");
  EXPECT_EQ(json::serialize(s.item.at("z")), R"({"NULL":true})");
  EXPECT_EQ(json::serialize(s.item.at("l")), R"({"L":[{"N":"1"},{"S":"two"},{"L":[{"N":"3"}]}]})");
  EXPECT_EQ(json::serialize(s.item.at("m")), R"({"M":{"x":{"M":{"y":{"S":"deep"}}}}})");
  EXPECT_EQ(json::serialize(s.item.at("ss")), R"({"SS":["a","b"]})");
  EXPECT_EQ(json::serialize(s.item.at("p")), R"({"B":"\u0001"})");
  EXPECT_EQ(json::serialize(s.item.at("q")), R"({"S":"it's"})");
}

TEST(Partiql, InsertErrors) {
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE {'pk': 'a', 'pk': 'b'})"),
            "Duplicate keys in tuple. Key: pk under root");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE {'pk': 'a', 's': <<>>})"),
            "Empty bags are not supported");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE {'pk': 'a', 's': <<1, 'x'>>})"),
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in "
            "bags");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE {'pk': 'a', 's': <<'x', 'x'>>})"),
            "One or more parameter values were invalid: Input collection [x, x] contains "
            "duplicates.");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE {'pk': 1e126})"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range under root");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE {'pk': 'a', 'l': [1, 1e126]})"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range under root[1]");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE {'pk': 'a', 'm': {'x': 1e-131}})"),
            "Number underflow. Attempting to store a number with magnitude smaller than "
            "supported range under root.x");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE ['pk'])"),
            "Unsupported format in item expression. Please use struct format {...} to express "
            "item values for insert statement.");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" VALUE {'pk': 'a'} RETURNING ALL OLD *)"),
            "RETURNING is not supported in INSERT");
  EXPECT_EQ(error(R"(INSERT INTO "Tab" t VALUE {'pk': 'a'})"),
            kNotWellFormed + "Unexpected token after expression");
}

TEST(Partiql, UpdateSetAndRemoveApplyWithTheModel) {
  auto s = statement_of(R"(UPDATE "Tab" SET a = a + 1, b = 'x' SET l = list_append(l, [2])
      REMOVE old, m.gone WHERE pk = 'k' RETURNING MODIFIED NEW *)");
  EXPECT_EQ(s.kind, PartiqlStatement::Kind::kUpdate);
  EXPECT_EQ(s.returning, PartiqlStatement::Returning::kModifiedNew);
  auto item = partiql_updated(R"(UPDATE "Tab" SET a = a + 1, b = 'x' SET l = list_append(l, [2])
      REMOVE old, m.gone WHERE pk = 'k')",
                              R"({"pk": {"S": "k"}, "a": {"N": "0.1"}, "l": {"L": [{"N": "1"}]},
      "old": {"S": "o"}, "m": {"M": {"gone": {"S": "g"}, "kept": {"S": "k"}}}})");
  EXPECT_EQ(item, object(R"({"pk": {"S": "k"}, "a": {"N": "1.1"}, "b": {"S": "x"},
      "l": {"L": [{"N": "1"}, {"N": "2"}]}, "m": {"M": {"kept": {"S": "k"}}}})"));
  auto counter =
      partiql_updated(R"(UPDATE "Tab" SET c = if_not_exists(c, 0) + 5 - 2 WHERE pk = 'k')",
                      R"({"pk": {"S": "k"}})");
  EXPECT_EQ(json::serialize(counter.at("c")), R"({"N":"3"})");
}

TEST(Partiql, UpdateSetAddAndSetDelete) {
  auto item =
      partiql_updated(R"(UPDATE "Tab" SET ss = set_add(ss, <<'c'>>) SET ns = set_delete(ns, <<1>>)
      WHERE pk = 'k')",
                      R"({"pk": {"S": "k"}, "ss": {"SS": ["a"]}, "ns": {"NS": ["1", "2"]}})");
  EXPECT_EQ(json::serialize(item.at("ss")), R"({"SS":["a","c"]})");
  EXPECT_EQ(json::serialize(item.at("ns")), R"({"NS":["2"]})");
  const std::string u = R"(UPDATE "Tab" SET )";
  std::string s1 = u + "t = set_add(ss, <<'x'>>) WHERE pk = 'k'";
  EXPECT_EQ(error(s1), "The first argument to SET_ADD must equal the assignment value at " +
                           at(s1, "set_add"));
  std::string s2 = u + "ss = set_add(ss, 'x') WHERE pk = 'k'";
  EXPECT_EQ(error(s2), "The second argument to SET_ADD must be a value with type SET at " +
                           at(s2, "ss", s2.find("set_add")));
  std::string s3 = u + "ss = set_delete(ss) WHERE pk = 'k'";
  EXPECT_EQ(error(s3), "SET_DELETE must have exactly two arguments at " + at(s3, "set_delete"));
  EXPECT_EQ(error(u + "ss = set_add(ss, <<>>) WHERE pk = 'k'"), "Empty bags are not supported");
}

TEST(Partiql, UpdateErrors) {
  EXPECT_EQ(error(R"(UPDATE "Tab" SET a = 1, a = 2 WHERE pk = 'k')"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a], path two: [a]");
  std::string nope = R"(UPDATE "Tab" SET a = nope(b) WHERE pk = 'k')";
  EXPECT_EQ(error(nope), "Unrecognized function: nope at " + at(nope, "nope"));
  EXPECT_EQ(error(R"(UPDATE "Tab" t SET a = 3 WHERE pk = 'x')"), "Aliasing is not supported");
  EXPECT_EQ(error(R"(UPDATE "Tab" WHERE pk = 'x')"), kNotWellFormed + "Unexpected keyword");
}

TEST(Partiql, DeleteAndReturning) {
  auto s = statement_of(R"(DELETE FROM "Tab" WHERE pk = 'k' RETURNING ALL OLD *)");
  EXPECT_EQ(s.kind, PartiqlStatement::Kind::kDelete);
  EXPECT_EQ(s.returning, PartiqlStatement::Returning::kAllOld);
  EXPECT_EQ(error(R"(DELETE FROM "Tab" WHERE pk = 'k' RETURNING MODIFIED OLD *)"),
            "Invalid returning clause: RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is "
            "allowed in DELETE statements.");
  EXPECT_EQ(error(R"(UPDATE "Tab" SET a = 1 WHERE pk = 'k' RETURNING ALL NEW)"),
            "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause");
  EXPECT_EQ(error("DELETE FROM"), kNotWellFormed + "Expected identifier for simple path");
  EXPECT_EQ(error("DELETE FROM WHERE pk = 'a'"),
            kNotWellFormed + "Expected identifier for simple path");
}

TEST(Partiql, SyntaxErrorsAsDynamoDBWordsThem) {
  EXPECT_EQ(error("SLECT * FROM \"Tab\""), kNotWellFormed + "Expected data manipulation");
  EXPECT_EQ(error(""), kNotWellFormed + "Expected data manipulation");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 1 foo)"),
            kNotWellFormed + "Unexpected token after expression");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 1))"),
            kNotWellFormed + "Unexpected token after expression");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE)"), kNotWellFormed + "Unexpected term");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE;)"), kNotWellFormed + "Unexpected term");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE NOT)"), kNotWellFormed + "Unexpected term");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE ()"), kNotWellFormed + "Unexpected term");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 'p1' AND)"),
            kNotWellFormed + "Missing right-hand side expression of infix operator");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 'p1' OR)"),
            kNotWellFormed + "Missing right-hand side expression of infix operator");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE ORDER BY pk)"),
            kNotWellFormed + "Unexpected keyword");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE IS NULL)"), kNotWellFormed + "Unexpected operator");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 'a' AND x IS FOO)"),
            kNotWellFormed + "Expected type name");
  EXPECT_EQ(error("SELECT * FROM"), kNotWellFormed + "Unexpected term");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 1 # note)"), kNotWellFormed);
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 1 /* note)"), kNotWellFormed);
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" WHERE pk = 'unterminated)"), kNotWellFormed);
  EXPECT_EQ(error("SELECT * FROM \"Tab\" -- a comment\n WHERE /* here */ pk = 1"), "ok");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" t WHERE pk = 'x')"), "Aliasing is not supported");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" AS t WHERE pk = 'x')"), "Aliasing is not supported");
  EXPECT_EQ(error(R"(SELECT *, a FROM "Tab")"),
            "Other attributes should not be present in the projection when '*' is used.");
  EXPECT_EQ(error(R"(SELECT * FROM "x")"),
            "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', "
            "'0-9', '-', '_', '.'.");
  EXPECT_EQ(error(R"(SELECT * FROM "Tab" ORDER BY pk)"),
            "Must have WHERE clause in the statement when using ORDER BY clause.");
}

TEST(Partiql, FunctionErrors) {
  const std::string w = R"(SELECT * FROM "Tab" WHERE pk = 'k' AND )";
  EXPECT_EQ(error(w + "attribute_exists('ss')"),
            "Operator or function requires a document path; operator or function: "
            "attribute_exists");
  EXPECT_EQ(error(w + "attribute_exists()"),
            "Incorrect number of operands for operator or function; operator or function: "
            "attribute_exists, number of operands: 0");
  EXPECT_EQ(error(w + "EXISTS(ss)"),
            "Unrecognized function: exists at " + at(w + "EXISTS(ss)", "EXISTS"));
  std::string add = w + "set_add(ss, <<'x'>>) = ss";
  EXPECT_EQ(error(add), "Unrecognized function: set_add at " + at(add, "set_add"));
  EXPECT_EQ(error(R"(SELECT attribute_exists(ss) FROM "Tab")"),
            "Unexpected path component at 1:8:16");
  EXPECT_EQ(error(w + "a = MISSING"), "MISSING must be compared using IS operator");
}

TEST(Partiql, KeyLookupNeedsTheWholeKey) {
  KeySchema schema{{"pk", Type::kS}, KeyAttribute{"sk", Type::kN}};
  auto s = statement_of(R"(UPDATE "Tab" SET a = 1 WHERE sk = 3 AND pk = 'k' AND a < 5)");
  auto lookup = partiql_key_lookup(s.where, schema);
  ASSERT_TRUE(lookup) << lookup.error().message;
  EXPECT_EQ(json::serialize(lookup->key), R"({"pk":{"S":"k"},"sk":{"N":"3"}})");
  ASSERT_TRUE(lookup->rest);
  EXPECT_TRUE(lookup->rest->matches(object(R"({"a": {"N": "4"}})")));
  EXPECT_FALSE(lookup->rest->matches(object(R"({"a": {"N": "6"}})")));

  auto only_key = partiql_key_lookup(
      statement_of(R"(DELETE FROM "Tab" WHERE pk = 'k' AND 3 = sk)").where, schema);
  ASSERT_TRUE(only_key);
  EXPECT_FALSE(only_key->rest);

  const std::string incomplete =
      "Where clause does not contain a mandatory equality on all key attributes";
  for (const char* where : {"pk = 'k'", "pk = 'k' OR sk = 1", "pk = 'k' AND sk > 1", "a = 1"}) {
    auto r = partiql_key_lookup(
        statement_of(std::string(R"(DELETE FROM "Tab" WHERE )") + where).where, schema);
    EXPECT_EQ(r ? "ok" : r.error().message, incomplete) << where;
  }
  EXPECT_FALSE(partiql_key_lookup(std::nullopt, schema));
  auto wrong_type = partiql_key_lookup(
      statement_of(R"(DELETE FROM "Tab" WHERE pk = 1 AND sk = 1)").where, schema);
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().message,
            "One or more parameter values were invalid: Type mismatch for key pk expected: S "
            "actual: N");
}

TEST(Partiql, QueryPlanFromThePartitionKey) {
  KeySchema schema{{"pk", Type::kS}, KeyAttribute{"sk", Type::kN}};
  auto plan = [&](std::string_view where) {
    return partiql_query_plan(
        statement_of(std::string(R"(SELECT * FROM "Tab" WHERE )") + std::string(where)).where,
        schema);
  };
  auto q = plan("a = 1 AND pk = 'k' AND sk BETWEEN 1 AND 5");
  ASSERT_TRUE(q);
  EXPECT_EQ(json::serialize(q->partition_value), R"({"S":"k"})");
  ASSERT_TRUE(q->sort);
  EXPECT_EQ(q->sort->op, SortKeyCondition::Op::kBetween);
  auto flipped = plan("pk = 'k' AND 3 < sk");
  ASSERT_TRUE(flipped && flipped->sort);
  EXPECT_EQ(flipped->sort->op, SortKeyCondition::Op::kGt);
  EXPECT_TRUE(flipped->matches(object(R"({"pk": {"S": "k"}, "sk": {"N": "4"}})")));
  EXPECT_FALSE(flipped->matches(object(R"({"pk": {"S": "k"}, "sk": {"N": "3"}})")));
  auto partition_only = plan("pk = 'k' AND sk <> 3");
  ASSERT_TRUE(partition_only);
  EXPECT_FALSE(partition_only->sort);
  EXPECT_FALSE(plan("pk = 'k' OR pk = 'j'"));
  EXPECT_FALSE(plan("pk > 'k'"));
  EXPECT_FALSE(plan("pk = 1"));  // a number never matches an S key: a Scan finds nothing
  EXPECT_FALSE(partiql_query_plan(std::nullopt, schema));
}

}  // namespace
}  // namespace nimbus::dynamodb
