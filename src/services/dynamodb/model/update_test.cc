#include <gtest/gtest.h>

#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/model/test_support.h"

namespace nimbus::dynamodb {
namespace {

using testing::object;
using testing::request_error;

const char* kValues = R"({
  ":one": {"N": "1"}, ":tenth": {"N": "0.1"}, ":fifth": {"N": "0.2"}, ":s": {"S": "new"},
  ":l": {"L": [{"S": "z"}]}, ":ss": {"SS": ["b", "c"]}, ":ns": {"NS": ["2", "3.0"]},
  ":bs": {"BS": ["\u0001"]}, ":m": {"M": {"k": {"S": "v"}}}, ":big": {"N": "9.9999999999999999999999999999999999999E+125"}})";

const char* kItem = R"({
  "id": {"S": "k"}, "n": {"N": "5"}, "f": {"N": "0.1"}, "s": {"S": "old"},
  "l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}, {"S": "d"}]},
  "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
  "m": {"M": {"x": {"N": "1"}, "child": {"M": {"y": {"S": "deep"}}}}}})";

// The item after `expression` (with kValues' used values), or the error.
std::string updated(std::string_view expression, std::string_view item = kItem) {
  json::object values = object(kValues);
  Placeholders placeholders = *Placeholders::make(nullptr, &values);
  auto u = parse_update(expression, placeholders);
  if (!u) return "parse: " + u.error().message;
  auto r = u->apply(object(item));
  if (!r) return r.error().message;
  return json::serialize(*r);
}

// The attribute `name` of the item after `expression`.
std::string attribute(std::string_view expression, std::string_view name,
                      std::string_view item = kItem) {
  std::string out = updated(expression, item);
  if (out.front() != '{') return out;
  json::value parsed = json::parse(out);
  const auto* v = parsed.as_object().if_contains(name);
  return v ? json::serialize(*v) : "absent";
}

TEST(Update, SetValuesAndArithmetic) {
  EXPECT_EQ(attribute("SET s = :s", "s"), R"({"S":"new"})");
  EXPECT_EQ(attribute("SET n = n + :one", "n"), R"({"N":"6"})");
  EXPECT_EQ(attribute("SET n = n - :one", "n"), R"({"N":"4"})");
  EXPECT_EQ(attribute("SET n = :one - n", "n"), R"({"N":"-4"})");
  EXPECT_EQ(attribute("SET f = f + :fifth", "f"), R"({"N":"0.3"})");  // exact: 0.1 + 0.2
  EXPECT_EQ(attribute("SET c = (n + :one)", "c"), R"({"N":"6"})");
  EXPECT_EQ(attribute("SET a = n, b = s", "a"), R"({"N":"5"})");
  EXPECT_EQ(attribute("SET n = :one, s = n", "s"), R"({"N":"5"})");  // values read the old item
  EXPECT_EQ(attribute("SET m.x = :s", "m"),
            R"({"M":{"x":{"S":"new"},"child":{"M":{"y":{"S":"deep"}}}}})");
  EXPECT_EQ(attribute("SET m.child.z = :one", "m"),
            R"({"M":{"x":{"N":"1"},"child":{"M":{"y":{"S":"deep"},"z":{"N":"1"}}}}})");
  EXPECT_EQ(attribute("SET l[1] = :s", "l"),
            R"({"L":[{"S":"a"},{"S":"new"},{"S":"c"},{"S":"d"}]})");
  EXPECT_EQ(attribute("SET l[10] = :s", "l"),
            R"({"L":[{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"},{"S":"new"}]})");  // appends
  EXPECT_EQ(attribute("set s = :m", "s"), R"({"M":{"k":{"S":"v"}}})");
}

TEST(Update, Functions) {
  EXPECT_EQ(attribute("SET n = if_not_exists(n, :one)", "n"), R"({"N":"5"})");
  EXPECT_EQ(attribute("SET c = if_not_exists(c, :one) + :one", "c"), R"({"N":"2"})");
  EXPECT_EQ(attribute("SET l = list_append(l, :l)", "l"),
            R"({"L":[{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"},{"S":"z"}]})");
  EXPECT_EQ(attribute("SET l = list_append(:l, l)", "l"),
            R"({"L":[{"S":"z"},{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"}]})");
  EXPECT_EQ(attribute("SET c = list_append(if_not_exists(c, :l), :l)", "c"),
            R"({"L":[{"S":"z"},{"S":"z"}]})");
}

