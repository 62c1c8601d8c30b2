#include "services/dynamodb/model/value.h"

#include <algorithm>
#include <array>
#include <set>
#include <unordered_set>

#include "common/encoding.h"
#include "services/dynamodb/model/errors.h"

namespace nimbus::dynamodb {
namespace {

constexpr std::array<std::string_view, 10> kTypeNames = {"S",  "N", "B", "SS",   "NS",
                                                         "BS", "M", "L", "NULL", "BOOL"};

// The one member's value of a well-formed attribute value.
const json::value& payload(const json::value& v) {
  return v.as_object().begin()->value();
}

Error empty_set(Type t) {
  if (t == Type::kSS) return invalid_parameter("An string set  may not be empty");
  if (t == Type::kNS) return invalid_parameter("An number set  may not be empty");
  return invalid_parameter("Binary sets should not be empty");
}

Error duplicates(const json::array& elements, Type t) {
  std::string listed;
  for (const auto& e : elements) {
    if (!listed.empty()) listed += ", ";
    auto text = e.is_string() ? sv(e.get_string()) : std::string_view();
    listed += t == Type::kBS ? base64_encode(text) : std::string(text);
  }
  return invalid_parameter("Input collection [" + listed + "] contains duplicates.");
}

Status normalize_set(json::array& elements, Type t) {
  if (elements.empty()) return empty_set(t);
  for (auto& e : elements) {
    if (!e.is_string()) {
      return validation_error("Supplied AttributeValue has an invalid set element");
    }
  }
  if (t == Type::kNS) {
    std::set<Decimal> seen;
    for (auto& e : elements) {
      auto d = Decimal::parse(sv(e.get_string()));
      if (!d) return d.take_error();
      if (!seen.insert(*d).second) return duplicates(elements, t);
      e = json::string(d->to_string());
    }
    return Status::ok();
  }
  std::unordered_set<std::string_view> seen;
  for (const auto& e : elements) {
    if (!seen.insert(sv(e.get_string())).second) return duplicates(elements, t);
  }
  return Status::ok();
}

Status normalize_at(json::value& v, int depth) {
  if (depth > kMaxNestingDepth) {
    return invalid_parameter("Nesting Levels have exceeded supported limits");
  }
  if (!v.is_object() || v.get_object().empty()) {
    return validation_error(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  auto& o = v.get_object();
  if (o.size() > 1) {
    return validation_error(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
        "the supported datatypes");
  }
  auto t = type_from_name(sv(o.begin()->key()));
  if (!t) {
    return validation_error(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  json::value& p = o.begin()->value();
  auto wrong = [&] {
    return Error::make("SerializationException",
                       "Unexpected value type for " + std::string(type_name(*t)));
  };
  switch (*t) {
    case Type::kS:
    case Type::kB:
      return p.is_string() ? Status::ok() : Status(wrong());
    case Type::kN: {
      if (!p.is_string()) return wrong();
      auto d = Decimal::parse(sv(p.get_string()));
      if (!d) return d.take_error();
      p = json::string(d->to_string());
      return Status::ok();
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      if (!p.is_array()) return wrong();
      return normalize_set(p.get_array(), *t);
    case Type::kM:
      if (!p.is_object()) return wrong();
      for (auto& member : p.get_object()) NIMBUS_TRY(normalize_at(member.value(), depth + 1));
      return Status::ok();
    case Type::kL:
      if (!p.is_array()) return wrong();
      for (auto& e : p.get_array()) NIMBUS_TRY(normalize_at(e, depth + 1));
      return Status::ok();
    case Type::kNull:
      if (!p.is_bool()) return wrong();
      if (!p.get_bool()) {
        return invalid_parameter("Null attribute value types must have the value of true");
      }
      return Status::ok();
    case Type::kBool:
      return p.is_bool() ? Status::ok() : Status(wrong());
  }
  return wrong();
}

bool sets_equal(const json::array& a, const json::array& b, Type t) {
  if (a.size() != b.size()) return false;
  if (t == Type::kNS) {
    std::set<Decimal> left;
    for (const auto& e : a) {
      auto d = Decimal::parse(sv(e.as_string()));
      if (!d) return false;
      left.insert(*d);
    }
    for (const auto& e : b) {
      auto d = Decimal::parse(sv(e.as_string()));
      if (!d || !left.contains(*d)) return false;
    }
    return true;
  }
  std::unordered_set<std::string_view> left;
  for (const auto& e : a) left.insert(sv(e.as_string()));
  return std::all_of(b.begin(), b.end(),
                     [&](const json::value& e) { return left.contains(sv(e.as_string())); });
}

int sign_of(int c) {
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

constexpr unsigned char kNegative = 0x01, kZero = 0x02, kPositive = 0x03;
constexpr unsigned char kNegativeEnd = 0xFF;

}  // namespace

std::string_view type_name(Type t) {
  return kTypeNames[static_cast<size_t>(t)];
}

std::optional<Type> type_from_name(std::string_view name) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<Type>(i);
  }
  return std::nullopt;
}

std::optional<Type> type_of(const json::value& v) {
  if (!v.is_object() || v.get_object().size() != 1) return std::nullopt;
  return type_from_name(sv(v.get_object().begin()->key()));
}

Status normalize_value(json::value& v) {
  return normalize_at(v, 1);
}

Status normalize_item(json::object& item) {
  for (auto& member : item) NIMBUS_TRY(normalize_at(member.value(), 1));
  return Status::ok();
}

Status validate_key_value(std::string_view attribute, const json::value& v, Type expected) {
  auto t = type_of(v);
  if (t != expected) {
    return invalid_parameter("Type mismatch for key " + std::string(attribute) +
                             " expected: " + std::string(type_name(expected)) +
                             " actual: " + std::string(t ? type_name(*t) : "NULL"));
  }
  if ((expected == Type::kS || expected == Type::kB) && payload(v).as_string().empty()) {
    return validation_error(
        std::string("One or more parameter values are not valid. The AttributeValue for a key "
                    "attribute cannot contain an empty ") +
        (expected == Type::kS ? "string" : "binary") + " value. Key: " + std::string(attribute));
  }
  return Status::ok();
}

Result<Decimal> number_of(const json::value& v) {
  if (type_of(v) != Type::kN || !payload(v).is_string()) {
    return validation_error("A value provided cannot be converted into a number");
  }
  return Decimal::parse(sv(payload(v).get_string()));
}

json::value number_value(const Decimal& d) {
  return json::object{{"N", d.to_string()}};
}

bool values_equal(const json::value& a, const json::value& b) {
  auto ta = type_of(a);
  if (!ta || ta != type_of(b)) return false;
  const json::value& pa = payload(a);
  const json::value& pb = payload(b);
  switch (*ta) {
    case Type::kN: {
      auto da = Decimal::parse(sv(pa.as_string()));
      auto db = Decimal::parse(sv(pb.as_string()));
      if (!da || !db) return pa == pb;
      return *da == *db;
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      return pa.is_array() && pb.is_array() && sets_equal(pa.get_array(), pb.get_array(), *ta);
    case Type::kL: {
      if (!pa.is_array() || !pb.is_array()) return false;
      const auto& la = pa.get_array();
      const auto& lb = pb.get_array();
      if (la.size() != lb.size()) return false;
      for (size_t i = 0; i < la.size(); ++i) {
        if (!values_equal(la[i], lb[i])) return false;
      }
      return true;
    }
    case Type::kM: {
      if (!pa.is_object() || !pb.is_object()) return false;
      const auto& ma = pa.get_object();
      const auto& mb = pb.get_object();
      if (ma.size() != mb.size()) return false;
      for (const auto& [k, va] : ma) {
        const auto* vb = mb.if_contains(k);
        if (vb == nullptr || !values_equal(va, *vb)) return false;
      }
      return true;
    }
    default:
      return pa == pb;
  }
}

int compare_values(const json::value& a, const json::value& b) {
  auto ta = type_of(a);
  auto tb = type_of(b);
  if (!ta || !tb || ta != tb) {
    auto na = ta ? type_name(*ta) : std::string_view();
    auto nb = tb ? type_name(*tb) : std::string_view();
    return sign_of(na.compare(nb));
  }
  const json::value& pa = payload(a);
  const json::value& pb = payload(b);
  if (*ta == Type::kN) {
    auto da = Decimal::parse(sv(pa.as_string()));
    auto db = Decimal::parse(sv(pb.as_string()));
    if (da && db) {
      auto c = *da <=> *db;
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
  if (pa.is_string() && pb.is_string())
    return sign_of(sv(pa.get_string()).compare(sv(pb.get_string())));
  return 0;
}

std::string encode_key_value(const json::value& v) {
  auto t = type_of(v);
  if (!t || !payload(v).is_string()) return {};
  std::string_view text = sv(payload(v).get_string());
  if (*t != Type::kN) return std::string(text);
  auto d = Decimal::parse(text);
  if (!d || d->is_zero()) return std::string(1, static_cast<char>(kZero));
  // The scientific exponent is within [-130, 125]: one byte.
  auto e = static_cast<unsigned char>(d->scientific_exponent() - Decimal::kMinExponent);
  std::string out;
  out.reserve(d->digits().size() + 3);
  if (!d->is_negative()) {
    out.push_back(static_cast<char>(kPositive));
    out.push_back(static_cast<char>(e));
    out += d->digits();
    return out;
  }
  // Negative: larger magnitudes sort first, so everything is complemented,
  // and a terminator above every complemented digit puts -1.2 after -1.23.
  out.push_back(static_cast<char>(kNegative));
  out.push_back(static_cast<char>(0xFF - e));
  for (char c : d->digits()) out.push_back(static_cast<char>(0xFF - static_cast<unsigned char>(c)));
  out.push_back(static_cast<char>(kNegativeEnd));
  return out;
}

std::optional<json::value> decode_key_value(Type type, std::string_view bytes) {
  if (type == Type::kS) return json::value(json::object{{"S", bytes}});
  if (type == Type::kB) return json::value(json::object{{"B", bytes}});
  if (type != Type::kN || bytes.empty()) return std::nullopt;
  auto tag = static_cast<unsigned char>(bytes[0]);
  if (tag == kZero) {
    if (bytes.size() != 1) return std::nullopt;
    return number_value(Decimal());
  }
  if (bytes.size() < 3 || (tag != kPositive && tag != kNegative)) return std::nullopt;
  bool negative = tag == kNegative;
  auto e_byte = static_cast<unsigned char>(bytes[1]);
  int e = (negative ? 0xFF - e_byte : e_byte) + Decimal::kMinExponent;
  std::string_view body = bytes.substr(2);
  if (negative) {
    if (static_cast<unsigned char>(body.back()) != kNegativeEnd) return std::nullopt;
    body.remove_suffix(1);
  }
  std::string digits;
  for (char c : body) {
    auto u = static_cast<unsigned char>(c);
    char digit = negative ? static_cast<char>(0xFF - u) : c;
    if (digit < '0' || digit > '9') return std::nullopt;
    digits.push_back(digit);
  }
  if (digits.empty() || digits.front() == '0' || digits.back() == '0') return std::nullopt;
  int exponent = e - static_cast<int>(digits.size()) + 1;
  auto d = Decimal::from_parts(negative, std::move(digits), exponent);
  if (!d.check_limits()) return std::nullopt;
  return number_value(d);
}

size_t value_size(const json::value& v) {
  auto t = type_of(v);
  if (!t) return 0;
  const json::value& p = payload(v);
  switch (*t) {
    case Type::kS:
    case Type::kB:
      return p.is_string() ? p.get_string().size() : 0;
    case Type::kN: {
      if (!p.is_string()) return 0;
      auto d = Decimal::parse(sv(p.get_string()));
      return d ? d->size_bytes() : p.get_string().size();
    }
    case Type::kSS:
    case Type::kBS:
    case Type::kNS: {
      if (!p.is_array()) return 0;
      size_t total = 0;
      for (const auto& e : p.get_array()) {
        if (!e.is_string()) continue;
        if (*t != Type::kNS) {
          total += e.get_string().size();
        } else {
          auto d = Decimal::parse(sv(e.get_string()));
          total += d ? d->size_bytes() : e.get_string().size();
        }
      }
      return total;
    }
    case Type::kM: {
      if (!p.is_object()) return 3;
      size_t total = 3;
      for (const auto& [k, e] : p.get_object()) total += 1 + k.size() + value_size(e);
      return total;
    }
    case Type::kL: {
      if (!p.is_array()) return 3;
      size_t total = 3;
      for (const auto& e : p.get_array()) total += 1 + value_size(e);
      return total;
    }
    case Type::kNull:
    case Type::kBool:
      return 1;
  }
  return 0;
}

size_t item_size(const json::object& item) {
  size_t total = 0;
  for (const auto& [k, v] : item) total += k.size() + value_size(v);
  return total;
}

Status check_item_size(const json::object& item) {
  if (item_size(item) > kMaxItemSize) {
    return validation_error("Item size has exceeded the maximum allowed size");
  }
  return Status::ok();
}

}  // namespace nimbus::dynamodb
