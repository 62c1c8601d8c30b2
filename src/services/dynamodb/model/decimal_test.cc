#include "services/dynamodb/model/decimal.h"

#include <gtest/gtest.h>

#include <string>

namespace nimbus::dynamodb {
namespace {

std::string canonical(std::string_view text) {
  auto d = Decimal::parse(text);
  return d ? d->to_string() : "error: " + d.error().message;
}

std::string sum(std::string_view a, std::string_view b) {
  auto r = Decimal::parse(a)->add(*Decimal::parse(b));
  return r ? r->to_string() : "error: " + r.error().message;
}

TEST(Decimal, CanonicalFormIsWhatDynamoDBReturns) {
  EXPECT_EQ(canonical("00042"), "42");
  EXPECT_EQ(canonical("-0"), "0");
  EXPECT_EQ(canonical("+0"), "0");
  EXPECT_EQ(canonical("0.000"), "0");
  EXPECT_EQ(canonical("1.5E2"), "150");
  EXPECT_EQ(canonical("1e+2"), "100");
  EXPECT_EQ(canonical("+5"), "5");
  EXPECT_EQ(canonical("1.0"), "1");
  EXPECT_EQ(canonical("-12.50"), "-12.5");
  EXPECT_EQ(canonical(".5"), "0.5");
  EXPECT_EQ(canonical("5."), "5");
  EXPECT_EQ(canonical("0.0012"), "0.0012");
  EXPECT_EQ(canonical("12e-5"), "0.00012");
  EXPECT_EQ(canonical("123.456e1"), "1234.56");
  EXPECT_EQ(canonical("1E125"), "1" + std::string(125, '0'));
  EXPECT_EQ(canonical("-1E-130"), "-0." + std::string(129, '0') + "1");
}

TEST(Decimal, RejectsWhatDynamoDBRejects) {
  const std::string bad = "error: A value provided cannot be converted into a number";
  for (const char* text : {"abc", " 5", "5 ", "1+2", "1.2.3", "+e2", "1e", "1e+", ".", "-", "0x10",
                           "NaN", "Infinity", "1,5", "--1"}) {
    EXPECT_EQ(canonical(text), bad) << text;
  }
  EXPECT_EQ(canonical(""), "error: The parameter cannot be converted to a numeric value");
}

TEST(Decimal, LimitsAndTheirMessages) {
  std::string digits38(38, '9');
  EXPECT_EQ(canonical(digits38), digits38);
  EXPECT_EQ(canonical(digits38 + "1"),
            "error: Attempting to store more than 38 significant digits in a Number");
  // Trailing and leading zeros are not significant.
  EXPECT_EQ(canonical("0000" + digits38 + "0000"), digits38 + "0000");
  EXPECT_EQ(canonical("9.9999999999999999999999999999999999999E+125"),
            "99999999999999999999999999999999999999" + std::string(88, '0'));
  EXPECT_EQ(canonical("1E126"),
            "error: Number overflow. Attempting to store a number with magnitude larger than "
            "supported range");
  EXPECT_EQ(canonical("-1E126"),
            "error: Number overflow. Attempting to store a number with magnitude larger than "
            "supported range");
  EXPECT_EQ(canonical("1E-131"),
            "error: Number underflow. Attempting to store a number with magnitude smaller than "
            "supported range");
  EXPECT_TRUE(Decimal::parse("1E-130"));
  EXPECT_TRUE(Decimal::parse("0E999999999999"));  // zero has no magnitude
  EXPECT_FALSE(Decimal::parse("1E99999999999999999999"));
}

TEST(Decimal, AddsExactly) {
  EXPECT_EQ(sum("0.1", "0.2"), "0.3");
  EXPECT_EQ(sum("1", "-1"), "0");
  EXPECT_EQ(sum("-5", "3"), "-2");
  EXPECT_EQ(sum("3", "-5"), "-2");
  EXPECT_EQ(sum("99", "1"), "100");
  EXPECT_EQ(sum("1000", "-0.001"), "999.999");
  EXPECT_EQ(sum("-1.5", "-2.25"), "-3.75");
  EXPECT_EQ(sum("0", "-7"), "-7");
  EXPECT_EQ(sum("1E100", "1E100"), "2" + std::string(100, '0'));
  EXPECT_EQ(sum(std::string(38, '9'), "1"), "1" + std::string(38, '0'));
  EXPECT_EQ(sum("9.9999999999999999999999999999999999999E+125", "1E+125"),
            "error: Number overflow. Attempting to store a number with magnitude larger than "
            "supported range");
  EXPECT_EQ(sum("1E20", "1E-20"),
            "error: Attempting to store more than 38 significant digits in a Number");
  auto d = Decimal::parse("10")->subtract(*Decimal::parse("0.5"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->to_string(), "9.5");
}

TEST(Decimal, OrdersNumerically) {
  const char* ascending[] = {"-1E125", "-100",   "-99.5", "-1",  "-0.5", "-1E-130",
                             "0",      "1E-130", "0.5",   "1",   "1.05", "1.5",
                             "2",      "10",     "99",    "100", "1E125"};
  for (size_t i = 0; i + 1 < std::size(ascending); ++i) {
    auto a = *Decimal::parse(ascending[i]);
    auto b = *Decimal::parse(ascending[i + 1]);
    EXPECT_LT(a, b) << ascending[i] << " < " << ascending[i + 1];
    EXPECT_GT(b, a);
  }
  EXPECT_EQ(*Decimal::parse("1.50"), *Decimal::parse("15e-1"));
}

TEST(Decimal, SizeBytesByDynamoDBsRule) {
  auto size = [](std::string_view t) { return Decimal::parse(t)->size_bytes(); };
  EXPECT_EQ(size("0"), 1u);
  EXPECT_EQ(size("27"), 2u);
  EXPECT_EQ(size("-27"), 3u);
  EXPECT_EQ(size("461"), 3u);
  EXPECT_EQ(size("1786461547"), 6u);
  EXPECT_EQ(size("1000"), 2u);   // trailing zeros trimmed
  EXPECT_EQ(size("10.5"), 3u);   // 1 + ceil(2/2) + ceil(1/2)
  EXPECT_EQ(size("0.05"), 2u);   // leading zeros trimmed
  EXPECT_EQ(size("1E125"), 2u);  // the same figure as stored in plain form
  EXPECT_EQ(size(std::string(38, '9')), 20u);
}

TEST(Decimal, FromInt) {
  EXPECT_EQ(Decimal::from_int(0).to_string(), "0");
  EXPECT_EQ(Decimal::from_int(-120).to_string(), "-120");
  EXPECT_EQ(Decimal::from_int(INT64_MIN).to_string(), "-9223372036854775808");
}

}  // namespace
}  // namespace nimbus::dynamodb