TEST(Update, RemoveIncludingListIndexes) {
  EXPECT_EQ(attribute("REMOVE s", "s"), "absent");
  EXPECT_EQ(attribute("REMOVE nothing", "s"), R"({"S":"old"})");
  EXPECT_EQ(attribute("REMOVE m.x", "m"), R"({"M":{"child":{"M":{"y":{"S":"deep"}}}}})");
  // Indexes name elements of the list as it was.
  EXPECT_EQ(attribute("REMOVE l[1], l[3]", "l"), R"({"L":[{"S":"a"},{"S":"c"}]})");
  EXPECT_EQ(attribute("REMOVE l[3], l[0]", "l"), R"({"L":[{"S":"b"},{"S":"c"}]})");
  EXPECT_EQ(attribute("REMOVE l[9]", "l"), R"({"L":[{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"}]})");
  EXPECT_EQ(attribute("SET s = :s REMOVE n", "n"), "absent");
}

TEST(Update, AddAndDelete) {
  EXPECT_EQ(attribute("ADD n :one", "n"), R"({"N":"6"})");
  EXPECT_EQ(attribute("ADD c :one", "c"), R"({"N":"1"})");  // a missing number starts at 0
  EXPECT_EQ(attribute("ADD f :fifth", "f"), R"({"N":"0.3"})");
  EXPECT_EQ(attribute("ADD ss :ss", "ss"), R"({"SS":["a","b","c"]})");
  EXPECT_EQ(attribute("ADD ns :ns", "ns"), R"({"NS":["1","2","3"]})");  // 3.0 is 3, 2 is there
  EXPECT_EQ(attribute("ADD bs :bs", "bs"), "{\"BS\":[\"\\u0001\"]}");
  EXPECT_EQ(attribute("DELETE ss :ss", "ss"), R"({"SS":["a"]})");
  EXPECT_EQ(attribute("DELETE ns :ns", "ns"), R"({"NS":["1"]})");
  EXPECT_EQ(attribute("DELETE ss :ss", "ss", R"({"ss": {"SS": ["b", "c"]}})"), "absent");
  EXPECT_EQ(attribute("DELETE absent1 :ss", "absent1"), "absent");
  EXPECT_EQ(attribute("ADD m.cnt :one", "m"),
            R"({"M":{"x":{"N":"1"},"child":{"M":{"y":{"S":"deep"}}},"cnt":{"N":"1"}}})");
}

