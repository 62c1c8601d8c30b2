// The Java methods templates call on strings, lists and maps, and Java's
// toString of values.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/vtl/values.h"

namespace nimbus::vtl {

namespace json = boost::json;

namespace {

using Answer = std::variant<std::optional<json::value>, Error>;

Error bad(std::string message) {
  return Error{std::move(message), 0, 0};
}

// UTF-16 code units of a UTF-8 text (what Java's length() and indexes count).
size_t units(unsigned char lead) {
  return lead >= 0xF0 ? 2 : 1;
}
bool continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

size_t utf16_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if (!continuation(c)) n += units(c);
  }
  return n;
}
// The byte offset of UTF-16 index `index` (npos past the end).
size_t byte_offset(std::string_view s, size_t index) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (continuation(static_cast<unsigned char>(s[i]))) continue;
    if (n >= index) return n == index ? i : std::string_view::npos;
    n += units(static_cast<unsigned char>(s[i]));
  }
  return n == index ? s.size() : std::string_view::npos;
}
int64_t utf16_index(std::string_view s, size_t byte) {
  return static_cast<int64_t>(utf16_length(s.substr(0, byte)));
}

std::optional<int64_t> int_arg(const std::vector<json::value>& args, size_t i) {
  if (i >= args.size()) return std::nullopt;
  if (args[i].is_int64()) return args[i].as_int64();
  if (args[i].is_uint64() && args[i].as_uint64() < (1ULL << 62))
    return static_cast<int64_t>(args[i].as_uint64());
  return std::nullopt;
}
const json::string* str_arg(const std::vector<json::value>& args, size_t i) {
  return i < args.size() && args[i].is_string() ? &args[i].as_string() : nullptr;
}

// A regular expression that only escapes literal characters ("\\.", ",")
// as its literal text; nullopt for a real pattern (not supported).
std::optional<std::string> literal_pattern(std::string_view re) {
  std::string out;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\' && i + 1 < re.size() && !std::isalnum(static_cast<unsigned char>(re[i + 1]))) {
      out += re[++i];
      continue;
    }
    if (std::string_view(".[]{}()*+?^$|\\").find(c) != std::string_view::npos) return std::nullopt;
    out += c;
  }
  return out;
}

std::optional<std::string> replace_all(std::string_view s, std::string_view from,
                                       std::string_view to, size_t max_size) {
  std::string out;
  if (from.empty()) {  // Java puts `to` around every character
    out.append(to);
    for (size_t i = 0; i < s.size();) {
      size_t e = i + 1;
      while (e < s.size() && continuation(static_cast<unsigned char>(s[e]))) ++e;
      out.append(s.substr(i, e - i));
      out.append(to);
      if (out.size() > max_size) return std::nullopt;
      i = e;
    }
    return out;
  }
  size_t at = 0;
  for (size_t hit; (hit = s.find(from, at)) != std::string_view::npos; at = hit + from.size()) {
    out.append(s.substr(at, hit - at));
    out.append(to);
    if (out.size() > max_size) return std::nullopt;
  }
  out.append(s.substr(at));
  return out;
}

