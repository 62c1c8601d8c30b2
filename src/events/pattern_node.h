// The compiled form of an EventPattern (internal to pattern*.cc): a tree that
// mirrors the pattern's objects, with each leaf's alternatives compiled into
// Matchers. Immutable after parse(), so matching needs no locks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/pattern.h"

namespace nimbus::events {

// EventBridge compares numbers with six digits after the decimal point,
// within ±5e9: a number is kept as the integer (5e9 + x) * 1e6.
inline constexpr double kNumericLimit = 5.0e9;

struct Matcher {
  enum class Kind {
    kString,  // exact string (text)
    kNumber,  // exact number (number, plus integer/in_range)
    kBool,    // true/false (flag)
    kNull,    // null
    kIp,      // a string that is an IP address: the same address
    kPrefix,  // text; ignore_case
    kSuffix,  // text; ignore_case
    kEqualsIgnoreCase,
    kWildcard,     // segments between '*'
    kNumeric,      // range lo..hi
    kCidr,         // address range
    kExists,       // flag: true = exists, false = absent
    kAnythingBut,  // strings or numbers (not), with texts/numbers
    kAnythingButPrefix,
    kAnythingButSuffix,
    kAnythingButIgnoreCase,
    kAnythingButWildcard,
  };
  Kind kind = Kind::kString;
  bool flag = false;
  bool ignore_case = false;
  std::string text;
  // kNumber: the value; integer when the pattern wrote an integer.
  double number = 0;
  bool is_integer = false;
  std::int64_t integer = 0;
  // kNumeric: bounds as scaled integers; has_lo/has_hi and open ends.
  std::int64_t lo = 0, hi = 0;
  bool has_lo = false, has_hi = false, lo_open = false, hi_open = false;
  // kIp/kCidr: family (4 or 16 bytes) and the inclusive address range.
  int ip_len = 0;
  std::array<std::uint8_t, 16> ip_lo{}, ip_hi{};
  // kAnythingBut*: the excluded strings (or wildcard patterns, joined as
  // segments in `wildcards`) or scaled numbers.
  std::vector<std::string> texts;
  std::vector<std::int64_t> numbers;
  // kWildcard (and each anything-but wildcard): the literal pieces between
  // stars, and whether the pattern starts/ends with a star.
  struct Wildcard {
    std::vector<std::string> pieces;
    bool leading_star = false, trailing_star = false;
  };
  std::vector<Wildcard> wildcards;
};

struct EventPattern::Node {
  struct Field {
    std::string name;
    std::vector<Matcher> leaf;    // when the pattern's value is an array
    std::unique_ptr<Node> child;  // when it is an object
  };
  std::vector<Field> fields;
  // Each `$or` at this level: alternatives, one of which must match.
  std::vector<std::vector<Node>> ors;
};

// Helpers shared by parsing and matching.
inline bool is_number(const boost::json::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}
std::optional<std::int64_t> scaled_number(double value);  // nullopt outside ±5e9
// An IPv4 or IPv6 literal as 4 or 16 bytes; 0 when `text` is not one.
int parse_ip(std::string_view text, std::array<std::uint8_t, 16>& out);
bool wildcard_matches(const Matcher::Wildcard& w, std::string_view text);

}  // namespace nimbus::events