TEST(Update, RuntimeErrors) {
  EXPECT_EQ(updated("SET c = c + :one"),
            "The provided expression refers to an attribute that does not exist in the item");
  EXPECT_EQ(updated("SET s = s + :one"),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("SET l = list_append(s, :l)"),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("ADD s :one"),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("ADD ss :ns"),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("DELETE ns :ss"),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("SET nope.x = :one"),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(updated("SET s.x = :one"),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(updated("SET m[0] = :one"),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(updated("SET n = :big + :big"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

std::string update_error(std::string_view expression, std::string_view extra = "") {
  return request_error(
      R"({"UpdateExpression": )" + json::serialize(json::string(expression)) +
      R"(, "ExpressionAttributeValues": {":v": {"N": "1"}, ":s": {"S": "x"}, ":ss": {"SS": ["a"]}})" +
      std::string(extra) + "}");
}

TEST(Update, ParseErrors) {
  EXPECT_EQ(update_error("SET a = :v, b = :s, c = :ss"), "ok");
  EXPECT_EQ(update_error(""), "Invalid UpdateExpression: The expression can not be empty;");
  EXPECT_EQ(update_error("ADD hits : incr"),
            "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"");
  EXPECT_EQ(update_error("INVALID SYNTAX HERE"),
            "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\"");
  EXPECT_EQ(update_error("SET a = :v,"),
            "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\"");
  EXPECT_EQ(update_error("SET a = :v SET b = :s, c = :ss"),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(update_error("SET a = :v REMOVE a, b SET c = :s, d = :ss"),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(update_error("SET a = :v, a = :s, b = :ss"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a], path two: [a]");
  EXPECT_EQ(update_error("SET a.b = :v, b = :s REMOVE a, c ADD x :ss"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a, b], path two: [a]");
  EXPECT_EQ(update_error("SET a.b = :v, a[1] = :s, c = :ss"),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
            "rewrite one of these paths; path one: [a, b], path two: [a, [1]]");
  EXPECT_EQ(update_error("SET a = :s + :v, b = :ss"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator "
            "or function: +, operand type: S");
  EXPECT_EQ(update_error("SET a = list_append(:v, b), c = :s, d = :ss"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator "
            "or function: list_append, operand type: N");
  EXPECT_EQ(update_error("ADD a :s SET b = :v, c = :ss"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
            "ADD, operand type: STRING");
  EXPECT_EQ(update_error("DELETE a :v SET b = :s, c = :ss"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
            "DELETE, operand type: NUMBER");
  EXPECT_EQ(update_error("SET a = if_not_exists(:v, b), c = :s, d = :ss"),
            "Invalid UpdateExpression: Operator or function requires a document path; operator or "
            "function: if_not_exists");
  EXPECT_EQ(update_error("SET a = size(b), c = :s, d = :ss, e = :v"),
            "Invalid UpdateExpression: The function is not allowed in an update expression; "
            "function: size");
  EXPECT_EQ(update_error("SET a = b(c), c = :s, d = :ss, e = :v"),
            "Invalid UpdateExpression: Invalid function name; function: b");
  EXPECT_EQ(update_error("SET #a = :v, c = :s, d = :ss"),
            "Invalid UpdateExpression: An expression attribute name used in the document path is "
            "not defined; attribute name: #a");
  EXPECT_EQ(update_error("SET a = :v, c = :s"),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:ss}");
  EXPECT_EQ(update_error("SET size = :v, c = :s, d = :ss"),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
            "size");
  EXPECT_EQ(update_error("SET a = :v, c = :s, d = :ss", R"(, "AttributeUpdates": {})"),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributeUpdates} Expression parameters: "
            "{UpdateExpression}");
}

TEST(Update, NestingLimitHoldsAfterTheUpdate) {
  json::value deep = json::object{{"S", "x"}};
  for (int i = 1; i < kMaxNestingDepth; ++i) deep = json::object{{"L", json::array{deep}}};
  json::object values{{":d", deep}};
  Placeholders placeholders = *Placeholders::make(nullptr, &values);
  auto top = parse_update("SET a = :d", placeholders);
  ASSERT_TRUE(top);
  EXPECT_TRUE(top->apply(json::object()));
  auto nested = parse_update("SET m.x = :d", placeholders);
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->apply(object(kItem)).error().message,
            "One or more parameter values were invalid: Nesting Levels have exceeded supported "
            "limits");
}

TEST(Update, KeysAndUpdatedPaths) {
  json::object values = object(kValues);
  Placeholders placeholders = *Placeholders::make(nullptr, &values);
  auto u = parse_update("SET id = :s", placeholders);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->check_keys({"id"}).error().message,
            "One or more parameter values were invalid: Cannot update attribute id. This attribute "
            "is part of the key");
  auto v = parse_update("SET m.x = :s REMOVE l[0] ADD n :one", placeholders);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->check_keys({"id"}));
  auto item = object(kItem);
  auto after = v->apply(item);
  ASSERT_TRUE(after);
  EXPECT_EQ(json::value(v->updated_paths().apply(*after)),
            json::parse(
                R"({"m": {"M": {"x": {"S": "new"}}}, "l": {"L": [{"S": "b"}]}, "n": {"N": "6"}})"));
  EXPECT_EQ(
      json::value(v->updated_paths().apply(item)),
      json::parse(R"({"m": {"M": {"x": {"N": "1"}}}, "l": {"L": [{"S": "a"}]}, "n": {"N": "5"}})"));
}

}  // namespace
}  // namespace nimbus::dynamodb
