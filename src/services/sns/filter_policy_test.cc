// Filter policies: SNS's checks and limits, and matching in both scopes
// through the event-pattern matcher.
#include "services/sns/filter_policy.h"

#include <gtest/gtest.h>

namespace nimbus::services::sns {
namespace {

using Attrs = std::vector<events::Attribute>;

std::shared_ptr<const FilterPolicy> attrs_policy(std::string_view text) {
  auto p = FilterPolicy::parse(text, FilterScope::kMessageAttributes);
  EXPECT_TRUE(p.is_ok()) << (p ? "" : p.error().message);
  return p ? *p : nullptr;
}

std::string error_of(std::string_view text, FilterScope scope = FilterScope::kMessageAttributes) {
  auto p = FilterPolicy::parse(text, scope);
  return p ? "(ok)" : p.error().code + ": " + p.error().message;
}

TEST(FilterPolicy, MatchesAttributesByType) {
  auto p =
      attrs_policy(R"({"store":["example_corp"],"price":[{"numeric":[">=",100]}],"tags":["red"]})");
  Attrs m{{"store", "String", "example_corp"},
          {"price", "Number", "100.0"},
          {"tags", "String.Array", R"(["blue","red"])"}};
  EXPECT_TRUE(p->matches(m, ""));
  m[1].value = "99";
  EXPECT_FALSE(p->matches(m, ""));
  m[1].value = "1e3";
  EXPECT_TRUE(p->matches(m, ""));
  m[2].value = R"(["blue"])";
  EXPECT_FALSE(p->matches(m, ""));
  // A number sent as a String attribute is not a number.
  auto n = attrs_policy(R"({"price":[{"numeric":[">",1]}]})");
  EXPECT_FALSE(n->matches({{"price", "String", "5"}}, ""));
  EXPECT_TRUE(n->matches({{"price", "Number", "5"}}, ""));
}

TEST(FilterPolicy, OperatorsOfThePatternMatcher) {
  auto p = attrs_policy(
      R"({"a":[{"prefix":"ord"}],"b":[{"anything-but":["x"]}],"c":[{"exists":false}]})");
  EXPECT_TRUE(p->matches({{"a", "String", "order"}, {"b", "String", "y"}}, ""));
  EXPECT_FALSE(p->matches({{"a", "String", "order"}, {"b", "String", "x"}}, ""));
  EXPECT_FALSE(
      p->matches({{"a", "String", "order"}, {"b", "String", "y"}, {"c", "String", "1"}}, ""));
  auto any = attrs_policy(R"({"$or":[{"a":["1"]},{"b":["2"]}]})");
  EXPECT_TRUE(any->matches({{"b", "String", "2"}}, ""));
  EXPECT_FALSE(any->matches({{"b", "String", "3"}}, ""));
  // Binary attributes are never matched.
  auto bin = attrs_policy(R"({"blob":[{"exists":true}]})");
  EXPECT_FALSE(bin->matches({{"blob", "Binary", "\x01\x02", true}}, ""));
}

TEST(FilterPolicy, MessageBodyScope) {
  auto p = FilterPolicy::parse(R"({"order":{"total":[{"numeric":[">",10]}]}})",
                               FilterScope::kMessageBody);
  ASSERT_TRUE(p.is_ok());
  EXPECT_TRUE((*p)->matches({}, R"({"order":{"total":12}})"));
  EXPECT_FALSE((*p)->matches({}, R"({"order":{"total":2}})"));
  EXPECT_FALSE((*p)->matches({}, "not json"));
}

TEST(FilterPolicy, SnsLimitsAndErrors) {
  EXPECT_EQ(error_of(R"({"a":{"b":["c"]}})"),
            "InvalidParameterException: Invalid parameter: FilterPolicy: Filter policy scope "
            "MessageAttributes does not support nested filter policy");
  EXPECT_EQ(error_of(R"({"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]})"),
            "InvalidParameterException: Invalid parameter: FilterPolicy: Filter policy can not "
            "have more than 5 keys");
  std::string many = R"({"a":[)";
  for (int i = 0; i < 13; ++i) many += (i ? "," : "") + std::to_string(i);
  many += R"(],"b":[)";
  for (int i = 0; i < 12; ++i) many += (i ? "," : "") + std::to_string(i);
  many += "]}";
  EXPECT_EQ(error_of(many),
            "InvalidParameterException: Invalid parameter: FilterPolicy: Filter policy is too "
            "complex");
  EXPECT_EQ(error_of(R"({"a":[{"numeric":[">",2000000000]}]})"),
            "InvalidParameterException: Invalid parameter: FilterPolicy: Value must be between "
            "-1.0E9 and 1.0E9, inclusive");
  EXPECT_EQ(error_of(R"({"a":[{"contains":"x"}]})"),
            "InvalidParameterException: Invalid parameter: FilterPolicy: Unrecognized match "
            "type contains");
  EXPECT_EQ(error_of("[1]").rfind("InvalidParameterException: Invalid parameter: FilterPolicy:", 0),
            0u);
  EXPECT_EQ(error_of("{}"),
            "InvalidParameterException: Invalid parameter: FilterPolicy: Filter policy can not "
            "be empty");
}

}  // namespace
}  // namespace nimbus::services::sns
