#include "iam/condition.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>

#include "iam/match.h"

namespace nimbus::iam {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<double> number(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Seconds since the epoch from ISO 8601 (2026-12-04T00:00:00Z, with or
// without time and fraction) or an epoch number.
std::optional<double> date(std::string_view s) {
  if (auto n = number(s)) return n;
  int y, mo, d, h = 0, mi = 0;
  double sec = 0;
  std::string text(s);
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf", &y, &mo, &d, &h, &mi, &sec);
  if (n != 3 && n < 5) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61) {
    return std::nullopt;
  }
  // Days from civil (proleptic Gregorian).
  int yy = y - (mo <= 2);
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  unsigned yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long days = static_cast<long>(era) * 146097 + static_cast<long>(doe) - 719468;
  return static_cast<double>(days) * 86400 + h * 3600 + mi * 60 + sec;
}

// An address or CIDR block as 16 bytes (IPv4 mapped) and a prefix length.
struct Cidr {
  std::array<unsigned char, 16> bytes{};
  int bits = 128;
};

std::optional<Cidr> cidr(std::string_view s) {
  Cidr c;
  std::string addr(s);
  int bits = -1;
  if (size_t slash = addr.find('/'); slash != std::string::npos) {
    auto n = number(std::string_view(addr).substr(slash + 1));
    if (!n || *n < 0 || *n > 128) return std::nullopt;
    bits = static_cast<int>(*n);
    addr.resize(slash);
  }
  unsigned char v4[4];
  if (inet_pton(AF_INET, addr.c_str(), v4) == 1) {
    c.bytes[10] = c.bytes[11] = 0xff;
    std::memcpy(&c.bytes[12], v4, 4);
    if (bits > 32) return std::nullopt;
    c.bits = bits < 0 ? 128 : 96 + bits;
    return c;
  }
  if (inet_pton(AF_INET6, addr.c_str(), c.bytes.data()) == 1) {
    c.bits = bits < 0 ? 128 : bits;
    return c;
  }
  return std::nullopt;
}

// The first block.bits bits (most significant first) agree: whole bytes,
// then the rest of the last one under a mask.
bool in_block(const Cidr& block, const Cidr& ip) {
  size_t full = static_cast<size_t>(block.bits / 8);
  int rest = block.bits % 8;
  if (std::memcmp(block.bytes.data(), ip.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (block.bytes[full] & mask) == (ip.bytes[full] & mask);
}

bool negated(std::string_view op) {
  return op.find("Not") != std::string_view::npos;
}

// The operator without its negation: StringNotLike -> StringLike.
std::string positive(std::string_view op) {
  if (op == "NotIpAddress") return "IpAddress";
  std::string out(op);
  if (size_t n = out.find("Not"); n != std::string::npos) out.erase(n, 3);
  return out;
}

// One request value against one policy value, for a positive operator.
bool one(std::string_view op, std::string_view policy, std::string_view value) {
  if (op == "StringEquals") return policy == value;
  if (op == "StringEqualsIgnoreCase") return iequals(policy, value);
  if (op == "StringLike") return wildcard_match(policy, value);
  if (op == "ArnEquals" || op == "ArnLike") return arn_match(policy, value);
  if (op == "Bool") return iequals(policy, value);
  if (op == "BinaryEquals") return policy == value;
  if (op.starts_with("Numeric")) {
    auto a = number(value), b = number(policy);
    if (!a || !b) return false;
    if (op == "NumericEquals") return *a == *b;
    if (op == "NumericLessThan") return *a < *b;
    if (op == "NumericLessThanEquals") return *a <= *b;
    if (op == "NumericGreaterThan") return *a > *b;
    if (op == "NumericGreaterThanEquals") return *a >= *b;
    return false;
  }
  if (op.starts_with("Date")) {
    auto a = date(value), b = date(policy);
    if (!a || !b) return false;
    if (op == "DateEquals") return *a == *b;
    if (op == "DateLessThan") return *a < *b;
    if (op == "DateLessThanEquals") return *a <= *b;
    if (op == "DateGreaterThan") return *a > *b;
    if (op == "DateGreaterThanEquals") return *a >= *b;
    return false;
  }
  if (op == "IpAddress") {
    auto block = cidr(policy), ip = cidr(value);
    return block && ip && in_block(*block, *ip);
  }
  return false;
}

// Does `value` match any of the condition's (variable-substituted) values?
bool any_policy_value(std::string_view op, const std::vector<std::string>& policy,
                      std::string_view value, const RequestContext& request) {
  for (const auto& p : policy) {
    if (op == "StringLike" || op == "StringEquals" || op == "ArnLike" || op == "ArnEquals") {
      auto s = substitute(p, request);
      if (s && one(op, *s, value)) return true;
    } else if (one(op, p, value)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool condition_matches(const Condition& c, const RequestContext& request) {
  const std::vector<std::string>* values = request.find(c.key);
  if (c.op == "Null") {
    bool missing = values == nullptr || values->empty();
    for (const auto& v : c.values) {
      if (iequals(v, "true") == missing) return true;
    }
    return false;
  }
  bool neg = negated(c.op);
  std::string op = positive(c.op);
  if (values == nullptr || values->empty()) {
    if (c.if_exists) return true;
    if (c.set == Condition::Set::kForAllValues) return true;
    if (c.set == Condition::Set::kForAnyValue) return false;
    return neg;
  }
  switch (c.set) {
    case Condition::Set::kForAllValues:
      for (const auto& v : *values) {
        if (any_policy_value(op, c.values, v, request) == neg) return false;
      }
      return true;
    case Condition::Set::kForAnyValue:
      for (const auto& v : *values) {
        if (any_policy_value(op, c.values, v, request) != neg) return true;
      }
      return false;
    case Condition::Set::kSingle:
      for (const auto& v : *values) {
        if (any_policy_value(op, c.values, v, request)) return !neg;
      }
      return neg;
  }
  return false;
}

}  // namespace nimbus::iam
