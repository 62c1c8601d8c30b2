// $util (the functions API Gateway's templates call) and the JSONPath of
// $input.path / $input.json.
#include <cctype>

#include "common/encoding.h"
#include "common/vtl/values.h"

namespace nimbus::vtl {

namespace json = boost::json;

namespace {

Error util_error(std::string message) {
  return Error{std::move(message), 0, 0};
}

void hex_unit(std::string& out, unsigned unit) {
  static const char* const kHex = "0123456789ABCDEF";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
}

// Decodes one UTF-8 sequence at s[i] (advancing i); U+FFFD for a util_error one.
uint32_t next_code_point(std::string_view s, size_t& i) {
  auto c = static_cast<unsigned char>(s[i++]);
  if (c < 0x80) return c;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
  if (extra < 0 || i + static_cast<size_t>(extra) > s.size()) return 0xFFFD;
  uint32_t cp = c & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    auto d = static_cast<unsigned char>(s[i]);
    if ((d & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (d & 0x3F);
    ++i;
  }
  return cp;
}

// Apache Commons' escapeJavaScript, which API Gateway runs: quotes,
// backslash and '/' escaped, control characters as \b \t \n \f \r or
// \uXXXX, everything past ASCII as UTF-16 \uXXXX units.
std::string escape_javascript(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = next_code_point(s, i);
    switch (cp) {
      case '\'':
        out += "\\'";
        continue;
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '/':
        out += "\\/";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\r':
        out += "\\r";
        continue;
      default:
        break;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp < 0x10000)) {
      hex_unit(out, cp);
    } else if (cp >= 0x10000) {
      cp -= 0x10000;
      hex_unit(out, 0xD800 + (cp >> 10));
      hex_unit(out, 0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char>(cp);
    }
  }
  return out;
}

// Java's URLEncoder.encode(s, "UTF-8"): letters, digits and ".-*_" kept,
// space as '+', every other byte %XX.
std::string url_encode(std::string_view s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

class Util final : public HostObject {
 public:
  Answer call(std::string_view name, const std::vector<json::value>& args,
              bool property) const override {
    if (property || args.size() != 1) return std::optional<json::value>();
    if (!args[0].is_string()) {
      if (args[0].is_null()) return std::optional<json::value>();
      return call(name, {json::value(json::string(to_text(args[0])))}, false);
    }
    std::string_view s = args[0].get_string();
    if (name == "escapeJavaScript") return json::value(json::string(escape_javascript(s)));
    if (name == "urlEncode") return json::value(json::string(url_encode(s)));
    if (name == "urlDecode") return json::value(json::string(percent_decode(s, true)));
    if (name == "base64Encode") return json::value(json::string(base64_encode(s)));
    if (name == "base64Decode") {
      auto d = base64_decode(s);
      if (!d) return util_error("$util.base64Decode: the text is not base64");
      return json::value(json::string(*d));
    }
    if (name == "parseJson") {
      boost::system::error_code ec;
      json::parse_options opts;
      opts.max_depth = kMaxValueDepth - 2;
      json::value v = json::parse(s, ec, {}, opts);
      if (ec) return util_error("$util.parseJson: the text is not JSON");
      return std::optional<json::value>(std::move(v));
    }
    return std::optional<json::value>();
  }
};

// JSONPath steps: a name, an index, or a wildcard.
struct PathStep {
  enum class Kind { kName, kIndex, kAll } kind;
  std::string name;
  int64_t index = 0;
};

std::optional<std::vector<PathStep>> parse_path(std::string_view p, bool& wildcard) {
  std::vector<PathStep> steps;
  size_t i = 0;
  while (i < p.size() && std::isspace(static_cast<unsigned char>(p[i]))) ++i;
  if (i >= p.size() || p[i] != '$') return std::nullopt;
  ++i;
  while (i < p.size()) {
    if (p[i] == '.') {
      ++i;
      if (i < p.size() && p[i] == '*') {
        ++i;
        steps.push_back({PathStep::Kind::kAll, "", 0});
        wildcard = true;
        continue;
      }
      size_t start = i;
      while (i < p.size() && p[i] != '.' && p[i] != '[') ++i;
      if (i == start) return std::nullopt;
      steps.push_back({PathStep::Kind::kName, std::string(p.substr(start, i - start)), 0});
      continue;
    }
    if (p[i] != '[') return std::nullopt;
    ++i;
    if (i < p.size() && (p[i] == '\'' || p[i] == '"')) {
      char q = p[i++];
      size_t end = p.find(q, i);
      if (end == std::string_view::npos || end + 1 >= p.size() || p[end + 1] != ']')
        return std::nullopt;
      steps.push_back({PathStep::Kind::kName, std::string(p.substr(i, end - i)), 0});
      i = end + 2;
      continue;
    }
    if (i < p.size() && p[i] == '*') {
      if (i + 1 >= p.size() || p[i + 1] != ']') return std::nullopt;
      steps.push_back({PathStep::Kind::kAll, "", 0});
      wildcard = true;
      i += 2;
      continue;
    }
    size_t start = i;
    if (i < p.size() && p[i] == '-') ++i;
    while (i < p.size() && std::isdigit(static_cast<unsigned char>(p[i]))) ++i;
    if (i == start || i - start > 12 || i >= p.size() || p[i] != ']') return std::nullopt;
    steps.push_back(
        {PathStep::Kind::kIndex, "", std::stoll(std::string(p.substr(start, i - start)))});
    ++i;
  }
  return steps;
}

void walk(const json::value& v, const std::vector<PathStep>& steps, size_t k, json::array& out) {
  if (k == steps.size()) {
    out.push_back(v);
    return;
  }
  const PathStep& s = steps[k];
  if (s.kind == PathStep::Kind::kAll) {
    if (v.is_array()) {
      for (const auto& item : v.get_array()) walk(item, steps, k + 1, out);
    } else if (v.is_object()) {
      for (const auto& [name, item] : v.get_object()) walk(item, steps, k + 1, out);
    }
    return;
  }
  if (s.kind == PathStep::Kind::kName) {
    if (!v.is_object()) return;
    if (const auto* next = v.get_object().if_contains(s.name)) walk(*next, steps, k + 1, out);
    return;
  }
  if (!v.is_array()) return;
  int64_t i = s.index < 0 ? s.index + static_cast<int64_t>(v.get_array().size()) : s.index;
  if (i >= 0 && static_cast<size_t>(i) < v.get_array().size())
    walk(v.get_array()[static_cast<size_t>(i)], steps, k + 1, out);
}

}  // namespace

std::optional<json::value> json_path(const json::value& doc, std::string_view path) {
  bool wildcard = false;
  auto steps = parse_path(path, wildcard);
  if (!steps) return std::nullopt;
  json::array out;
  walk(doc, *steps, 0, out);
  if (wildcard) return json::value(std::move(out));
  if (out.empty()) return std::nullopt;
  return std::move(out[0]);
}

const HostObject& util_object() {
  static const Util util;
  return util;
}

}  // namespace nimbus::vtl
