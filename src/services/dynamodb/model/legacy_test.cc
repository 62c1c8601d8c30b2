#include <gtest/gtest.h>

#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/model/test_support.h"

namespace nimbus::dynamodb {
namespace {

using testing::object;
using testing::request;
using testing::request_error;

const json::object& legacy_item() {
  static const json::object kItem = object(R"({"id": {"S": "k"}, "n": {"N": "5"},
      "s": {"S": "hello"}, "ss": {"SS": ["a", "b"]}, "l": {"L": [{"S": "x"}]}})");
  return kItem;
}

bool expected_holds(std::string_view expected, std::string_view op = "") {
  std::string input = R"({"Expected": )" + std::string(expected);
  if (!op.empty()) input += R"(, "ConditionalOperator": ")" + std::string(op) + "\"";
  auto r = request(input + "}");
  EXPECT_TRUE(r.condition);
  return r.condition && r.condition->matches(legacy_item());
}

TEST(Legacy, ExpectedValueAndExists) {
  EXPECT_TRUE(expected_holds(R"({"n": {"Value": {"N": "5.0"}}})"));
  EXPECT_TRUE(expected_holds(R"({"n": {"Value": {"N": "5"}, "Exists": true}})"));
  EXPECT_FALSE(expected_holds(R"({"n": {"Value": {"N": "6"}}})"));
  EXPECT_TRUE(expected_holds(R"({"nope": {"Exists": false}})"));
  EXPECT_FALSE(expected_holds(R"({"n": {"Exists": false}})"));
  EXPECT_EQ(request_error(R"({"Expected": {"n": {"Exists": true}}})"),
            "One or more parameter values were invalid: Value must be provided when Exists is true "
            "for Attribute: n");
  EXPECT_EQ(request_error(R"({"Expected": {"n": {"Exists": false, "Value": {"N": "1"}}}})"),
            "One or more parameter values were invalid: Value cannot be used when Exists is false "
            "for Attribute: n");
}

TEST(Legacy, ExpectedComparisonOperators) {
  auto one = [](std::string_view attr, std::string_view op, std::string_view values) {
    return expected_holds(R"({")" + std::string(attr) + R"(": {"ComparisonOperator": ")" +
                          std::string(op) + R"(", "AttributeValueList": )" + std::string(values) +
                          "}}");
  };
  EXPECT_TRUE(one("n", "EQ", R"([{"N": "5"}])"));
  EXPECT_TRUE(one("n", "NE", R"([{"N": "4"}])"));
  EXPECT_TRUE(one("nope", "NE", R"([{"N": "4"}])"));
  EXPECT_TRUE(one("n", "GT", R"([{"N": "4"}])"));
  EXPECT_TRUE(one("n", "GE", R"([{"N": "5"}])"));
  EXPECT_TRUE(one("n", "LT", R"([{"N": "10"}])"));
  EXPECT_FALSE(one("n", "LE", R"([{"N": "4.99"}])"));
  EXPECT_TRUE(one("n", "BETWEEN", R"([{"N": "1"}, {"N": "5"}])"));
  EXPECT_TRUE(one("n", "IN", R"([{"N": "1"}, {"N": "5"}])"));
  EXPECT_TRUE(one("n", "NOT_NULL", "[]"));
  EXPECT_TRUE(one("nope", "NULL", "[]"));
  EXPECT_TRUE(one("s", "BEGINS_WITH", R"([{"S": "he"}])"));
  EXPECT_TRUE(one("s", "CONTAINS", R"([{"S": "ll"}])"));
  EXPECT_TRUE(one("ss", "CONTAINS", R"([{"S": "a"}])"));
  EXPECT_TRUE(one("ss", "NOT_CONTAINS", R"([{"S": "z"}])"));
  EXPECT_FALSE(one("ss", "NOT_CONTAINS", R"([{"S": "a"}])"));
  EXPECT_TRUE(
      expected_holds(R"({"n": {"Value": {"N": "1"}}, "s": {"Value": {"S": "hello"}}})", "OR"));
  EXPECT_FALSE(
      expected_holds(R"({"n": {"Value": {"N": "1"}}, "s": {"Value": {"S": "hello"}}})", "AND"));
}

