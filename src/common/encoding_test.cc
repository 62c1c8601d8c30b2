#include "common/encoding.h"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 37));
    auto back = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, bytes);
  }
}

// Long texts decode eight characters at a time: a break or a bad character
// anywhere in such a stretch still decodes (or fails) as it should.
TEST(Base64, LongTextsWithBreaksAndBadCharacters) {
  std::string bytes;
  for (int i = 0; i < 60; ++i) bytes.push_back(static_cast<char>(i * 91 + 7));
  std::string text = base64_encode(bytes);  // 80 characters
  for (size_t at = 0; at <= text.size(); ++at) {
    EXPECT_EQ(base64_decode(text.substr(0, at) + "\r\n" + text.substr(at)), bytes) << at;
    if (at < text.size()) {
      std::string bad = text;
      bad[at] = '!';
      EXPECT_FALSE(base64_decode(bad)) << at;
    }
  }
}

// What base64_decode must do, one character at a time (no fast paths).
std::optional<std::string> reference_decode(std::string_view text) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  int pad = 0;
  for (char c : text) {
    if (c == '=') {
      ++pad;
      continue;
    }
    if (c == '\n' || c == '\r' || c == ' ') continue;
    if (pad > 0 || sextet(c) < 0) return std::nullopt;
    acc = acc << 6 | static_cast<uint32_t>(sextet(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(acc >> bits & 0xff));
    }
  }
  if (pad > 2 || bits >= 6) return std::nullopt;
  return out;
}

// Long texts decode 32 characters at a time where the CPU allows (AVX2):
// every character of both alphabets, and any other byte, at every place of
// such a block decodes (or fails) as one character at a time does.
TEST(Base64, BlocksMatchCharacterByCharacter) {
  std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
  std::string base;
  for (int i = 0; i < 160; ++i) base.push_back(alphabet[(i * 7 + i / 5) % 64]);
  ASSERT_EQ(reference_decode(base), base64_decode(base));
  for (size_t at = 0; at < 100; ++at) {
    for (int b = 0; b < 256; ++b) {
      std::string text = base;
      text[at] = static_cast<char>(b);
      auto want = reference_decode(text);
      auto got = base64_decode(text);
      ASSERT_EQ(want.has_value(), got.has_value()) << at << " " << b;
      if (want) ASSERT_EQ(*want, *got) << at << " " << b;
    }
  }
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes.push_back(static_cast<char>(i * 131 + i / 7));
  for (size_t len : {24u, 48u, 72u, 96u, 1000u, 3000u}) {
    std::string part = bytes.substr(0, len);
    EXPECT_EQ(base64_decode(base64_encode(part)), part) << len;
  }
}

// What base64_encode must write, one bit at a time (no fast paths).
std::string reference_encode(std::string_view bytes) {
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : bytes) {
    acc = acc << 8 | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[acc >> bits & 63]);
    }
  }
  if (bits > 0) out.push_back(alphabet[acc << (6 - bits) & 63]);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

// Long inputs encode 24 bytes at a time where the CPU allows (AVX2): every
// byte value at every place of such a block, and every length around the
// block's edges, encodes as one bit at a time does.
TEST(Base64, EncodedBlocksMatchBitByBit) {
  std::string base;
  for (int i = 0; i < 100; ++i) base.push_back(static_cast<char>(i * 73 + 11));
  for (size_t at = 0; at < 60; ++at) {
    for (int b = 0; b < 256; ++b) {
      std::string bytes = base;
      bytes[at] = static_cast<char>(b);
      ASSERT_EQ(base64_encode(bytes), reference_encode(bytes)) << at << " " << b;
    }
  }
  for (size_t len = 0; len <= base.size(); ++len) {
    ASSERT_EQ(base64_encode(base.substr(0, len)), reference_encode(base.substr(0, len))) << len;
  }
}

TEST(Base64, KnownValues) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(*base64_decode("Zm9v\nYmFy"), "foobar");
  EXPECT_EQ(*base64_decode("Zm8"), "fo");  // padding optional
}

TEST(Base64, WholeGroupsAndTheGeneralRulesAgree) {
  EXPECT_EQ(*base64_decode("Zm9vYmFyZm9v"), "foobarfoo");
  EXPECT_EQ(*base64_decode("Zm9vYmFy\r\nZm9v"), "foobarfoo");  // a break after groups
  EXPECT_EQ(*base64_decode("Zm9 vYmFy"), "foobar");            // a space inside one
  EXPECT_EQ(*base64_decode("Zm9vZg=="), "foof");
  EXPECT_EQ(*base64_decode("Zm9vZm8="), "foofo");
  EXPECT_EQ(*base64_decode("-_-_"), "\xfb\xff\xbf");  // URL-safe
  EXPECT_FALSE(base64_decode("Zm9vYmFy!m9v"));
  EXPECT_FALSE(base64_decode("Zm9vYmF\x80"));
  EXPECT_FALSE(base64_decode("Zm9vZg==Zm9v"));
  char buf[base64_decoded_max(8)];
  EXPECT_EQ(base64_decode_to("Zm9vYmFy", buf), 6u);
  EXPECT_EQ(std::string(buf, 6), "foobar");
}

TEST(Base64, RejectsGarbage) {
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zg==Zg"));  // data after padding
  EXPECT_FALSE(base64_decode("Z"));       // truncated group
}

TEST(PercentDecode, FormAndQueryRules) {
  EXPECT_EQ(percent_decode("a%20b+c"), "a b+c");
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("%E2%9C%93"), "\xE2\x9C\x93");
}

TEST(PercentEncode, KeepsOnlyUnreservedBytes) {
  EXPECT_EQ(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(percent_encode("a b+c*/=&"), "a%20b%2Bc%2A%2F%3D%26");
  EXPECT_EQ(percent_encode("a/b c", true), "a/b%20c");
  EXPECT_EQ(percent_encode(std::string("\xE2\x9C\x93\0", 4)), "%E2%9C%93%00");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(PercentEncode, DecodeUndoesIt) {
  std::string every;
  for (int c = 0; c < 256; ++c) every.push_back(static_cast<char>(c));
  EXPECT_EQ(percent_decode(percent_encode(every)), every);
  EXPECT_EQ(percent_decode(percent_encode(every, true)), every);
}

}  // namespace
}  // namespace nimbus
