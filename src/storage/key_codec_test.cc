// Key codec: byte order of encoded keys is tuple order, and decoding is exact.
#include "storage/key_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace nimbus::storage {
namespace {

int sign(int c) {
  return (c > 0) - (c < 0);
}

TEST(KeyCodec, U64IsBigEndian) {
  EXPECT_EQ(encode_key(uint64_t{0x0102030405060708}),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  uint64_t v = 0;
  ASSERT_TRUE(decode_key(encode_key(uint64_t{42}), v));
  EXPECT_EQ(v, 42u);
}

TEST(KeyCodec, I64OrdersNegativesFirst) {
  std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 1000,
                                 std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    EXPECT_LT(encode_key(values[i]), encode_key(values[i + 1])) << values[i];
  }
  for (int64_t v : values) {
    int64_t got = 7;
    ASSERT_TRUE(decode_key(encode_key(v), got));
    EXPECT_EQ(got, v);
  }
}

TEST(KeyCodec, StringsEscapeNulAndTerminate) {
  using namespace std::string_literals;
  EXPECT_EQ(encode_key(std::string_view("ab")), "ab\0\x01"s);
  EXPECT_EQ(encode_key(std::string_view("a\0b"s)),
            "a\0\xff"
            "b\0\x01"s);
  // "" < "\0" < "\0\0" < "\x01" and a string sorts before its extensions.
  std::vector<std::string> ordered = {""s,  "\0"s,  "\0\0"s, "\0\x01"s, "\x01"s,
                                      "a"s, "a\0"s, "ab"s,   "b"s,      "\xff"s};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(encode_key(std::string_view(ordered[i])),
              encode_key(std::string_view(ordered[i + 1])))
        << i;
  }
  for (const auto& s : ordered) {
    std::string got;
    ASSERT_TRUE(decode_key(encode_key(std::string_view(s)), got));
    EXPECT_EQ(got, s);
  }
}

TEST(KeyCodec, TupleComponentsDoNotBleed) {
  // ("a", "b") must sort before ("ab", "") even though "a"+"b" == "ab"+"".
  std::string k1 = encode_key(std::string_view("a"), std::string_view("b"));
  std::string k2 = encode_key(std::string_view("ab"), std::string_view(""));
  EXPECT_LT(k1, k2);
  std::string a, b;
  ASSERT_TRUE(decode_key(k2, a, b));
  EXPECT_EQ(a, "ab");
  EXPECT_EQ(b, "");
}

TEST(KeyCodec, TupleEncodingIsAScanPrefix) {
  std::string whole = encode_key(uint64_t{7}, std::string_view("group"), int64_t{-3});
  std::string prefix = encode_key(uint64_t{7}, std::string_view("group"));
  EXPECT_EQ(whole.compare(0, prefix.size(), prefix), 0);
  // A different string with the same start is not under the prefix...
  std::string other = encode_key(uint64_t{7}, std::string_view("groupie"), int64_t{-3});
  EXPECT_NE(other.compare(0, prefix.size(), prefix), 0);
  // ...but is under str_prefix("group").
  std::string sp = KeyBuilder().u64(7).str_prefix("group").bytes();
  EXPECT_EQ(other.compare(0, sp.size(), sp), 0);
  EXPECT_EQ(whole.compare(0, sp.size(), sp), 0);
}

TEST(KeyCodec, TailIsRawAndLast) {
  std::string k = KeyBuilder().u64(3).tail("stream/name").bytes();
  EXPECT_EQ(k.size(), 8 + 11u);
  KeyReader r(k);
  EXPECT_EQ(r.u64(), 3u);
  EXPECT_EQ(r.tail(), "stream/name");
  EXPECT_TRUE(r.done());
}

TEST(KeyCodec, MalformedInputIsRejected) {
  using namespace std::string_literals;
  uint64_t u = 0;
  int64_t i = 0;
  std::string s;
  EXPECT_FALSE(decode_key("\x01\x02"s, u));                    // truncated
  EXPECT_FALSE(decode_key("abc"s, s));                         // no terminator
  EXPECT_FALSE(decode_key("ab\0"s, s));                        // cut inside the terminator
  EXPECT_FALSE(decode_key("a\0\x02"s, s));                     // bad escape
  EXPECT_FALSE(decode_key(encode_key(uint64_t{1}) + "x", u));  // bytes left over
  EXPECT_FALSE(decode_key(encode_key(uint64_t{1}), u, i));     // too short for the schema
  EXPECT_FALSE(decode_key(""s, s));
}

// The property the schemas rely on: for random tuples of one schema, byte
// order of the encodings equals tuple order, and every encoding decodes back.
// Strings are drawn from a tiny alphabet with NUL, 0x01 and 0xFF so that
// escapes, terminators and prefixes collide often.
TEST(KeyCodec, ByteOrderIsTupleOrder) {
  using Tuple = std::tuple<std::string, uint64_t, int64_t, std::string>;
  std::mt19937_64 rng(20261203);
  auto random_string = [&] {
    static const char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\xff'};
    std::string s(rng() % 4, ' ');
    for (char& c : s) c = kAlphabet[rng() % sizeof(kAlphabet)];
    return s;
  };
  auto random_u64 = [&]() -> uint64_t {
    switch (rng() % 4) {
      case 0:
        return 0;
      case 1:
        return std::numeric_limits<uint64_t>::max();
      case 2:
        return rng() % 4;
      default:
        return rng();
    }
  };
  auto random_i64 = [&]() -> int64_t {
    switch (rng() % 4) {
      case 0:
        return std::numeric_limits<int64_t>::min();
      case 1:
        return std::numeric_limits<int64_t>::max();
      case 2:
        return static_cast<int64_t>(rng() % 5) - 2;
      default:
        return static_cast<int64_t>(rng());
    }
  };
  std::vector<std::pair<Tuple, std::string>> samples;
  for (int n = 0; n < 600; ++n) {
    Tuple t{random_string(), random_u64(), random_i64(), random_string()};
    std::string k = encode_key(std::string_view(std::get<0>(t)), std::get<1>(t), std::get<2>(t),
                               std::string_view(std::get<3>(t)));
    Tuple back;
    ASSERT_TRUE(
        decode_key(k, std::get<0>(back), std::get<1>(back), std::get<2>(back), std::get<3>(back)));
    ASSERT_EQ(back, t);
    samples.emplace_back(std::move(t), std::move(k));
  }
  for (const auto& [ta, ka] : samples) {
    for (const auto& [tb, kb] : samples) {
      int want = ta < tb ? -1 : (tb < ta ? 1 : 0);
      ASSERT_EQ(sign(ka.compare(kb)), want);
    }
  }
}

}  // namespace
}  // namespace nimbus::storage
