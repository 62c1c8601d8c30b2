#include <gtest/gtest.h>

#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/model/test_support.h"

namespace nimbus::dynamodb {
namespace {

using testing::object;
using testing::request;
using testing::request_error;

// A stored item every condition below is checked against.
const json::object& item() {
  static const json::object kItem = object(R"({
    "id": {"S": "user#1"},
    "age": {"N": "42"},
    "score": {"N": "0.5"},
    "nm": {"S": "Ada"},
    "bin": {"B": "\u0001\u0002\u0003"},
    "tags": {"SS": ["a", "b"]},
    "nums": {"NS": ["1", "2.5"]},
    "lst": {"L": [{"S": "x"}, {"N": "7"}, {"M": {"deep": {"BOOL": true}}}]},
    "mp": {"M": {"in1": {"S": "v"}, "n": {"N": "3"}, "dotted.nm": {"S": "d"}}},
    "flag": {"BOOL": false},
    "nothing": {"NULL": true},
    "emp": {"S": ""}
  })");
  return kItem;
}

// Evaluates a ConditionExpression with the values below against item().
bool holds(std::string_view condition, std::string_view names = "") {
  std::string input = R"({"ConditionExpression": )" + json::serialize(json::string(condition)) +
                      R"(, "ExpressionAttributeValues": {
      ":s": {"S": "Ada"}, ":n": {"N": "42.0"}, ":lo": {"N": "40"}, ":hi": {"N": "50"},
      ":pre": {"S": "us"}, ":a": {"S": "a"}, ":one": {"N": "1"}, ":x": {"S": "x"},
      ":seven": {"N": "7"}, ":t": {"S": "SS"}, ":two": {"N": "2"}, ":b": {"B": "\u0002"},
      ":ss": {"SS": ["a", "b"]}, ":f": {"BOOL": false}, ":three": {"N": "3"}, ":l": {"L": []}}})";
  if (!names.empty())
    input.insert(input.size() - 1,
                 std::string(R"(, "ExpressionAttributeNames": )") + std::string(names));
  // Unused placeholders are fine here: check the parse alone.
  auto values = object(input);
  auto placeholders = Placeholders::make(values.if_contains("ExpressionAttributeNames")
                                             ? &values["ExpressionAttributeNames"].as_object()
                                             : nullptr,
                                         &values["ExpressionAttributeValues"].as_object());
  EXPECT_TRUE(placeholders);
  auto c = parse_condition(condition, "ConditionExpression", *placeholders);
  EXPECT_TRUE(c) << condition << ": " << (c ? "" : c.error().message);
  return c && c->matches(item());
}

TEST(Condition, Comparators) {
  EXPECT_TRUE(holds("age = :n"));  // numerically: 42 = 42.0
  EXPECT_FALSE(holds("age <> :n"));
  EXPECT_TRUE(holds("age > :lo"));
  EXPECT_TRUE(holds("age >= :n"));
  EXPECT_TRUE(holds("age < :hi"));
  EXPECT_TRUE(holds("age <= :n"));
  EXPECT_FALSE(holds("age < :lo"));
  EXPECT_TRUE(holds("age BETWEEN :lo AND :hi"));
  EXPECT_FALSE(holds("score BETWEEN :lo AND :hi"));
  EXPECT_TRUE(holds("age IN (:one, :n)"));
  EXPECT_FALSE(holds("age IN (:one, :two)"));
  EXPECT_TRUE(holds("nm = :s"));
  EXPECT_TRUE(holds("nm < :x"));   // "Ada" < "x" bytewise
  EXPECT_FALSE(holds("nm < :n"));  // different types never order
  EXPECT_TRUE(holds("tags = :ss"));
  EXPECT_TRUE(holds("flag = :f"));
  EXPECT_TRUE(holds(":s = nm"));  // a value on the left
}

