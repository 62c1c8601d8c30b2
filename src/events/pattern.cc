// EventPattern::parse: validation with EventBridge's reasons, and compilation
// into the Node tree that pattern_match.cc walks.
#include "events/pattern.h"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstring>

#include "events/pattern_node.h"

namespace nimbus::events {
namespace {

namespace json = boost::json;
using Kind = Matcher::Kind;
using Node = EventPattern::Node;

// Complexity limits that keep parse and match cheap on hostile input.
constexpr std::size_t kMaxPatternBytes = 64 * 1024;
constexpr unsigned kMaxDepth = 32;
constexpr std::size_t kMaxMatchers = 2048;

Error invalid_pattern(std::string_view reason) {
  return Error::make("InvalidEventPatternException",
                     "Event pattern is not valid. Reason: " + std::string(reason), 400);
}

// Names EventBridge reserves inside `$or` (operators, and some it keeps for
// later ones).
const std::string_view kReservedInOr[] = {"exactly",
                                          "equals-ignore-case",
                                          "prefix",
                                          "suffix",
                                          "anything-but",
                                          "exists",
                                          "wildcard",
                                          "numeric",
                                          "cidr",
                                          "=",
                                          "<",
                                          "<=",
                                          ">",
                                          ">=",
                                          "regex",
                                          "not-wildcard",
                                          "not-equals-ignore-case",
                                          "date-after",
                                          "date-on-or-after",
                                          "date-before",
                                          "date-on-or-before",
                                          "in-date-range",
                                          "ip-address-in-range",
                                          "ip-address-not-in-range"};

// EventBridge calls a string an IP address when it has an address's shape
// (four dotted numbers, or hex digits and colons) and only then parses it.
bool looks_like_ip(std::string_view s) {
  if (s.find(':') != std::string_view::npos)
    return s.find_first_not_of("0123456789abcdefABCDEF:") == std::string_view::npos;
  int dots = 0;
  bool digit = false;
  for (char c : s) {
    if (c == '.') {
      if (!digit) return false;
      ++dots, digit = false;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  return dots == 3 && digit;
}

class Compiler {
 public:
  Status object(const json::object& obj, Node& node, bool inside_or) {
    if (obj.empty()) return invalid_pattern("Empty objects are not allowed");
    for (const auto& [key, value] : obj) {
      if (key == "$or") {
        NIMBUS_TRY(or_list(value, node));
        continue;
      }
      if (inside_or) {
        for (auto op : kReservedInOr)
          if (key == op)
            return invalid_pattern(std::string(key) +
                                   " is Ruler reserved fieldName which cannot be used "
                                   "inside $or.");
      }
      Node::Field field;
      field.name = key;
      if (value.is_object()) {
        field.child = std::make_unique<Node>();
        NIMBUS_TRY(object(value.get_object(), *field.child, inside_or));
      } else if (value.is_array()) {
        NIMBUS_TRY(leaf(value.get_array(), field.leaf));
      } else {
        return invalid_pattern("\"" + std::string(key) + "\" must be an object or an array");
      }
      node.fields.push_back(std::move(field));
    }
    return Status::ok();
  }

 private:
  Status or_list(const json::value& value, Node& node) {
    if (!value.is_array()) return invalid_pattern("It must be an Array followed with $or.");
    std::vector<Node> alternatives;
    for (const auto& alt : value.get_array()) {
      if (!alt.is_object())
        return invalid_pattern("Only JSON object is allowed in array of $or relationship.");
      alternatives.emplace_back();
      NIMBUS_TRY(object(alt.get_object(), alternatives.back(), true));
    }
    if (alternatives.size() < 2)
      return invalid_pattern("There must have at least 2 Objects in $or relationship.");
    node.ors.push_back(std::move(alternatives));
    return Status::ok();
  }

  Status leaf(const json::array& values, std::vector<Matcher>& out) {
    if (values.empty()) return invalid_pattern("Empty arrays are not allowed");
    for (const auto& v : values) {
      if (++count_ > kMaxMatchers)
        return invalid_pattern("Pattern has more than " + std::to_string(kMaxMatchers) + " values");
      Matcher m;
      if (v.is_string()) {
        m.text = v.get_string();
        m.ip_len = parse_ip(m.text, m.ip_lo);
        m.ip_hi = m.ip_lo;
        m.kind = m.ip_len ? Kind::kIp : Kind::kString;
      } else if (is_number(v)) {
        m.kind = Kind::kNumber;
        m.number = v.to_number<double>();
        m.is_integer = v.is_int64() || (v.is_uint64() && v.get_uint64() <= INT64_MAX);
        if (m.is_integer) m.integer = v.to_number<std::int64_t>();
      } else if (v.is_bool()) {
        m.kind = Kind::kBool;
        m.flag = v.get_bool();
      } else if (v.is_null()) {
        m.kind = Kind::kNull;
      } else if (v.is_object()) {
        NIMBUS_TRY(expression(v.get_object(), m));
      } else {
        return invalid_pattern("Match value must be String, number, true, false, or null");
      }
      out.push_back(std::move(m));
    }
    return Status::ok();
  }

  // {"prefix": ...}, {"numeric": [...]}, ...: exactly one key.
  Status expression(const json::object& obj, Matcher& m) {
    if (obj.empty()) return invalid_pattern("Match expression name not found");
    const auto& [name, value] = *obj.begin();
    Status s = operand(name, value, m);
    if (s && obj.size() > 1)
      return invalid_pattern(name == "numeric" || name == "anything-but"
                                 ? "Too many elements in numeric expression"
                                 : "Only one key allowed in match expression");
    return s;
  }

  Status operand(std::string_view name, const json::value& v, Matcher& m) {
    if (name == "prefix" || name == "suffix") {
      m.kind = name == "prefix" ? Kind::kPrefix : Kind::kSuffix;
      return string_or_ignore_case(name, v, m);
    }
    if (name == "equals-ignore-case") {
      m.kind = Kind::kEqualsIgnoreCase;
      if (!v.is_string())
        return invalid_pattern("equals-ignore-case match pattern must be a string");
      m.text = v.get_string();
      return Status::ok();
    }
    if (name == "wildcard") {
      m.kind = Kind::kWildcard;
      if (!v.is_string()) return invalid_pattern("wildcard match pattern must be a string");
      m.wildcards.emplace_back();
      return wildcard(v.get_string(), m.wildcards.back());
    }
    if (name == "exists") {
      m.kind = Kind::kExists;
      if (!v.is_bool())
        return invalid_pattern("exists match pattern must be either true or false.");
      m.flag = v.get_bool();
      return Status::ok();
    }
    if (name == "cidr") return cidr(v, m);
    if (name == "numeric") return numeric(v, m);
    if (name == "anything-but") return anything_but(v, m);
    return invalid_pattern("Unrecognized match type " + std::string(name));
  }

  // "prefix"/"suffix": a string, or {"equals-ignore-case": string}.
  Status string_or_ignore_case(std::string_view name, const json::value& v, Matcher& m) {
    if (v.is_string()) {
      m.text = v.get_string();
      return Status::ok();
    }
    if (v.is_object() && v.get_object().size() == 1) {
      const auto& [inner, operand] = *v.get_object().begin();
      if (inner != "equals-ignore-case")
        return invalid_pattern("Unsupported " + std::string(name) +
                               " pattern: " + std::string(inner));
      if (!operand.is_string())
        return invalid_pattern("equals-ignore-case match pattern must be a string");
      m.text = operand.get_string();
      m.ignore_case = true;
      return Status::ok();
    }
    return invalid_pattern(std::string(name) + " match pattern must be a string");
  }

  static Status wildcard(std::string_view text, Matcher::Wildcard& w) {
    std::string piece;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c == '*') {
        if (i + 1 < text.size() && text[i + 1] == '*')
          return invalid_pattern("Consecutive wildcard characters at pos " + std::to_string(i));
        if (i == 0) w.leading_star = true;
        if (i + 1 == text.size()) w.trailing_star = true;
        if (i != 0) w.pieces.push_back(std::move(piece));
        piece.clear();
      } else if (c == '\\') {
        if (i + 1 < text.size() && (text[i + 1] == '*' || text[i + 1] == '\\')) {
          piece += text[++i];
        } else {
          return invalid_pattern("Invalid escape character at pos " + std::to_string(i));
        }
      } else {
        piece += c;
      }
    }
    if (!w.trailing_star) w.pieces.push_back(std::move(piece));
    return Status::ok();
  }

  static Status scaled(const json::value& v, std::int64_t& out) {
    auto s = scaled_number(v.to_number<double>());
    if (!s) return invalid_pattern("Value must be between -5.0E9 and 5.0E9, inclusive");
    out = *s;
    return Status::ok();
  }

  static Status numeric(const json::value& v, Matcher& m) {
    m.kind = Kind::kNumeric;
    if (!v.is_array()) return invalid_pattern("Value of numeric must be an array.");
    const auto& a = v.get_array();
    auto text = [&](std::size_t i) -> std::string {
      if (i >= a.size()) return "]";
      return a[i].is_string() ? std::string(a[i].get_string()) : json::serialize(a[i]);
    };
    if (a.empty() || !a[0].is_string())
      return invalid_pattern("Invalid member in numeric match: " + text(0));
    std::string_view op = a[0].get_string();
    bool lower = op == ">" || op == ">=";
    if (!lower && op != "=" && op != "<" && op != "<=")
      return invalid_pattern("Unrecognized numeric range operator: " + std::string(op));
    if (a.size() < 2 || !is_number(a[1]))
      return invalid_pattern("Value of " + std::string(op == "=" ? "equals" : op) +
                             " must be numeric");
    std::int64_t value = 0;
    NIMBUS_TRY(scaled(a[1], value));
    if (op == "=" || !lower) {
      if (a.size() > 2) return invalid_pattern("Too many elements in numeric expression");
      if (op == "=" || op == "<=" || op == "<")
        m.has_hi = true, m.hi = value, m.hi_open = op == "<";
      if (op == "=") m.has_lo = true, m.lo = value;
      return Status::ok();
    }
    m.has_lo = true, m.lo = value, m.lo_open = op == ">";
    if (a.size() == 2) return Status::ok();
    if (!a[2].is_string()) return invalid_pattern("Bad value in numeric range: " + text(2));
    std::string_view top = a[2].get_string();
    if (top != "<" && top != "<=")
      return invalid_pattern("Bad numeric range operator: " + std::string(top));
    if (a.size() < 4 || !is_number(a[3]))
      return invalid_pattern("Value of " + std::string(top) + " must be numeric");
    if (a.size() > 4) return invalid_pattern("Too many terms in numeric range expression");
    NIMBUS_TRY(scaled(a[3], m.hi));
    m.has_hi = true, m.hi_open = top == "<";
    if (m.hi <= m.lo) return invalid_pattern("Bottom must be less than top");
    return Status::ok();
  }

  static Status cidr(const json::value& v, Matcher& m) {
    m.kind = Kind::kCidr;
    if (!v.is_string()) return invalid_pattern("prefix match pattern must be a string");
    std::string_view text = v.get_string();
    auto slash = text.find('/');
    if (slash == std::string_view::npos || text.find('/', slash + 1) != std::string_view::npos ||
        slash + 1 == text.size())
      return invalid_pattern("Malformed CIDR, one '/' required");
    std::string_view bits_text = text.substr(slash + 1);
    int bits = 0;
    bool negative = bits_text[0] == '-';
    for (std::size_t i = negative || bits_text[0] == '+'; i < bits_text.size(); ++i) {
      if (bits_text[i] < '0' || bits_text[i] > '9' || bits > 100000)
        return invalid_pattern("Malformed CIDR, mask bits must be an integer");
      bits = bits * 10 + (bits_text[i] - '0');
    }
    if (negative && bits > 0)
      return invalid_pattern("Malformed CIDR, mask bits must not be negative");
    std::string_view ip = text.substr(0, slash);
    m.ip_len = parse_ip(ip, m.ip_lo);
    if (!looks_like_ip(ip)) return invalid_pattern("Nonstandard IP address: " + std::string(ip));
    if (m.ip_len == 0) return invalid_pattern("Invalid IP address: " + std::string(ip));
    if (m.ip_len == 4 && bits > 31) return invalid_pattern("IPv4 mask bits must be < 32");
    if (m.ip_len == 16 && bits > 127) return invalid_pattern("IPv6 mask bits must be < 128");
    // EventBridge's range runs from the address as written to the top of
    // its block (host bits set), not from the block's first address.
    m.ip_hi = m.ip_lo;
    for (int i = 0; i < m.ip_len; ++i) {
      int keep = std::clamp(bits - 8 * i, 0, 8);
      m.ip_hi[i] |= static_cast<std::uint8_t>(0xff >> keep);
    }
    return Status::ok();
  }

  static Status anything_but(const json::value& v, Matcher& m) {
    m.kind = Kind::kAnythingBut;
    if (v.is_object()) {
      const auto& obj = v.get_object();
      if (obj.empty()) return invalid_pattern("Anything-But expression name not found");
      if (obj.size() > 1) return invalid_pattern("Only one key allowed in match expression");
      const auto& [name, operand] = *obj.begin();
      if (name == "prefix" || name == "suffix") {
        m.kind = name == "prefix" ? Kind::kAnythingButPrefix : Kind::kAnythingButSuffix;
        if (!operand.is_string())
          return invalid_pattern("prefix/suffix match pattern must be a string");
        m.text = operand.get_string();
        if (m.text.empty()) return invalid_pattern("Null prefix/suffix not allowed");
        return Status::ok();
      }
      if (name == "equals-ignore-case") {
        m.kind = Kind::kAnythingButIgnoreCase;
        return string_list(operand, m, "equals-ignore-case");
      }
      if (name == "wildcard") {
        m.kind = Kind::kAnythingButWildcard;
        NIMBUS_TRY(string_list(operand, m, "wildcard"));
        for (const auto& t : m.texts) {
          m.wildcards.emplace_back();
          NIMBUS_TRY(wildcard(t, m.wildcards.back()));
        }
        return Status::ok();
      }
      return invalid_pattern("Unsupported anything-but pattern: " + std::string(name));
    }
    if (v.is_string()) {
      m.texts.emplace_back(v.get_string());
      return Status::ok();
    }
    if (is_number(v)) {
      m.flag = true;  // numbers
      m.numbers.emplace_back();
      return scaled(v, m.numbers.back());
    }
    if (!v.is_array())
      return invalid_pattern(
          "Value of anything-but must be an array or single string/number value.");
    bool strings = false, numbers = false;
    for (const auto& e : v.get_array()) {
      if (e.is_string()) {
        strings = true;
        m.texts.emplace_back(e.get_string());
      } else if (is_number(e)) {
        numbers = true;
        m.numbers.emplace_back();
        NIMBUS_TRY(scaled(e, m.numbers.back()));
      } else {
        return invalid_pattern("Inside anything but list, start|null|boolean is not supported.");
      }
    }
    if (strings == numbers)
      return invalid_pattern(
          "Inside anything but list, either all values are number or string, mixed type is not "
          "supported");
    m.flag = numbers;
    return Status::ok();
  }

  // anything-but's equals-ignore-case and wildcard: a string or a list of them.
  static Status string_list(const json::value& v, Matcher& m, std::string_view name) {
    if (v.is_string()) {
      m.texts.emplace_back(v.get_string());
      return Status::ok();
    }
    if (!v.is_array())
      return invalid_pattern("Inside anything-but/" + std::string(name) +
                             " list, number|start|null|boolean is not supported.");
    for (const auto& e : v.get_array()) {
      if (!e.is_string())
        return invalid_pattern("Inside anything-but/" + std::string(name) +
                               " list, numberic|start|null|boolean is not supported.");
      m.texts.emplace_back(e.get_string());
    }
    return Status::ok();
  }

  std::size_t count_ = 0;
};

}  // namespace

std::optional<std::int64_t> scaled_number(double value) {
  if (!(value >= -kNumericLimit && value <= kNumericLimit)) return std::nullopt;  // NaN too
  return static_cast<std::int64_t>(1e6 * (kNumericLimit + value));
}

int parse_ip(std::string_view text, std::array<std::uint8_t, 16>& out) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return 0;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos)
    return inet_pton(AF_INET, buf, out.data()) == 1 ? 4 : 0;
  return inet_pton(AF_INET6, buf, out.data()) == 1 ? 16 : 0;
}

Result<EventPattern> EventPattern::parse(std::string_view text) {
  if (text.size() > kMaxPatternBytes)
    return invalid_pattern("Pattern is longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, options);
  if (ec == json::error::too_deep)
    return invalid_pattern("Pattern is nested more than " + std::to_string(kMaxDepth) +
                           " levels deep");
  if (ec) return invalid_pattern("Pattern is not valid JSON: " + ec.message());
  if (!v.is_object()) return invalid_pattern("Filter is not an object");
  auto root = std::make_shared<Node>();
  NIMBUS_TRY(Compiler().object(v.get_object(), *root, false));
  return EventPattern(std::move(root));
}

}  // namespace nimbus::events
