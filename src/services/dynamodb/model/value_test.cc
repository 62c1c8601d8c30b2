#include "services/dynamodb/model/value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace nimbus::dynamodb {
namespace {

json::value parse(std::string_view text) {
  return json::parse(text);
}

// The message normalize_value() gives, or "ok" and the normalized value.
std::string normalized(std::string_view text) {
  json::value v = parse(text);
  auto st = normalize_value(v);
  return st ? "ok " + json::serialize(v) : st.error().message;
}

TEST(Value, NormalizesNumbersEverywhere) {
  EXPECT_EQ(normalized(R"({"N":"1.50"})"), R"(ok {"N":"1.5"})");
  EXPECT_EQ(normalized(R"({"NS":["1e2","-0"]})"), R"(ok {"NS":["100","0"]})");
  EXPECT_EQ(normalized(R"({"M":{"a":{"L":[{"N":"007"}]}}})"),
            R"(ok {"M":{"a":{"L":[{"N":"7"}]}}})");
  json::object item = parse(R"({"id":{"S":"x"},"n":{"N":"+3.0"}})").as_object();
  ASSERT_TRUE(normalize_item(item));
  EXPECT_EQ(json::serialize(item), R"({"id":{"S":"x"},"n":{"N":"3"}})");
}

TEST(Value, AcceptsEmptyStringsAndBinariesAndContainers) {
  EXPECT_EQ(normalized(R"({"S":""})"), R"(ok {"S":""})");
  EXPECT_EQ(normalized(R"({"B":""})"), R"(ok {"B":""})");
  EXPECT_EQ(normalized(R"({"SS":[""]})"), R"(ok {"SS":[""]})");
  EXPECT_EQ(normalized(R"({"L":[]})"), R"(ok {"L":[]})");
  EXPECT_EQ(normalized(R"({"M":{}})"), R"(ok {"M":{}})");
  EXPECT_EQ(normalized(R"({"BOOL":false})"), R"(ok {"BOOL":false})");
  EXPECT_EQ(normalized(R"({"NULL":true})"), R"(ok {"NULL":true})");
}

TEST(Value, RejectsWithDynamoDBsMessages) {
  EXPECT_EQ(normalized(R"({"SS":[]})"),
            "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_EQ(normalized(R"({"NS":[]})"),
            "One or more parameter values were invalid: An number set  may not be empty");
  EXPECT_EQ(normalized(R"({"BS":[]})"),
            "One or more parameter values were invalid: Binary sets should not be empty");
  EXPECT_EQ(normalized(R"({"SS":["a","b","a"]})"),
            "One or more parameter values were invalid: Input collection [a, b, a] contains "
            "duplicates.");
  // Numbers are duplicates by value, not by text.
  EXPECT_EQ(normalized(R"({"NS":["1","1.0"]})"),
            "One or more parameter values were invalid: Input collection [1, 1.0] contains "
            "duplicates.");
  EXPECT_EQ(normalized(R"({"NULL":false})"),
            "One or more parameter values were invalid: Null attribute value types must have the "
            "value of true");
  EXPECT_EQ(normalized(R"({})"),
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
  EXPECT_EQ(normalized(R"({"S":"a","N":"1"})"),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes");
  EXPECT_EQ(normalized(R"({"N":"x"})"), "A value provided cannot be converted into a number");
  EXPECT_EQ(normalized(R"({"M":{"a":{"NS":["1E200"]}}})"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

TEST(Value, NestingLimit) {
  json::value v = json::object{{"S", "x"}};
  for (int i = 1; i < kMaxNestingDepth; ++i) v = json::object{{"L", json::array{v}}};
  json::value copy = v;
  EXPECT_TRUE(normalize_value(copy));
  json::value deeper = json::object{{"M", json::object{{"a", v}}}};
  EXPECT_EQ(normalize_value(deeper).error().message,
            "One or more parameter values were invalid: Nesting Levels have exceeded supported "
            "limits");
}

TEST(Value, KeyValues) {
  EXPECT_TRUE(validate_key_value("id", parse(R"({"S":"a"})"), Type::kS));
  EXPECT_EQ(validate_key_value("id", parse(R"({"N":"1"})"), Type::kS).error().message,
            "One or more parameter values were invalid: Type mismatch for key id expected: S "
            "actual: N");
  EXPECT_EQ(validate_key_value("id", parse(R"({"S":""})"), Type::kS).error().message,
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: id");
  EXPECT_EQ(validate_key_value("id", parse(R"({"B":""})"), Type::kB).error().code,
            "ValidationException");
}

TEST(Value, EqualityIsDynamoDBs) {
  auto eq = [](std::string_view a, std::string_view b) { return values_equal(parse(a), parse(b)); };
  EXPECT_TRUE(eq(R"({"N":"1"})", R"({"N":"1.00"})"));
  EXPECT_FALSE(eq(R"({"N":"1"})", R"({"S":"1"})"));
  EXPECT_TRUE(eq(R"({"SS":["a","b"]})", R"({"SS":["b","a"]})"));
  EXPECT_FALSE(eq(R"({"SS":["a","b"]})", R"({"SS":["a","c"]})"));
  EXPECT_TRUE(eq(R"({"NS":["1","20"]})", R"({"NS":["2e1","1.0"]})"));
  EXPECT_FALSE(eq(R"({"L":[{"S":"a"},{"S":"b"}]})", R"({"L":[{"S":"b"},{"S":"a"}]})"));
  EXPECT_TRUE(eq(R"({"M":{"a":{"N":"1"},"b":{"NULL":true}}})",
                 R"({"M":{"b":{"NULL":true},"a":{"N":"1.0"}}})"));
  EXPECT_FALSE(eq(R"({"M":{"a":{"N":"1"}}})", R"({"M":{"a":{"N":"1"},"b":{"S":""}}})"));
  EXPECT_TRUE(eq(R"({"BOOL":true})", R"({"BOOL":true})"));
  EXPECT_FALSE(eq(R"({"BOOL":true})", R"({"BOOL":false})"));
}

TEST(Value, OrderOfKeyValues) {
  auto cmp = [](std::string_view a, std::string_view b) {
    return compare_values(parse(a), parse(b));
  };
  EXPECT_LT(cmp(R"({"N":"9"})", R"({"N":"10"})"), 0);  // numerically, not as text
  EXPECT_GT(cmp(R"({"N":"-9"})", R"({"N":"-10"})"), 0);
  EXPECT_EQ(cmp(R"({"N":"1.0"})", R"({"N":"1"})"), 0);
  EXPECT_LT(cmp(R"({"S":"B"})", R"({"S":"a"})"), 0);  // bytewise: uppercase first
  EXPECT_LT(cmp(R"({"S":"a"})", R"({"S":"ab"})"), 0);
  // Bytes above 0x7F sort after ASCII (unsigned comparison).
  json::value hi = json::object{{"B", std::string("\xff", 1)}};
  json::value lo = json::object{{"B", std::string("\x01", 1)}};
  EXPECT_GT(compare_values(hi, lo), 0);
}

json::value number(const std::string& text) {
  json::value v = json::object{{"N", text}};
  EXPECT_TRUE(normalize_value(v)) << text;
  return v;
}

TEST(Value, KeyEncodingSortsNumbersNumerically) {
  std::vector<std::string> texts = {"-9.9999999999999999999999999999999999999E+125",
                                    "-1E125",
                                    "-123456",
                                    "-1000",
                                    "-999.99",
                                    "-101",
                                    "-100.5",
                                    "-100",
                                    "-99",
                                    "-10.01",
                                    "-10",
                                    "-9",
                                    "-1.23",
                                    "-1.2",
                                    "-1.1",
                                    "-1",
                                    "-0.99",
                                    "-0.5",
                                    "-0.0001",
                                    "-1E-129",
                                    "-1E-130",
                                    "0",
                                    "1E-130",
                                    "1E-129",
                                    "0.0001",
                                    "0.5",
                                    "0.99",
                                    "1",
                                    "1.1",
                                    "1.2",
                                    "1.23",
                                    "9",
                                    "10",
                                    "10.01",
                                    "99",
                                    "100",
                                    "100.5",
                                    "101",
                                    "999.99",
                                    "1000",
                                    "123456",
                                    "1E125",
                                    "9.9999999999999999999999999999999999999E+125"};
  std::vector<std::string> encoded;
  for (const auto& t : texts) encoded.push_back(encode_key_value(number(t)));
  for (size_t i = 0; i + 1 < encoded.size(); ++i) {
    EXPECT_LT(encoded[i], encoded[i + 1]) << texts[i] << " vs " << texts[i + 1];
  }
  // Equal numbers, equal bytes.
  EXPECT_EQ(encode_key_value(number("1.50")), encode_key_value(number("15E-1")));
  // Round trip.
  for (size_t i = 0; i < texts.size(); ++i) {
    auto back = decode_key_value(Type::kN, encoded[i]);
    ASSERT_TRUE(back) << texts[i];
    EXPECT_TRUE(values_equal(*back, number(texts[i]))) << texts[i];
  }
  EXPECT_FALSE(decode_key_value(Type::kN, ""));
  EXPECT_FALSE(decode_key_value(Type::kN, "\x03\x80"));
  EXPECT_FALSE(decode_key_value(Type::kN, std::string("\x03\x80\x30", 3)));  // trailing zero
}

TEST(Value, KeyEncodingAgreesWithCompareOnRandomNumbers) {
  std::mt19937 rng(7);
  auto random_number = [&] {
    std::string s = rng() % 2 ? "-" : "";
    int digits = 1 + static_cast<int>(rng() % 38);
    for (int i = 0; i < digits; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
    s += "E" + std::to_string(static_cast<int>(rng() % 200) - 120);
    return number(s);
  };
  for (int i = 0; i < 2000; ++i) {
    auto a = random_number();
    auto b = random_number();
    int by_value = compare_values(a, b);
    int by_bytes = encode_key_value(a).compare(encode_key_value(b));
    by_bytes = by_bytes < 0 ? -1 : (by_bytes > 0 ? 1 : 0);
    ASSERT_EQ(by_value, by_bytes) << json::serialize(a) << " vs " << json::serialize(b);
  }
}

TEST(Value, KeyEncodingOfStringsAndBinariesIsTheirBytes) {
  EXPECT_EQ(encode_key_value(parse(R"({"S":"abc"})")), "abc");
  json::value b = json::object{{"B", std::string("\x00\xff", 2)}};
  EXPECT_EQ(encode_key_value(b), std::string("\x00\xff", 2));
  EXPECT_TRUE(values_equal(*decode_key_value(Type::kB, std::string("\x00\xff", 2)), b));
  EXPECT_TRUE(values_equal(*decode_key_value(Type::kS, "abc"), parse(R"({"S":"abc"})")));
}

TEST(Value, SizesByDynamoDBsRules) {
  EXPECT_EQ(value_size(parse(R"({"S":"héllo"})")), 6u);  // UTF-8 bytes
  EXPECT_EQ(value_size(parse(R"({"N":"27"})")), 2u);
  EXPECT_EQ(value_size(parse(R"({"B":"abc"})")), 3u);  // raw bytes (decoded by the engine)
  EXPECT_EQ(value_size(parse(R"({"BOOL":true})")), 1u);
  EXPECT_EQ(value_size(parse(R"({"NULL":true})")), 1u);
  EXPECT_EQ(value_size(parse(R"({"SS":["ab","c"]})")), 3u);
  EXPECT_EQ(value_size(parse(R"({"NS":["27","-27"]})")), 5u);
  EXPECT_EQ(value_size(parse(R"({"L":[]})")), 3u);
  EXPECT_EQ(value_size(parse(R"({"L":[{"S":"ab"},{"N":"1"}]})")), 3u + 3u + 3u);
  EXPECT_EQ(value_size(parse(R"({"M":{"ab":{"S":"xyz"}}})")), 3u + 1u + 2u + 3u);
  json::object item = parse(R"({"id":{"S":"abc"},"n":{"N":"-27"}})").as_object();
  EXPECT_EQ(item_size(item), 2u + 3u + 1u + 3u);
}

TEST(Value, ItemSizeLimit) {
  json::object item;
  item["id"] = json::object{{"S", std::string(kMaxItemSize - 2, 'x')}};
  EXPECT_EQ(item_size(item), kMaxItemSize);
  EXPECT_TRUE(check_item_size(item));
  item["x"] = json::object{{"BOOL", true}};
  auto st = check_item_size(item);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "ValidationException");
  EXPECT_EQ(st.error().message, "Item size has exceeded the maximum allowed size");
}

TEST(Value, TypeNames) {
  for (auto t : {Type::kS, Type::kN, Type::kB, Type::kSS, Type::kNS, Type::kBS, Type::kM, Type::kL,
                 Type::kNull, Type::kBool}) {
    EXPECT_EQ(type_from_name(type_name(t)), t);
  }
  EXPECT_EQ(type_of(parse(R"({"NULL":true})")), Type::kNull);
  EXPECT_FALSE(type_of(parse(R"({"X":1})")));
  EXPECT_FALSE(type_of(parse(R"("S")")));
}

}  // namespace
}  // namespace nimbus::dynamodb
