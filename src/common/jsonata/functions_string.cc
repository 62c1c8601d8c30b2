// String functions. Lengths and offsets count Unicode code points.
#include <cctype>
#include <cmath>
#include <cstring>
#include <optional>

#include "common/encoding.h"
#include "common/jsonata/functions.h"

namespace nimbus::jsonata::fns {

namespace json = boost::json;

namespace {
constexpr size_t kMaxString = 16 * 1024 * 1024;

Value str(std::string s) {
  return Value(json::value(std::move(s)));
}
std::string_view sv(const Value& v) {
  return v.json.get_string();
}

std::string join_chars(const std::vector<std::string>& chars, int64_t from, int64_t to) {
  std::string out;
  auto n = static_cast<int64_t>(chars.size());
  from = std::max<int64_t>(0, std::min(from, n));
  to = std::max<int64_t>(from, std::min(to, n));
  for (int64_t i = from; i < to; ++i) out += chars[static_cast<size_t>(i)];
  return out;
}

bool too_long(Evaluator& ev, double n) {
  if (n > static_cast<double>(kMaxString)) {
    ev.fail("D3000", "The result of function \"" + ev.current_function() + "\" would be too long");
    return true;
  }
  return !ev.count(static_cast<uint64_t>(std::max(0.0, n)) / 64);
}
}  // namespace

Value string(Evaluator& ev, std::vector<Value>& a) {
  bool pretty = a.size() > 1 && a[1].is_json() && a[1].json.is_bool() && a[1].json.get_bool();
  auto s = to_string(a[0], pretty, ev);
  if (!s) return {};
  return str(std::move(*s));
}

Value length(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  return jsonata::number(static_cast<double>(utf8_length(sv(a[0]))));
}

Value substring(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  auto chars = utf8_chars(sv(a[0]));
  auto n = static_cast<int64_t>(chars.size());
  double start_d = a[1].undefined() ? 0 : a[1].number();
  if (!std::isfinite(start_d))
    start_d = start_d > 0 ? static_cast<double>(n) : -static_cast<double>(n);
  auto start = static_cast<int64_t>(std::trunc(std::max(-1e15, std::min(1e15, start_d))));
  if (n + start < 0) start = 0;
  if (start < 0) start += n;
  if (a.size() > 2 && !a[2].undefined()) {
    double len = a[2].number();
    if (!(len > 0)) return str("");
    double end = static_cast<double>(start) + std::trunc(std::min(len, 1e15));
    return str(join_chars(chars, start, static_cast<int64_t>(std::min(end, 1e15))));
  }
  return str(join_chars(chars, start, n));
}

Value substring_before(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  if (a[1].undefined()) return a[0];
  auto s = sv(a[0]);
  auto i = s.find(sv(a[1]));
  return i == std::string_view::npos ? a[0] : str(std::string(s.substr(0, i)));
}

Value substring_after(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  if (a[1].undefined()) return a[0];
  auto s = sv(a[0]);
  auto t = sv(a[1]);
  auto i = s.find(t);
  return i == std::string_view::npos ? a[0] : str(std::string(s.substr(i + t.size())));
}

namespace {
// Case mapping for ASCII, Latin-1, Greek and Cyrillic (the scripts whose
// cases differ by a fixed offset); other characters stay as they are.
std::string map_case(std::string_view s, bool upper) {
  std::string out;
  for (const auto& ch : utf8_chars(s)) {
    uint32_t c = decode_utf8(ch);
    uint32_t m = c;
    if (upper) {
      if (c == 0xDF) {
        out += "SS";
        continue;
      }
      if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) ||
          (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) || (c >= 0x430 && c <= 0x44F)) {
        m = c - 0x20;
      } else if (c == 0x3C2) {
        m = 0x3A3;
      } else if (c >= 0x450 && c <= 0x45F) {
        m = c - 0x50;
      }
    } else {
      if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
          (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F)) {
        m = c + 0x20;
      } else if (c >= 0x400 && c <= 0x40F) {
        m = c + 0x50;
      }
    }
    if (m == c || ch.size() > 3) {
      out += ch;
    } else {
      append_utf8(out, m);
    }
  }
  return out;
}
}  // namespace