TEST(Condition, MissingAttributes) {
  EXPECT_FALSE(holds("absent = :s"));
  EXPECT_TRUE(holds("absent <> :s"));  // absent is not equal
  EXPECT_FALSE(holds("absent < :s"));
  EXPECT_FALSE(holds("absent BETWEEN :lo AND :hi"));
  EXPECT_FALSE(holds("absent IN (:s)"));
  EXPECT_FALSE(holds("mp.nope = :s"));
  EXPECT_FALSE(holds("lst[9] = :s"));
  EXPECT_FALSE(holds("nm.part = :s"));  // a path through a string
}

TEST(Condition, Functions) {
  EXPECT_TRUE(holds("attribute_exists(age)"));
  EXPECT_FALSE(holds("attribute_exists(absent)"));
  EXPECT_TRUE(holds("attribute_not_exists(absent)"));
  EXPECT_TRUE(holds("attribute_exists(lst[2].deep)"));
  EXPECT_TRUE(holds("attribute_exists(#d)", R"({"#d": "mp"})"));
  EXPECT_TRUE(holds("attribute_exists(mp.#d)", R"({"#d": "dotted.nm"})"));
  EXPECT_FALSE(holds("attribute_exists(#d)", R"({"#d": "mp.in1"})"));  // one nm, not a path
  EXPECT_TRUE(holds("attribute_type(tags, :t)"));
  EXPECT_FALSE(holds("attribute_type(nm, :t)"));
  EXPECT_TRUE(holds("begins_with(id, :pre)"));
  EXPECT_FALSE(holds("begins_with(nm, :pre)"));
  EXPECT_TRUE(holds("begins_with(bin, :b) OR contains(bin, :b)"));
  EXPECT_TRUE(holds("contains(tags, :a)"));
  EXPECT_TRUE(holds("contains(nums, :one)"));
  EXPECT_FALSE(holds("contains(nums, :two)"));
  EXPECT_TRUE(holds("contains(nm, :s)"));
  EXPECT_TRUE(holds("contains(lst, :x)"));
  EXPECT_TRUE(holds("contains(lst, :seven)"));
  EXPECT_FALSE(holds("contains(age, :one)"));
  EXPECT_TRUE(holds("size(nm) = :three"));
  EXPECT_TRUE(holds("size(tags) = :two"));
  EXPECT_TRUE(holds("size(lst) = :three"));
  EXPECT_TRUE(holds("size(mp) = :three"));
  EXPECT_TRUE(holds("size(bin) = :three"));
  EXPECT_FALSE(holds("size(age) = :two"));  // numbers have no size
  EXPECT_TRUE(holds("size(lst[2]) = :one"));
}

TEST(Condition, LogicAndPrecedence) {
  EXPECT_TRUE(holds("age = :n AND nm = :s"));
  EXPECT_FALSE(holds("age = :n AND nm = :x"));
  EXPECT_TRUE(holds("age = :one OR nm = :s"));
  EXPECT_TRUE(holds("NOT age = :one"));
  EXPECT_FALSE(holds("NOT (age = :n)"));
  // AND binds tighter than OR; NOT tighter than AND.
  EXPECT_TRUE(holds("age = :one AND nm = :x OR nm = :s"));
  EXPECT_FALSE(holds("age = :one AND (nm = :x OR nm = :s)"));
  EXPECT_FALSE(holds("NOT age = :n AND nm = :s"));
  EXPECT_TRUE(holds("NOT NOT attribute_exists(age)"));
  EXPECT_TRUE(holds("age = :n and nm = :s"));  // keywords in any case
}

std::string condition_error(std::string_view condition,
                            std::string_view values = R"({":v": {"S": "x"}})",
                            std::string_view names = "") {
  std::string input = R"({"ConditionExpression": )" + json::serialize(json::string(condition));
  if (!values.empty()) input += R"(, "ExpressionAttributeValues": )" + std::string(values);
  if (!names.empty()) input += R"(, "ExpressionAttributeNames": )" + std::string(names);
  return request_error(input + "}");
}

TEST(Condition, SyntaxErrorsQuoteTheTokenAndItsNeighbours) {
  EXPECT_EQ(condition_error("a = = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\"");
  EXPECT_EQ(condition_error("a = :v AND"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
  EXPECT_EQ(condition_error("a : v"),
            "Invalid ConditionExpression: Syntax error; token: \":\", near: \"a : v\"");
  EXPECT_EQ(condition_error("a = :v b"),
            "Invalid ConditionExpression: Syntax error; token: \"b\", near: \":v b\"");
  EXPECT_EQ(condition_error("(a = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":v\"");
  EXPECT_EQ(condition_error("a[-1] = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"-\", near: \"[-1\"");
  EXPECT_EQ(condition_error("a ! :v"),
            "Invalid ConditionExpression: Syntax error; token: \"!\", near: \"a ! :v\"");
  EXPECT_EQ(condition_error(""), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(condition_error("((a = :v))"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(condition_error("(a = :v) AND ((b = :v))"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(condition_error("(a = :v) AND (b = :v)"), "ok");
}

TEST(Condition, NamesValuesAndReservedWords) {
  EXPECT_EQ(condition_error("name = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
            "name");
  EXPECT_EQ(condition_error("a.Size = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
            "Size");
  EXPECT_EQ(condition_error("#n = :v", R"({":v": {"S": "x"}})", R"({"#n": "name"})"), "ok");
  EXPECT_EQ(condition_error("#m = :v"),
            "Invalid ConditionExpression: An expression attribute name used in the document path "
            "is not defined; attribute name: #m");
  EXPECT_EQ(condition_error("a = :w"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :w");
  EXPECT_EQ(condition_error("a = :v", R"({":v": {"S": "x"}, ":w": {"S": "y"}, ":z": {"N": "1"}})"),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w, :z}");
  EXPECT_EQ(condition_error("a = :v", R"({":v": {"S": "x"}})", R"({"#u": "u"})"),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}");
  EXPECT_EQ(condition_error("a = :v", "{}"), "ExpressionAttributeValues must not be empty");
  EXPECT_EQ(condition_error("a = :v", R"({":v": {"S": "x"}})", "{}"),
            "ExpressionAttributeNames must not be empty");
  EXPECT_EQ(condition_error("a = :v", R"({"v": {"S": "x"}})"),
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"");
  EXPECT_EQ(condition_error("a = :v", R"({":v": {"S": "x"}})", R"({"n": "x"})"),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"n\"");
  EXPECT_EQ(condition_error("a = :v", R"({":v": {"SS": []}})"),
            "ExpressionAttributeValues contains invalid value: One or more parameter values were "
            "invalid: An string set  may not be empty for key :v");
}

TEST(Condition, FunctionMisuse) {
  EXPECT_EQ(condition_error("nope(a)"),
            "Invalid ConditionExpression: Invalid function name; function: nope");
  EXPECT_EQ(condition_error("attribute_exists(a, b)"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
            "operator or function: attribute_exists, number of operands: 2");
  EXPECT_EQ(condition_error("attribute_exists(:v)"),
            "Invalid ConditionExpression: Operator or function requires a document path; operator "
            "or function: attribute_exists");
  EXPECT_EQ(condition_error("attribute_type(a, :v)"),
            "Invalid ConditionExpression: Invalid attribute type name found; type: x, valid types: "
            "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(
      condition_error("begins_with(a, :v)", R"({":v": {"N": "1"}})"),
      "Invalid ConditionExpression: Incorrect operand type for operator or function; operator "
      "or function: begins_with, operand type: N");
  EXPECT_EQ(condition_error("if_not_exists(a, :v) = :v"),
            "Invalid ConditionExpression: The function is not allowed in a condition expression; "
            "function: if_not_exists");
  EXPECT_EQ(condition_error("a = begins_with(a, :v)"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: begins_with");
  EXPECT_EQ(condition_error("size(a) > :v"), "ok");
  EXPECT_EQ(condition_error("a BETWEEN :hi AND :lo", R"({":hi": {"N": "5"}, ":lo": {"N": "1"}})"),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound "
            "operand: AttributeValue: {N:1}");
}

TEST(Condition, LimitsHold) {
  std::string deep(200, '(');
  deep += "a = :v" + std::string(200, ')');
  EXPECT_NE(condition_error(deep), "ok");
  std::string in = "a IN (:v";
  for (int i = 0; i < 100; ++i) in += ", :v";
  EXPECT_EQ(condition_error(in + ")"),
            "Invalid ConditionExpression: Too many operands for the IN function; the maximum is "
            "100, number of operands: 101");
  std::string huge = "a = :v" + std::string(5000, ' ');
  EXPECT_EQ(condition_error(huge).substr(0, 62),
            "Invalid ConditionExpression: Expression size has exceeded the ");
}

TEST(Projection, KeepsOnlyThePaths) {
  auto r = request(
      R"({"ProjectionExpression": "age, #n, lst[2].deep, lst[0], mp.in1, nope, tags[0]",
                       "ExpressionAttributeNames": {"#n": "nm"}})");
  ASSERT_TRUE(r.projection);
  EXPECT_EQ(json::value(r.projection->apply(item())), json::value(object(R"({
              "age": {"N": "42"}, "nm": {"S": "Ada"},
              "lst": {"L": [{"S": "x"}, {"M": {"deep": {"BOOL": true}}}]},
              "mp": {"M": {"in1": {"S": "v"}}}})")));
}

TEST(Projection, Errors) {
  EXPECT_EQ(request_error(R"({"ProjectionExpression": "a, a.b"})"),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove "
            "or rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(request_error(R"({"ProjectionExpression": "a.b, a[1]"})"),
            "Invalid ProjectionExpression: Two document paths conflict with each other; must "
            "remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]");
  EXPECT_EQ(request_error(R"({"ProjectionExpression": "a,"})"),
            "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"");
  EXPECT_EQ(request_error(R"({"ProjectionExpression": "data"})"),
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: "
            "data");
  EXPECT_EQ(request_error(R"({"ProjectionExpression": " "})"),
            "Invalid ProjectionExpression: The expression can not be empty;");
}

const KeySchema kSchema{{"pk", Type::kS}, KeyAttribute{"sk", Type::kN}};

TEST(KeyCondition, PartitionAndSortConditions) {
  auto r = request(R"({"KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
      "ExpressionAttributeValues": {":p": {"S": "x"}, ":a": {"N": "1"}, ":b": {"N": "9"}}})",
                   &kSchema);
  ASSERT_TRUE(r.key_condition);
  EXPECT_EQ(r.key_condition->partition_key, "pk");
  EXPECT_EQ(json::serialize(r.key_condition->partition_value), R"({"S":"x"})");
  ASSERT_TRUE(r.key_condition->sort);
  EXPECT_EQ(r.key_condition->sort->op, SortKeyCondition::Op::kBetween);
  EXPECT_TRUE(r.key_condition->matches(object(R"({"pk": {"S": "x"}, "sk": {"N": "5"}})")));
  EXPECT_FALSE(r.key_condition->matches(object(R"({"pk": {"S": "x"}, "sk": {"N": "10"}})")));
  EXPECT_FALSE(r.key_condition->matches(object(R"({"pk": {"S": "y"}, "sk": {"N": "5"}})")));

  auto only = request(R"({"KeyConditionExpression": "#k = :p",
      "ExpressionAttributeNames": {"#k": "pk"}, "ExpressionAttributeValues": {":p": {"S": "x"}}})",
                      &kSchema);
  ASSERT_TRUE(only.key_condition);
  EXPECT_FALSE(only.key_condition->sort);

  const KeySchema strings{{"pk", Type::kS}, KeyAttribute{"sk", Type::kS}};
  auto prefix = request(R"({"KeyConditionExpression": "sk >= :a AND pk = :p",
      "ExpressionAttributeValues": {":p": {"S": "x"}, ":a": {"S": "m"}}})",
                        &strings);
  ASSERT_TRUE(prefix.key_condition && prefix.key_condition->sort);
  EXPECT_EQ(prefix.key_condition->sort->op, SortKeyCondition::Op::kGe);
}

TEST(KeyCondition, Errors) {
  auto error = [](std::string_view expression,
                  std::string_view values = R"({":p": {"S": "x"}, ":n": {"N": "1"}})") {
    return request_error(R"({"KeyConditionExpression": )" +
                             json::serialize(json::string(expression)) +
                             R"(, "ExpressionAttributeValues": )" + std::string(values) + "}",
                         &kSchema);
  };
  EXPECT_EQ(error("pk = :p OR sk = :n"), "Invalid operator used in KeyConditionExpression: OR");
  EXPECT_EQ(error("sk = :n AND extra = :p", R"({":p": {"S": "x"}, ":n": {"N": "1"}})"),
            "Query condition missed key schema element: pk");
  EXPECT_EQ(error("pk = :p AND extra = :n"), "Query condition missed key schema element: sk");
  EXPECT_EQ(error("pk = :n", R"({":n": {"N": "1"}})"),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  EXPECT_EQ(error("pk = :p AND begins_with(sk, :n)"),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(error("pk = :p AND pk = :p", R"({":p": {"S": "x"}})"),
            "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one "
            "condition per key");
  EXPECT_EQ(error("pk < :p", R"({":p": {"S": "x"}})"), "Query key condition not supported");
  EXPECT_EQ(error("pk = :p AND sk <> :n"), "Invalid operator used in KeyConditionExpression: <>");
  EXPECT_EQ(request_error(R"({"TableName": "t"})", &kSchema),
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
            "request.");
}

TEST(KeyCondition, QueryFiltersMayNotReadTheKey) {
  EXPECT_EQ(
      request_error(
          R"({"KeyConditionExpression": "pk = :p", "FilterExpression": "a = :p OR size(sk) > :n",
      "ExpressionAttributeValues": {":p": {"S": "x"}, ":n": {"N": "1"}}})",
          &kSchema),
      "Filter Expression can only contain non-primary key attributes: Primary key "
      "attribute: sk");
  EXPECT_EQ(
      request_error(
          R"({"KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}},
      "QueryFilter": {"pk": {"ComparisonOperator": "NOT_NULL"}}})",
          &kSchema),
      "QueryFilter can only contain non-primary key attributes: Primary key attribute: pk");
  EXPECT_EQ(request_error(R"({"KeyConditionExpression": "pk = :p", "FilterExpression": "a = :p",
      "ExpressionAttributeValues": {":p": {"S": "x"}}})",
                          &kSchema),
            "ok");
}

TEST(Request, ParameterCombinations) {
  EXPECT_EQ(request_error(R"({"ProjectionExpression": "a", "AttributesToGet": ["a"]})"),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet} Expression parameters: "
            "{ProjectionExpression}");
  EXPECT_EQ(request_error(R"({"ExpressionAttributeValues": {":v": {"S": "x"}}})"),
            "ExpressionAttributeValues can only be specified when using expressions");
  EXPECT_EQ(request_error(R"({"ExpressionAttributeNames": {"#n": "x"}})"),
            "ExpressionAttributeNames can only be specified when using expressions");
  // Placeholders are shared by all of a request's expressions.
  EXPECT_EQ(request_error(R"({"ConditionExpression": "#a = :v", "ProjectionExpression": "#b",
      "ExpressionAttributeNames": {"#a": "a", "#b": "b"}, "ExpressionAttributeValues": {":v": {"N": "1"}}})"),
            "ok");
  EXPECT_EQ(request_error(R"({"TableName": "t", "Item": {}})"), "ok");
}

}  // namespace
}  // namespace nimbus::dynamodb
