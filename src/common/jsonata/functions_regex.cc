// What JSONata does with a /regex/: $match, and the regex forms of
// $contains, $split and $replace. Offsets count code points, as the string
// functions do.
#include <cctype>
#include <string>

#include "common/jsonata/functions.h"

namespace nimbus::jsonata {

namespace json = boost::json;

namespace {
size_t code_points(std::string_view s, size_t bytes) {
  return utf8_length(s.substr(0, bytes));
}

json::array groups_of(const Regex::Match& m) {
  json::array groups;
  for (const auto& g : m.groups) {
    if (g) {
      groups.push_back(json::value(*g));
    } else {
      groups.push_back(nullptr);
    }
  }
  return groups;
}
}  // namespace

std::optional<Regex::Match> next_match(Evaluator& ev, const Regex& re, std::string_view s,
                                       size_t from, bool first) {
  if (ev.failed() || !ev.count()) return std::nullopt;
  // After a match JSONata searches on from its end, and stops at the end of
  // the string; a later match of nothing would never move on.
  if (!first && from >= s.size()) return std::nullopt;
  Regex::Cost cost = Regex::Cost::kLight;
  auto m = re.find(s, from, cost);
  // A search past the light limit costs up to fifty times a light one: a
  // heavy one is charged as many steps as ten thousand light ones, so a
  // budget of two million steps allows some two hundred of them.
  if (cost == Regex::Cost::kTooMuch || (cost == Regex::Cost::kHeavy && !ev.count(10'000))) {
    if (!ev.failed()) {
      ev.fail("U1002", "Regular expression /" + re.source() + "/ backtracked past its limit");
    }
    return std::nullopt;
  }
  if (m && !first && m->begin == m->end) {
    ev.fail("D1004", "Regular expression matches zero length string");
    return std::nullopt;
  }
  return m;
}

json::object match_object(std::string_view s, const Regex::Match& m, bool start_end) {
  json::object o;
  o["match"] = std::string(s.substr(m.begin, m.end - m.begin));
  if (start_end) {
    o["start"] = code_points(s, m.begin);
    o["end"] = code_points(s, m.end);
  } else {
    o["index"] = code_points(s, m.begin);
  }
  o["groups"] = groups_of(m);
  return o;
}

namespace fns {

namespace {
const Regex* regex_of(Evaluator& ev, const Value& v) {
  if (v.is_function() && v.fn->regex) return v.fn->regex.get();
  // A function of the user's as a matcher would have to return the
  // matcher protocol's `next` function, which JSON values cannot hold.
  ev.fail("T1010", "The matcher function argument passed to function \"" + ev.current_function() +
                       "\" does not return the correct object structure");
  return nullptr;
}

// A limit argument: -1 when absent, nullopt (and failed) when negative.
std::optional<double> limit_of(Evaluator& ev, const std::vector<Value>& a, size_t at,
                               const char* code, const char* message) {
  if (a.size() <= at || a[at].undefined()) return -1.0;
  double limit = a[at].number();
  if (limit < 0) {
    ev.fail(code, message);
    return std::nullopt;
  }
  return limit;
}
}  // namespace

Value match(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  auto limit = limit_of(ev, a, 2, "D3040",
                        "Third argument of match function must evaluate to a positive number");
  if (!limit) return {};
  const Regex* re = regex_of(ev, a[1]);
  if (re == nullptr) return {};
  std::string_view s = a[0].json.get_string();
  Value out = Value::seq();
  auto& items = out.json.get_array();
  auto m = *limit == 0 ? std::nullopt : next_match(ev, *re, s, 0, true);
  while (m && (*limit < 0 || static_cast<double>(items.size()) < *limit)) {
    items.push_back(match_object(s, *m, false));
    m = next_match(ev, *re, s, m->end, false);
  }
  if (ev.failed()) return {};
  return out;
}

Value regex_contains(Evaluator& ev, std::vector<Value>& a) {
  const Regex* re = regex_of(ev, a[1]);
  if (re == nullptr) return {};
  auto m = next_match(ev, *re, a[0].json.get_string(), 0, true);
  if (ev.failed()) return {};
  return Value(json::value(m.has_value()));
}

Value regex_split(Evaluator& ev, std::vector<Value>& a) {
  auto limit = limit_of(ev, a, 2, "D3020",
                        "Third argument of split function must evaluate to a positive number");
  if (!limit) return {};
  const Regex* re = regex_of(ev, a[1]);
  if (re == nullptr) return {};
  std::string_view s = a[0].json.get_string();
  json::array out;
  auto room = [&] { return *limit < 0 || static_cast<double>(out.size()) < *limit; };
  if (*limit == 0) return Value(json::value(std::move(out)));
  auto m = next_match(ev, *re, s, 0, true);
  if (!m) {
    if (ev.failed()) return {};
    out.push_back(json::value(s));
    return Value(json::value(std::move(out)));
  }
  size_t start = 0;
  while (m && room()) {
    out.push_back(json::value(s.substr(start, m->begin - start)));
    start = m->end;
    m = next_match(ev, *re, s, m->end, false);
  }
  if (ev.failed()) return {};
  if (room()) out.push_back(json::value(s.substr(start)));
  return Value(json::value(std::move(out)));
}

namespace {
// JSONata's replacement text: $$ is a dollar, $0 the match, $N the Nth
// group (as many digits as the group count has, fewer when that names no
// group); a $ before anything else stays.
std::string substitute(std::string_view with, std::string_view matched, const Regex::Match& m) {
  std::string out;
  size_t groups = m.groups.size();
  size_t max_digits = groups == 0 ? 1 : std::to_string(groups).size();
  for (size_t i = 0; i < with.size();) {
    if (with[i] != '$' || i + 1 >= with.size()) {
      out += with[i++];
      continue;
    }
    char next = with[i + 1];
    if (next == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next == '0') {
      out += matched;
      i += 2;
      continue;
    }
    size_t digits = 0;
    while (digits < max_digits && i + 1 + digits < with.size() &&
           std::isdigit(static_cast<unsigned char>(with[i + 1 + digits])))
      ++digits;
    if (digits == 0) {
      out += '$';
      ++i;
      continue;
    }
    size_t n = std::stoul(std::string(with.substr(i + 1, digits)));
    if (digits > 1 && n > groups) {
      --digits;
      n = std::stoul(std::string(with.substr(i + 1, digits)));
    }
    if (n >= 1 && n <= groups && m.groups[n - 1]) out += *m.groups[n - 1];
    i += 1 + std::to_string(n).size();
  }
  return out;
}
}  // namespace

Value regex_replace(Evaluator& ev, std::vector<Value>& a) {
  auto limit = limit_of(ev, a, 3, "D3011",
                        "Fourth argument of replace function must evaluate to a positive number");
  if (!limit) return {};
  const Regex* re = regex_of(ev, a[1]);
  if (re == nullptr) return {};
  std::string_view s = a[0].json.get_string();
  if (*limit == 0) return a[0];
  std::string out;
  size_t position = 0;
  double done = 0;
  auto m = next_match(ev, *re, s, 0, true);
  while (m && (*limit < 0 || done < *limit)) {
    out += s.substr(position, m->begin - position);
    std::string_view matched = s.substr(m->begin, m->end - m->begin);
    if (a[2].is_string()) {
      out += substitute(a[2].json.get_string(), matched, *m);
    } else {
      Value r = ev.call_with(a[2], {Value(json::value(match_object(s, *m, true)))});
      if (ev.failed()) return {};
      if (!r.is_string()) {
        ev.fail("D3012", "Attempted to replace a matched string with a non-string value");
        return {};
      }
      out += r.json.get_string();
    }
    if (out.size() > 16 * 1024 * 1024) {
      ev.fail("D3000",
              "The result of function \"" + ev.current_function() + "\" would be too long");
      return {};
    }
    position = m->end;
    ++done;
    m = next_match(ev, *re, s, m->end, false);
  }
  if (ev.failed()) return {};
  out += s.substr(position);
  return Value(json::value(std::move(out)));
}

}  // namespace fns
}  // namespace nimbus::jsonata
