// EventPattern::matches: walks the compiled pattern and the event together.
// No allocation; recursion is bounded by the pattern's depth (parse() limits
// it) and by kMaxArrayDepth for arrays nested in arrays.
#include <cstring>

#include "events/pattern.h"
#include "events/pattern_node.h"

namespace nimbus::events {
namespace {

namespace json = boost::json;
using Kind = Matcher::Kind;
using Node = EventPattern::Node;

constexpr int kMaxArrayDepth = 32;

// Lower case for ASCII and for the two-byte UTF-8 letters whose two cases
// have the same length (Latin-1, Latin Extended-A, Greek, Cyrillic), so a
// case-insensitive comparison can go byte-length for byte-length.
char32_t fold(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) ||
      (c >= 0x410 && c <= 0x42F))
    return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c == 0x178) return 0xFF;
  if (c == 0x386) return 0x3AC;  // Greek with tonos
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  bool even_upper =
      (c >= 0x100 && c <= 0x137 && c != 0x130 && c != 0x131) || (c >= 0x14A && c <= 0x177);
  bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
  if ((even_upper && c % 2 == 0) || (odd_upper && c % 2 == 1)) return c + 1;
  return c;
}

// The character at s[i]: a two-byte UTF-8 sequence decoded, else the byte
// (bytes >= 0x80 moved past the code points so they equal only themselves).
char32_t unit_at(std::string_view s, std::size_t i, std::size_t& len) {
  auto b = static_cast<unsigned char>(s[i]);
  if ((b & 0xE0) == 0xC0 && i + 1 < s.size()) {
    auto c = static_cast<unsigned char>(s[i + 1]);
    if ((c & 0xC0) == 0x80) {
      len = 2;
      return static_cast<char32_t>((b & 0x1F) << 6 | (c & 0x3F));
    }
  }
  len = 1;
  return b < 0x80 ? b : 0x110000 + b;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0, la = 0, lb = 0; i < a.size(); i += la) {
    char32_t ca = unit_at(a, i, la), cb = unit_at(b, i, lb);
    if (la != lb || fold(ca) != fold(cb)) return false;
  }
  return true;
}

bool starts_with(std::string_view s, std::string_view p, bool ic) {
  return s.size() >= p.size() && (ic ? iequals(s.substr(0, p.size()), p) : s.starts_with(p));
}

bool ends_with(std::string_view s, std::string_view p, bool ic) {
  return s.size() >= p.size() && (ic ? iequals(s.substr(s.size() - p.size()), p) : s.ends_with(p));
}

bool in_range(const Matcher& m, std::int64_t x) {
  if (m.has_lo && (m.lo_open ? x <= m.lo : x < m.lo)) return false;
  if (m.has_hi && (m.hi_open ? x >= m.hi : x > m.hi)) return false;
  return true;
}

bool number_equals(const Matcher& m, const json::value& v) {
  if (m.is_integer && v.is_int64()) return m.integer == v.get_int64();
  auto a = scaled_number(m.number), b = scaled_number(v.to_number<double>());
  if (a && b) return *a == *b;
  return m.number == v.to_number<double>();
}

bool ip_in(const Matcher& m, std::string_view text) {
  std::array<std::uint8_t, 16> ip{};
  if (parse_ip(text, ip) != m.ip_len) return false;
  auto n = static_cast<std::size_t>(m.ip_len);
  return std::memcmp(ip.data(), m.ip_lo.data(), n) >= 0 &&
         std::memcmp(ip.data(), m.ip_hi.data(), n) <= 0;
}

bool any_wildcard(const Matcher& m, std::string_view s) {
  for (const auto& w : m.wildcards)
    if (wildcard_matches(w, s)) return true;
  return false;
}

// One leaf value (not an array, not an object) against one matcher.
bool leaf_matches(const Matcher& m, const json::value& v) {
  const json::string* str = v.if_string();
  std::string_view s = str ? std::string_view(*str) : std::string_view();
  switch (m.kind) {
    case Kind::kString:
      return str && s == m.text;
    case Kind::kIp:
      return str && (s == m.text || ip_in(m, s));
    case Kind::kNumber:
      return is_number(v) && number_equals(m, v);
    case Kind::kBool:
      return v.is_bool() && v.get_bool() == m.flag;
    case Kind::kNull:
      return v.is_null();
    case Kind::kPrefix:
      return str && starts_with(s, m.text, m.ignore_case);
    case Kind::kSuffix:
      return str && ends_with(s, m.text, m.ignore_case);
    case Kind::kEqualsIgnoreCase:
      return str && iequals(s, m.text);
    case Kind::kWildcard:
      return str && any_wildcard(m, s);
    case Kind::kCidr:
      return str && ip_in(m, s);
    case Kind::kExists:
      return m.flag;
    case Kind::kNumeric: {
      if (!is_number(v)) return false;
      auto x = scaled_number(v.to_number<double>());
      return x && in_range(m, *x);
    }
    case Kind::kAnythingBut: {
      if (m.flag) {  // numbers: matches other numbers only
        if (!is_number(v)) return false;
        auto x = scaled_number(v.to_number<double>());
        if (!x) return true;
        for (auto n : m.numbers)
          if (n == *x) return false;
        return true;
      }
      if (!str) return true;
      for (const auto& t : m.texts)
        if (s == t) return false;
      return true;
    }
    case Kind::kAnythingButPrefix:
      return !str || !starts_with(s, m.text, false);
    case Kind::kAnythingButSuffix:
      return !str || !ends_with(s, m.text, false);
    case Kind::kAnythingButIgnoreCase: {
      if (!str) return true;
      for (const auto& t : m.texts)
        if (iequals(s, t)) return false;
      return true;
    }
    case Kind::kAnythingButWildcard:
      return !str || !any_wildcard(m, s);
  }
  return false;
}