std::string ascii_case(std::string_view s, bool upper) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Answer string_method(const json::string& js, std::string_view name,
                     const std::vector<json::value>& args, size_t max_size) {
  std::string_view s = js;
  const json::string* a = str_arg(args, 0);
  size_t n = args.size();
  if (name == "length" && n == 0) return json::value(static_cast<int64_t>(utf16_length(s)));
  if (name == "isEmpty" && n == 0) return json::value(s.empty());
  if ((name == "toString" || name == "trim") && n == 0) {
    if (name == "toString") return json::value(js);
    size_t b = 0, e = s.size();
    while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
    while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
    return json::value(json::string(s.substr(b, e - b)));
  }
  if ((name == "toLowerCase" || name == "toUpperCase") && n == 0)
    return json::value(json::string(ascii_case(s, name == "toUpperCase")));
  if (name == "substring" && (n == 1 || n == 2)) {
    auto b = int_arg(args, 0);
    auto e =
        n == 2 ? int_arg(args, 1) : std::optional<int64_t>(static_cast<int64_t>(utf16_length(s)));
    if (!b || !e || *b < 0 || *e < *b) return bad("substring: index out of range");
    size_t bb = byte_offset(s, static_cast<size_t>(*b)),
           eb = byte_offset(s, static_cast<size_t>(*e));
    if (bb == std::string_view::npos || eb == std::string_view::npos)
      return bad("substring: index out of range");
    return json::value(json::string(s.substr(bb, eb - bb)));
  }
  if (name == "charAt" && n == 1) {
    auto i = int_arg(args, 0);
    size_t b = i && *i >= 0 ? byte_offset(s, static_cast<size_t>(*i)) : std::string_view::npos;
    if (b == std::string_view::npos || b >= s.size()) return bad("charAt: index out of range");
    size_t e = b + 1;
    while (e < s.size() && continuation(static_cast<unsigned char>(s[e]))) ++e;
    return json::value(json::string(s.substr(b, e - b)));
  }
  if (a == nullptr) {
    if (name == "equals" && n == 1) return json::value(false);
    return std::optional<json::value>();
  }
  std::string_view x = *a;
  if (n == 1) {
    if (name == "contains") return json::value(s.find(x) != std::string_view::npos);
    if (name == "startsWith") return json::value(s.starts_with(x));
    if (name == "endsWith") return json::value(s.ends_with(x));
    if (name == "equals") return json::value(s == x);
    if (name == "equalsIgnoreCase")
      return json::value(ascii_case(s, false) == ascii_case(x, false));
    if (name == "concat") {
      if (s.size() + x.size() > max_size) return bad("concat: the text is too large");
      return json::value(json::string(std::string(s) + std::string(x)));
    }
    if (name == "indexOf" || name == "lastIndexOf") {
      size_t at = name == "indexOf" ? s.find(x) : s.rfind(x);
      return json::value(at == std::string_view::npos ? int64_t{-1} : utf16_index(s, at));
    }
    if (name == "matches") {
      auto lit = literal_pattern(x);
      if (!lit) return bad("matches: regular expressions are not supported");
      return json::value(s == *lit);
    }
    if (name == "split") {
      auto lit = literal_pattern(x);
      if (!lit) return bad("split: regular expressions are not supported");
      json::array parts;
      if (lit->empty()) {
        for (size_t i = 0; i < s.size();) {
          size_t e = i + 1;
          while (e < s.size() && continuation(static_cast<unsigned char>(s[e]))) ++e;
          parts.push_back(json::string(s.substr(i, e - i)));
          i = e;
        }
      } else {
        size_t at = 0;
        for (size_t hit; (hit = s.find(*lit, at)) != std::string_view::npos; at = hit + lit->size())
          parts.push_back(json::string(s.substr(at, hit - at)));
        parts.push_back(json::string(s.substr(at)));
        // Java drops the trailing empty strings.
        while (!parts.empty() && parts.back().as_string().empty()) parts.pop_back();
      }
      return json::value(std::move(parts));
    }
  }
  if (n == 2 && str_arg(args, 1) != nullptr) {
    std::string_view to = *str_arg(args, 1);
    std::optional<std::string> from(std::string{x});
    if (name == "replaceAll" || name == "replaceFirst") {
      from = literal_pattern(x);
      if (!from) return bad(std::string(name) + ": regular expressions are not supported");
    }
    if (name == "replace" || name == "replaceAll") {
      auto r = replace_all(s, *from, to, max_size);
      if (!r) return bad(std::string(name) + ": the text is too large");
      return json::value(json::string(*r));
    }
    if (name == "replaceFirst") {
      size_t at = s.find(*from);
      if (at == std::string_view::npos) return json::value(js);
      std::string r(s);
      r.replace(at, from->size(), to);
      if (r.size() > max_size) return bad("replaceFirst: the text is too large");
      return json::value(json::string(r));
    }
  }
  return std::optional<json::value>();
}

bool loose_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

Answer list_method(const json::array& self, json::array& target, std::string_view name,
                   const std::vector<json::value>& args) {
  size_t n = args.size();
  if (name == "size" && n == 0) return json::value(static_cast<int64_t>(self.size()));
  if (name == "isEmpty" && n == 0) return json::value(self.empty());
  if (name == "get" && n == 1) {
    auto i = int_arg(args, 0);
    if (!i || *i < 0 || static_cast<size_t>(*i) >= self.size())
      return bad("get: index out of range");
    return json::value(self[static_cast<size_t>(*i)]);
  }
  if ((name == "contains" || name == "indexOf") && n == 1) {
    auto it = std::find_if(self.begin(), self.end(),
                           [&](const json::value& v) { return loose_equal(v, args[0]); });
    if (name == "contains") return json::value(it != self.end());
    return json::value(it == self.end() ? int64_t{-1} : static_cast<int64_t>(it - self.begin()));
  }
  if (name == "add" && n == 1) {
    target.push_back(args[0]);
    return json::value(true);
  }
  if (name == "addAll" && n == 1 && args[0].is_array()) {
    for (const auto& v : args[0].as_array()) target.push_back(v);
    return json::value(true);
  }
  if ((name == "set" && n == 2) || (name == "remove" && n == 1)) {
    auto i = int_arg(args, 0);
    if (!i || *i < 0 || static_cast<size_t>(*i) >= target.size())
      return bad(std::string(name) + ": index out of range");
    json::value old = target[static_cast<size_t>(*i)];
    if (name == "set") {
      target[static_cast<size_t>(*i)] = args[1];
    } else {
      target.erase(target.begin() + *i);
    }
    return std::optional<json::value>(std::move(old));
  }
  return std::optional<json::value>();
}