Value uppercase(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  return str(map_case(sv(a[0]), true));
}

Value lowercase(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  return str(map_case(sv(a[0]), false));
}

Value trim(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  std::string out;
  bool space = false;
  for (char c : sv(a[0])) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return str(std::move(out));
}

Value pad(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  std::string_view fill = " ";
  if (a.size() > 2 && !a[2].undefined() && !sv(a[2]).empty()) fill = sv(a[2]);
  double width = a[1].undefined() ? 0 : std::trunc(a[1].number());
  double have = static_cast<double>(utf8_length(sv(a[0])));
  double need = std::fabs(width) - have;
  if (!(need > 0)) return a[0];
  if (too_long(ev, need)) return {};
  auto fill_chars = utf8_chars(fill);
  std::string padding;
  for (size_t i = 0; i < static_cast<size_t>(need); ++i)
    padding += fill_chars[i % fill_chars.size()];
  if (width < 0) {
    padding.append(sv(a[0]));
    return str(std::move(padding));
  }
  std::string out(sv(a[0]));
  out.append(padding);
  return str(std::move(out));
}

Value contains(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined() || a[1].undefined()) return {};
  if (a[1].is_function()) return regex_contains(ev, a);
  return Value(json::value(sv(a[0]).find(sv(a[1])) != std::string_view::npos));
}

Value split(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined() || a[1].undefined()) return {};
  if (a[1].is_function()) return regex_split(ev, a);
  double limit = a.size() > 2 && !a[2].undefined() ? a[2].number() : -1;
  if (a.size() > 2 && !a[2].undefined() && limit < 0) {
    ev.fail("D3020", "Third argument of split function must evaluate to a positive number");
    return {};
  }
  auto s = sv(a[0]);
  auto sep = sv(a[1]);
  json::array out;
  auto full = [&] { return limit >= 0 && static_cast<double>(out.size()) >= limit; };
  if (sep.empty()) {
    for (auto& c : utf8_chars(s)) {
      if (full()) break;
      out.push_back(json::value(c));
    }
  } else {
    size_t from = 0;
    for (;;) {
      if (full()) break;
      auto i = s.find(sep, from);
      if (i == std::string_view::npos) {
        out.push_back(json::value(s.substr(from)));
        break;
      }
      out.push_back(json::value(s.substr(from, i - from)));
      from = i + sep.size();
    }
  }
  ev.count(out.size());
  return Value(json::value(std::move(out)));
}

Value join(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  std::string sep = a.size() > 1 && !a[1].undefined() ? std::string(sv(a[1])) : "";
  std::string out;
  bool first = true;
  for (const auto& x : a[0].json.get_array()) {
    if (!first) out += sep;
    first = false;
    out += x.get_string();
    if (out.size() > kMaxString) return too_long(ev, static_cast<double>(out.size())), Value();
  }
  return str(std::move(out));
}

Value replace(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined() || a[1].undefined() || a[2].undefined()) return {};
  if (a[1].is_function()) return regex_replace(ev, a);
  if (a[2].is_function()) {  // JSONata would insert the function's source text
    ev.fail("D3012", "Attempted to replace a matched string with a non-string value");
    return {};
  }
  auto pattern = sv(a[1]);
  if (pattern.empty()) {
    ev.fail("D3010", "Second argument of replace function cannot be an empty string");
    return {};
  }
  double limit = -1;
  if (a.size() > 3 && !a[3].undefined()) {
    limit = a[3].number();
    if (limit < 0) {
      ev.fail("D3011", "Fourth argument of replace function must evaluate to a positive number");
      return {};
    }
  }
  auto s = sv(a[0]);
  auto with = sv(a[2]);
  std::string out;
  size_t from = 0;
  double done = 0;
  while (limit < 0 || done < limit) {
    auto i = s.find(pattern, from);
    if (i == std::string_view::npos) break;
    out += s.substr(from, i - from);
    out += with;
    if (out.size() > kMaxString) return too_long(ev, static_cast<double>(out.size())), Value();
    from = i + pattern.size();
    ++done;
  }
  out += s.substr(from);
  return str(std::move(out));
}