bool leaf_matches_any(const std::vector<Matcher>& ms, const json::value& v) {
  for (const auto& m : ms)
    if (m.kind != Kind::kExists || m.flag)
      if (leaf_matches(m, v)) return true;
  return false;
}

bool absent_matches(const std::vector<Matcher>& ms) {
  for (const auto& m : ms)
    if (m.kind == Kind::kExists && !m.flag) return true;
  return false;
}

// Calls f on every element of `v` (arrays flattened) that is an object
// (Objects) or a leaf (!Objects), until f returns true. Returns whether f
// did; `seen` tells whether there was any such element at all.
template <bool Objects, typename F>
bool each(const json::value& v, int depth, bool& seen, const F& f) {
  if (const auto* a = v.if_array()) {
    if (depth >= kMaxArrayDepth) return false;
    for (const auto& e : *a)
      if (each<Objects>(e, depth + 1, seen, f)) return true;
    return false;
  }
  if (v.is_object() != Objects) return false;
  seen = true;
  return f(v);
}

bool node_absent(const Node& node);
bool node_matches(const Node& node, const json::object& event);

bool field_matches(const Node::Field& field, const json::value* v) {
  bool seen = false;
  if (field.child) {
    if (!v) return node_absent(*field.child);
    const Node& child = *field.child;
    if (each<true>(*v, 0, seen,
                   [&](const json::value& o) { return node_matches(child, o.get_object()); }))
      return true;
    return !seen && node_absent(child);
  }
  if (!v) return absent_matches(field.leaf);
  if (each<false>(*v, 0, seen,
                  [&](const json::value& e) { return leaf_matches_any(field.leaf, e); }))
    return true;
  return !seen && absent_matches(field.leaf);
}

// The pattern against an event object, or (node_absent) against a missing one.
bool node_matches(const Node& node, const json::object& event) {
  for (const auto& f : node.fields)
    if (!field_matches(f, event.if_contains(f.name))) return false;
  for (const auto& alternatives : node.ors) {
    bool any = false;
    for (const auto& alt : alternatives)
      if ((any = node_matches(alt, event))) break;
    if (!any) return false;
  }
  return true;
}

bool node_absent(const Node& node) {
  for (const auto& f : node.fields)
    if (!field_matches(f, nullptr)) return false;
  for (const auto& alternatives : node.ors) {
    bool any = false;
    for (const auto& alt : alternatives)
      if ((any = node_absent(alt))) break;
    if (!any) return false;
  }
  return true;
}

}  // namespace

// '*' pieces: the first must start the text and the last end it unless a star
// stands there; the middle ones are found leftmost-first, which is enough for
// a pattern whose only metacharacter is '*'. Linear in the text per piece.
bool wildcard_matches(const Matcher::Wildcard& w, std::string_view text) {
  const auto& p = w.pieces;
  if (p.empty()) return w.leading_star || text.empty();
  std::size_t first = 0, last = p.size();
  if (!w.leading_star) {
    if (!text.starts_with(p[0])) return false;
    text.remove_prefix(p[0].size());
    first = 1;
  }
  if (!w.trailing_star && first < last) {
    const auto& tail = p[last - 1];
    if (!text.ends_with(tail)) return false;
    text.remove_suffix(tail.size());
    --last;
  } else if (!w.trailing_star && !text.empty()) {
    return false;  // the only piece was the prefix and there is text left
  }
  for (std::size_t i = first; i < last; ++i) {
    auto at = text.find(p[i]);
    if (at == std::string_view::npos) return false;
    text.remove_prefix(at + p[i].size());
  }
  return true;
}

bool EventPattern::matches(const boost::json::value& event) const {
  if (const auto* obj = event.if_object()) return node_matches(*root_, *obj);
  return node_absent(*root_);
}

}  // namespace nimbus::events