TEST(Legacy, ExpectedErrors) {
  EXPECT_EQ(request_error(
                R"({"Expected": {"n": {"ComparisonOperator": "EQ", "AttributeValueList": []}}})"),
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
            "ComparisonOperator");
  EXPECT_EQ(
      request_error(
          R"({"Expected": {"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"SS": ["a"]}]}}})"),
      "One or more parameter values were invalid: ComparisonOperator GT is not valid for SS "
      "AttributeValue type");
  EXPECT_EQ(
      request_error(
          R"({"Expected": {"n": {"ComparisonOperator": "EQ", "Value": {"N": "1"}, "AttributeValueList": [{"N": "1"}]}}})"),
      "One or more parameter values were invalid: Value and ComparisonOperator cannot be used "
      "together for Attribute: n");
  EXPECT_EQ(request_error(
                R"({"Expected": {"n": {"Value": {"N": "1"}}}, "ConditionExpression": "a = b"})"),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}");
}

TEST(Legacy, AttributesToGetAndFilters) {
  auto r = request(R"({"AttributesToGet": ["n", "l", "nope"]})");
  ASSERT_TRUE(r.projection);
  EXPECT_EQ(json::value(r.projection->apply(legacy_item())),
            json::parse(R"({"n": {"N": "5"}, "l": {"L": [{"S": "x"}]}})"));
  EXPECT_EQ(request_error(R"({"AttributesToGet": ["n", "n"]})"),
            "One or more parameter values were invalid: Duplicate value in attribute name: n");
  auto scan = request(
      R"({"ScanFilter": {"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]},
      "s": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "nope"}]}}, "ConditionalOperator": "OR"})");
  ASSERT_TRUE(scan.filter);
  EXPECT_TRUE(scan.filter->matches(legacy_item()));
}

TEST(Legacy, KeyConditions) {
  const KeySchema schema{{"id", Type::kS}, KeyAttribute{"n", Type::kN}};
  auto r = request(
      R"({"KeyConditions": {"id": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "k"}]},
      "n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "9"}]}},
      "QueryFilter": {"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "h"}]}}})",
      &schema);
  ASSERT_TRUE(r.key_condition && r.key_condition->sort && r.filter);
  EXPECT_EQ(r.key_condition->sort->op, SortKeyCondition::Op::kBetween);
  EXPECT_TRUE(r.key_condition->matches(legacy_item()));
  EXPECT_TRUE(r.filter->matches(legacy_item()));
  EXPECT_EQ(
      request_error(
          R"({"KeyConditions": {"id": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "k"}]}}})",
          &schema),
      "Attempted conditional constraint is not an indexable operation");
  EXPECT_EQ(
      request_error(
          R"({"KeyConditions": {"n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}}})",
          &schema),
      "Query condition missed key schema element: id");
}

TEST(Legacy, AttributeUpdates) {
  auto r = request(R"({"AttributeUpdates": {
      "s": {"Action": "PUT", "Value": {"S": "bye"}},
      "n": {"Action": "ADD", "Value": {"N": "0.5"}},
      "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
      "l": {"Action": "ADD", "Value": {"L": [{"S": "y"}]}},
      "id2": {"Value": {"N": "1e1"}},
      "gone": {"Action": "DELETE"}}})");
  ASSERT_TRUE(r.update);
  auto after = r.update->apply(legacy_item());
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(json::value(*after), json::parse(R"({"id": {"S": "k"}, "n": {"N": "5.5"},
      "s": {"S": "bye"}, "ss": {"SS": ["b"]}, "l": {"L": [{"S": "x"}, {"S": "y"}]},
      "id2": {"N": "10"}})"));
  EXPECT_EQ(request_error(R"({"AttributeUpdates": {"s": {"Action": "PUT"}}})"),
            "One or more parameter values were invalid: Only DELETE action is allowed when no "
            "attribute value is specified");
  EXPECT_EQ(
      request_error(R"({"AttributeUpdates": {"s": {"Action": "ADD", "Value": {"S": "x"}}}})"),
      "One or more parameter values were invalid: ADD action is not supported for the type S");
  EXPECT_EQ(
      request_error(R"({"AttributeUpdates": {"s": {"Action": "DELETE", "Value": {"N": "1"}}}})"),
      "One or more parameter values were invalid: DELETE action with value is not supported "
      "for the type N");
}

}  // namespace
}  // namespace nimbus::dynamodb