Answer map_method(const json::object& self, json::object& target, std::string_view name,
                  const std::vector<json::value>& args) {
  size_t n = args.size();
  if (name == "size" && n == 0) return json::value(static_cast<int64_t>(self.size()));
  if (name == "isEmpty" && n == 0) return json::value(self.empty());
  if (name == "keySet" || name == "values" || name == "entrySet") {
    if (n != 0) return std::optional<json::value>();
    json::array out;
    for (const auto& [k, v] : self) {
      if (name == "keySet") {
        out.push_back(json::string(k));
      } else if (name == "values") {
        out.push_back(v);
      } else {
        out.push_back(json::object{{"key", k}, {"value", v}});
      }
    }
    return json::value(std::move(out));
  }
  if (name == "containsValue" && n == 1) {
    for (const auto& [k, v] : self) {
      if (loose_equal(v, args[0])) return json::value(true);
    }
    return json::value(false);
  }
  if (name == "putAll" && n == 1 && args[0].is_object()) {
    for (const auto& [k, v] : args[0].as_object()) target[k] = v;
    return std::optional<json::value>();
  }
  if (n == 0 || n > 2) return std::optional<json::value>();
  std::string key = args[0].is_string() ? std::string(args[0].as_string()) : to_text(args[0]);
  if (name == "get" && n == 1) {
    const auto* v = self.if_contains(key);
    return v == nullptr ? std::optional<json::value>() : std::optional<json::value>(*v);
  }
  if (name == "containsKey" && n == 1) return json::value(self.contains(key));
  if ((name == "put" && n == 2) || (name == "remove" && n == 1)) {
    std::optional<json::value> old;
    if (const auto* v = target.if_contains(key)) old = *v;
    if (name == "put") {
      target[key] = args[1];
    } else {
      target.erase(key);
    }
    return old;
  }
  return std::optional<json::value>();
}

// JSON text (`json` set) or Java's toString of `v`, appended to `out`.
void write(const json::value& v, std::string& out, bool json) {
  switch (v.kind()) {
    case json::kind::string:
      if (json) {
        out += json::serialize(v);
      } else {
        out.append(v.get_string());
      }
      return;
    case json::kind::double_:
      out += !json || std::isfinite(v.get_double()) ? java_double(v.get_double()) : "null";
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += json ? "," : ", ";
        first = false;
        write(item, out, json);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, item] : v.get_object()) {
        if (!first) out += json ? "," : ", ";
        first = false;
        if (json) {
          out += json::serialize(json::string(k));
          out += ':';
        } else {
          out.append(k);
          out += '=';
        }
        write(item, out, json);
      }
      out += '}';
      return;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

std::variant<std::optional<json::value>, Error> call_method(const json::value& self,
                                                            json::value* mut, std::string_view name,
                                                            const std::vector<json::value>& args,
                                                            size_t max_size) {
  if (name == "toString" && args.empty()) return json::value(json::string(to_text(self)));
  if (name == "equals" && args.size() == 1 && !self.is_string())
    return json::value(loose_equal(self, args[0]));
  if (self.is_string()) return string_method(self.get_string(), name, args, max_size);
  if (self.is_array()) {
    json::value copy;
    json::array& target =
        mut != nullptr && mut->is_array() ? mut->as_array() : (copy = self).as_array();
    return list_method(self.get_array(), target, name, args);
  }
  if (self.is_object()) {
    json::value copy;
    json::object& target =
        mut != nullptr && mut->is_object() ? mut->as_object() : (copy = self).as_object();
    return map_method(self.get_object(), target, name, args);
  }
  return std::optional<json::value>();
}

namespace {
bool too_big(const json::value& v, int levels, size_t& nodes) {
  if (levels < 0 || nodes == 0) return true;
  --nodes;
  if (v.is_array()) {
    for (const auto& item : v.get_array()) {
      if (too_big(item, levels - 1, nodes)) return true;
    }
  } else if (v.is_object()) {
    for (const auto& [k, item] : v.get_object()) {
      if (too_big(item, levels - 1, nodes)) return true;
    }
  }
  return false;
}
}  // namespace

bool too_big(const json::value& v, int levels) {
  size_t nodes = kMaxValueNodes;
  return too_big(v, levels, nodes);
}

std::string java_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  double a = std::fabs(d);
  char buf[64];
  if (a >= 1e-3 && a < 1e7) {
    // The shortest text that reads back as d, with at least one decimal.
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, d);
      if (std::strtod(buf, nullptr) == d) break;
    }
    std::string s(buf);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string s(buf);  // 1.5e+20 -> 1.5E20
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  int exponent = std::atoi(s.c_str() + e + 1);
  return mantissa + "E" + std::to_string(exponent);
}

std::string json_text(const json::value& v) {
  std::string out;
  write(v, out, true);
  return out;
}

std::string to_text(const json::value& v) {
  std::string out;
  write(v, out, false);
  return out;
}

}  // namespace nimbus::vtl
