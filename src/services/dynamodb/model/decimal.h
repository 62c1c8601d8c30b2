// DynamoDB numbers: exact decimals of up to 38 significant digits with a
// magnitude between 1E-130 and 9.9999999999999999999999999999999999999E+125
// (or zero). No doubles anywhere: a Decimal is a digit string and a power of
// ten, so `0.1 + 0.2` is `0.3`.
//
// parse() applies DynamoDB's grammar ([+-]digits[.digits][(e|E)[+-]digits],
// no spaces) and limits, with DynamoDB's ValidationException messages;
// to_string() is the canonical text DynamoDB returns (plain notation, no
// exponent, no leading or trailing zeros, no "-0": "1.5E2" -> "150").
// Values are immutable and cheap to copy; thread-safe as plain values.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::dynamodb {

class Decimal {
 public:
  static constexpr int kMaxDigits = 38;
  static constexpr int kMaxExponent = 125;   // scientific exponent of the largest magnitude
  static constexpr int kMinExponent = -130;  // ... and of the smallest

  Decimal() = default;  // zero
  static Result<Decimal> parse(std::string_view text);
  static Decimal from_int(int64_t v);

  std::string to_string() const;
  bool is_zero() const { return digits_.empty(); }
  bool is_negative() const { return negative_; }
  // Significant digits ('1'..'9' first and last; empty for zero), and the
  // power of ten they are multiplied by.
  const std::string& digits() const { return digits_; }
  int exponent() const { return exponent_; }
  // The exponent in scientific notation (1.5E2 -> 2); 0 for zero.
  int scientific_exponent() const;

  Decimal negated() const;
  // Exact; fails with DynamoDB's message when the result leaves the range or
  // needs more than 38 significant digits.
  Result<Decimal> add(const Decimal& other) const;
  Result<Decimal> subtract(const Decimal& other) const { return add(other.negated()); }

  // Numeric order.
  std::strong_ordering operator<=>(const Decimal& other) const;
  bool operator==(const Decimal& other) const = default;

  // Bytes DynamoDB counts for this number in an item's size: one, plus one
  // per two significant digits of the integer part and of the fraction
  // (each rounded up), plus one when negative.
  size_t size_bytes() const;

  // Internal: a decimal from parts; normalizes zeros, does not check limits.
  static Decimal from_parts(bool negative, std::string digits, int exponent);
  // The limits above, with DynamoDB's messages.
  Status check_limits() const;

 private:
  bool negative_ = false;
  std::string digits_;
  int exponent_ = 0;  // value = digits_ x 10^exponent_
};

}  // namespace nimbus::dynamodb
