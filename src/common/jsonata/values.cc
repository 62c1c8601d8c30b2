// What every part of the evaluator shares: truthiness, deep equality,
// sequence building, field lookup, and JavaScript's number and JSON text.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/json_string.h"
#include "common/jsonata/eval.h"

namespace nimbus::jsonata {

namespace json = boost::json;

Value number(double d) {
  if (d == 0) d = 0;  // no -0
  return Value(json::value(d));
}

bool truthy(const Value& v) {
  if (!v.is_json()) return false;
  const json::value& j = v.json;
  switch (j.kind()) {
    case json::kind::null:
      return false;
    case json::kind::bool_:
      return j.get_bool();
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return j.to_number<double>() != 0;
    case json::kind::string:
      return !j.get_string().empty();
    case json::kind::object:
      return !j.get_object().empty();
    case json::kind::array: {
      const auto& a = j.get_array();
      if (a.size() == 1) return truthy(Value(a[0]));
      for (const auto& item : a) {
        if (truthy(Value(item))) return true;
      }
      return false;
    }
  }
  return false;
}

bool deep_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!deep_equal(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& [k, v] : x) {
      const auto* w = y.if_contains(k);
      if (w == nullptr || !deep_equal(v, *w)) return false;
    }
    return true;
  }
  return a == b;
}

Value append(Value a, Value b) {
  if (a.undefined() || a.is_function()) return b;
  if (b.undefined() || b.is_function()) return a;
  if (!a.is_array()) {
    Value s = Value::seq();
    s.json.get_array().push_back(std::move(a.json));
    a = std::move(s);
  }
  auto& arr = a.json.get_array();
  if (b.is_array()) {
    for (auto& item : b.json.get_array()) arr.push_back(std::move(item));
  } else {
    arr.push_back(std::move(b.json));
  }
  return a;
}

namespace {
void lookup_into(const json::value& v, std::string_view key, json::array& out) {
  if (v.is_array()) {
    for (const auto& item : v.get_array()) {
      if (item.is_array()) {
        json::array inner;
        lookup_into(item, key, inner);
        for (auto& x : inner) out.push_back(std::move(x));
      } else if (item.is_object()) {
        if (const auto* f = item.get_object().if_contains(key)) {
          if (f->is_array()) {
            for (const auto& x : f->get_array()) out.push_back(x);
          } else {
            out.push_back(*f);
          }
        }
      }
    }
  }
}
}  // namespace

Value lookup(const Value& input, std::string_view key) {
  if (!input.is_json()) return {};
  const json::value& j = input.json;
  if (j.is_object()) {
    const auto* f = j.get_object().if_contains(key);
    if (f == nullptr) return {};
    return Value(*f);
  }
  if (j.is_array()) {
    Value s = Value::seq();
    lookup_into(j, key, s.json.get_array());
    return s;
  }
  return {};
}

Value unwrap(Value v) {
  if (!v.is_array() || !v.sequence) return v;
  auto& a = v.json.get_array();
  if (a.empty()) return {};
  if (a.size() == 1 && !v.keep_singleton) return Value(std::move(a[0]));
  return v;
}

char type_letter(const Value& v) {
  if (v.undefined()) return 'm';
  if (v.is_function()) return 'f';
  switch (v.json.kind()) {
    case json::kind::null:
      return 'l';
    case json::kind::bool_:
      return 'b';
    case json::kind::string:
      return 's';
    case json::kind::array:
      return 'a';
    case json::kind::object:
      return 'o';
    default:
      return 'n';
  }
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

uint32_t decode_utf8(std::string_view ch) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(ch[i])); };
  if (ch.empty()) return 0;
  if (ch.size() == 1) return b(0);
  if (ch.size() == 2) return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
  if (ch.size() == 3) return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::vector<std::string> utf8_chars(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string format_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // [-]d[.ddd]e[+-]xx
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  auto e = sci.find('e');
  int exp = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  int k = static_cast<int>(digits.size());
  int n = exp + 1;
  std::string out;
  if (k <= n && n <= 21) {
    out = digits + std::string(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out = digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out = "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  } else {
    out = digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += "e";
    out += n - 1 >= 0 ? "+" : "-";
    out += std::to_string(std::abs(n - 1));
  }
  return sign + out;
}

namespace {
// JSONata's $string writes numbers at 15 significant digits.
double precision15(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return std::strtod(buf, nullptr);
}
}  // namespace

void write_json(std::string& out, const json::value& v, bool pretty, int indent, bool p15) {
  auto newline = [&](int level) {
    if (!pretty) return;
    out += '\n';
    out.append(static_cast<size_t>(level) * 2, ' ');
  };
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::string:
      append_json_string(out, v.get_string());
      break;
    case json::kind::array: {
      const auto& a = v.get_array();
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i > 0) out += ',';
        newline(indent + 1);
        write_json(out, a[i], pretty, indent + 1, p15);
      }
      if (!a.empty()) newline(indent);
      out += ']';
      break;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      out += '{';
      bool first = true;
      for (const auto& [k, x] : o) {
        if (!first) out += ',';
        first = false;
        newline(indent + 1);
        append_json_string(out, k);
        out += pretty ? ": " : ":";
        write_json(out, x, pretty, indent + 1, p15);
      }
      if (!o.empty()) newline(indent);
      out += '}';
      break;
    }
    default: {
      double d = v.to_number<double>();
      out += std::isfinite(d) ? format_number(p15 ? precision15(d) : d) : "null";
    }
  }
}

std::optional<std::string> to_string(const Value& v, bool pretty, Evaluator& ev) {
  if (v.undefined()) return std::nullopt;
  if (v.is_function()) return std::string();
  if (v.is_string()) return std::string(v.json.get_string());
  if (v.is_number() && !std::isfinite(v.number())) {
    ev.fail("D3001", "Attempting to invoke string function on Infinity or NaN");
    return std::nullopt;
  }
  std::string out;
  write_json(out, v.json, pretty, 0, true);
  return out;
}

std::string stringify(const json::value& v) {
  std::string out;
  write_json(out, v, false, 0, false);
  return out;
}

}  // namespace nimbus::jsonata
