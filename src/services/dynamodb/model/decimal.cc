#include "services/dynamodb/model/decimal.h"

#include <algorithm>

#include "services/dynamodb/model/errors.h"

namespace nimbus::dynamodb {
namespace {

constexpr int kExponentCap = 1'000'000;  // far beyond the range; keeps int arithmetic safe

bool decimal_digit(char c) {
  return c >= '0' && c <= '9';
}

// a + b for unsigned digit strings (no signs), right-aligned.
std::string add_magnitudes(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < a.size() || i < b.size() || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// a - b for unsigned digit strings with a >= b.
std::string subtract_magnitudes(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(a.size());
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int d = (a[a.size() - 1 - i] - '0') - borrow;
    if (i < b.size()) d -= b[b.size() - 1 - i] - '0';
    borrow = d < 0 ? 1 : 0;
    out.push_back(static_cast<char>('0' + (d + 10) % 10));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// Order of equal-length digit strings is their byte order; else by length
// once leading zeros are gone.
int compare_integers(std::string_view a, std::string_view b) {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

Decimal Decimal::from_parts(bool negative, std::string digits, int exponent) {
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Decimal();
  digits.erase(0, first);
  size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int>(digits.size() - 1 - last);
  digits.erase(last + 1);
  Decimal d;
  d.negative_ = negative;
  d.digits_ = std::move(digits);
  d.exponent_ = exponent;
  return d;
}

Result<Decimal> Decimal::parse(std::string_view text) {
  if (text.empty()) return validation_error("The parameter cannot be converted to a numeric value");
  // Made only when needed: an Error is two strings on the heap, and numbers
  // are parsed several times per request (key checks, sizes, encodings).
  auto bad = [] { return validation_error("A value provided cannot be converted into a number"); };
  size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
  std::string digits;
  int exponent = 0;
  bool any_digit = false;
  bool point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (decimal_digit(c)) {
      any_digit = true;
      if (digits.empty() && c == '0') {
        if (point) --exponent;  // a leading zero after the point
        continue;
      }
      digits.push_back(c);
      if (point) --exponent;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return bad();
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return bad();
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    if (i >= text.size()) return bad();
    int e = 0;
    for (; i < text.size(); ++i) {
      if (!decimal_digit(text[i])) return bad();
      e = std::min(kExponentCap, e * 10 + (text[i] - '0'));
    }
    exponent += exp_negative ? -e : e;
  }
  Decimal d = from_parts(negative, std::move(digits), exponent);
  NIMBUS_TRY(d.check_limits());
  return d;
}

Decimal Decimal::from_int(int64_t v) {
  bool negative = v < 0;
  // Through unsigned, so INT64_MIN negates without overflow.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  return from_parts(negative, std::to_string(magnitude), 0);
}

int Decimal::scientific_exponent() const {
  return is_zero() ? 0 : exponent_ + static_cast<int>(digits_.size()) - 1;
}

Status Decimal::check_limits() const {
  if (is_zero()) return Status::ok();
  int e = scientific_exponent();
  if (e > kMaxExponent) {
    return validation_error(
        "Number overflow. Attempting to store a number with magnitude larger than supported "
        "range");
  }
  if (e < kMinExponent) {
    return validation_error(
        "Number underflow. Attempting to store a number with magnitude smaller than supported "
        "range");
  }
  if (digits_.size() > kMaxDigits) {
    return validation_error("Attempting to store more than 38 significant digits in a Number");
  }
  return Status::ok();
}

std::string Decimal::to_string() const {
  if (is_zero()) return "0";
  std::string out = negative_ ? "-" : "";
  int n = static_cast<int>(digits_.size());
  if (exponent_ >= 0) {
    out += digits_;
    out.append(static_cast<size_t>(exponent_), '0');
    return out;
  }
  int before_point = n + exponent_;
  if (before_point > 0) {
    out.append(digits_, 0, static_cast<size_t>(before_point));
    out += '.';
    out.append(digits_, static_cast<size_t>(before_point));
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-before_point), '0');
    out += digits_;
  }
  return out;
}

Decimal Decimal::negated() const {
  Decimal d = *this;
  if (!d.is_zero()) d.negative_ = !d.negative_;
  return d;
}

Result<Decimal> Decimal::add(const Decimal& other) const {
  if (other.is_zero()) return *this;
  if (is_zero()) return other;
  // Both as integers scaled to the smaller exponent (bounded: the operands'
  // exponents are within the range, so at most a few hundred digits).
  int e = std::min(exponent_, other.exponent_);
  std::string a = digits_ + std::string(static_cast<size_t>(exponent_ - e), '0');
  std::string b = other.digits_ + std::string(static_cast<size_t>(other.exponent_ - e), '0');
  Decimal sum;
  if (negative_ == other.negative_) {
    sum = from_parts(negative_, add_magnitudes(a, b), e);
  } else {
    int c = compare_integers(a, b);
    if (c == 0) return Decimal();
    sum = c > 0 ? from_parts(negative_, subtract_magnitudes(a, b), e)
                : from_parts(other.negative_, subtract_magnitudes(b, a), e);
  }
  NIMBUS_TRY(sum.check_limits());
  return sum;
}

std::strong_ordering Decimal::operator<=>(const Decimal& other) const {
  auto sign = [](const Decimal& d) { return d.is_zero() ? 0 : (d.negative_ ? -1 : 1); };
  int sa = sign(*this), sb = sign(other);
  if (sa != sb) return sa <=> sb;
  if (sa == 0) return std::strong_ordering::equal;
  // Same sign: compare magnitudes, then flip for negatives.
  int magnitude = 0;
  int ea = scientific_exponent(), eb = other.scientific_exponent();
  if (ea != eb) {
    magnitude = ea < eb ? -1 : 1;
  } else {
    int c = digits_.compare(other.digits_);  // no trailing zeros: a prefix is smaller
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (sa < 0) magnitude = -magnitude;
  return magnitude <=> 0;
}

size_t Decimal::size_bytes() const {
  if (is_zero()) return 1;
  int n = static_cast<int>(digits_.size());
  int integer_digits = std::clamp(n + exponent_, 0, n);
  int fraction_digits = n - integer_digits;
  size_t size = 1 + static_cast<size_t>((integer_digits + 1) / 2 + (fraction_digits + 1) / 2);
  return negative_ ? size + 1 : size;
}

}  // namespace nimbus::dynamodb