Value base64encode(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  return str(base64_encode(sv(a[0])));
}

Value base64decode(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  auto d = base64_decode(sv(a[0]));
  if (!d) {
    ev.fail("D3137", "The argument of $base64decode is not base64");
    return {};
  }
  return str(std::move(*d));
}

Value error(Evaluator& ev, std::vector<Value>& a) {
  ev.fail("D3137", a[0].undefined() ? "$error() function evaluated" : std::string(sv(a[0])));
  return {};
}

Value assert_(Evaluator& ev, std::vector<Value>& a) {
  if (!a[0].is_json() || !a[0].json.get_bool()) {
    ev.fail("D3141", a.size() > 1 && !a[1].undefined() ? std::string(sv(a[1]))
                                                       : "$assert() statement failed");
  }
  return {};
}

namespace {
// JavaScript's encodeURIComponent (`reserved` empty) and encodeURI (which
// also keeps the URI's reserved characters): UTF-8 bytes as %XX.
std::string encode_url(std::string_view s, std::string_view reserved) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || std::strchr("-_.!~*'()", c) != nullptr ||
        (c != 0 && reserved.find(static_cast<char>(c)) != std::string_view::npos)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// JavaScript's decodeURIComponent and decodeURI (which leaves the escapes
// of the reserved characters as they are); nullopt where JavaScript throws.
std::optional<std::string> decode_url(std::string_view s, std::string_view reserved) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '%') {
      out += s[i++];
      continue;
    }
    // One character: its lead byte and as many continuation escapes.
    std::string bytes;
    size_t j = i;
    size_t want = 1;
    while (bytes.size() < want) {
      if (j + 2 >= s.size() || s[j] != '%') return std::nullopt;
      int hi = hex_digit(s[j + 1]);
      int lo = hex_digit(s[j + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      auto byte = static_cast<unsigned char>(hi * 16 + lo);
      if (bytes.empty()) {
        want = byte < 0x80         ? 1
               : (byte >> 5) == 6  ? 2
               : (byte >> 4) == 14 ? 3
               : (byte >> 3) == 30 ? 4
                                   : 0;
        if (want == 0) return std::nullopt;
      }
      bytes += static_cast<char>(byte);
      j += 3;
    }
    if (!valid_utf8(bytes)) return std::nullopt;
    if (bytes.size() == 1 && reserved.find(bytes[0]) != std::string_view::npos) {
      out += s.substr(i, 3);
    } else {
      out += bytes;
    }
    i = j;
  }
  return out;
}

constexpr std::string_view kUriReserved = ";,/?:@&=+$#";

Value url_result(Evaluator& ev, std::optional<std::string> r, std::string_view arg) {
  if (!r) {
    ev.fail("D3140", "Malformed URL passed to " + ev.current_function() + "(): \"" +
                         std::string(arg) + "\"");
    return {};
  }
  return str(std::move(*r));
}
}  // namespace

Value encode_url_component(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  if (!valid_utf8(sv(a[0]))) return url_result(ev, std::nullopt, sv(a[0]));
  return str(encode_url(sv(a[0]), ""));
}

Value encode_url(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  if (!valid_utf8(sv(a[0]))) return url_result(ev, std::nullopt, sv(a[0]));
  return str(encode_url(sv(a[0]), kUriReserved));
}

Value decode_url_component(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  return url_result(ev, decode_url(sv(a[0]), ""), sv(a[0]));
}

Value decode_url(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  return url_result(ev, decode_url(sv(a[0]), kUriReserved), sv(a[0]));
}

Value eval_unsupported(Evaluator& ev, std::vector<Value>&) {
  ev.fail("S0299", "The function $eval is not supported");
  return {};
}

}  // namespace nimbus::jsonata::fns
