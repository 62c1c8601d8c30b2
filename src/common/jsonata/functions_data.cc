// Numeric, aggregate, boolean, array, object, higher-order and time
// functions.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/jsonata/functions.h"
#include "common/jsonata/functions_integer.h"
#include "common/jsonata/functions_number.h"
#include "common/jsonata/functions_time.h"

namespace nimbus::jsonata::fns {

namespace json = boost::json;

namespace {
Value boolean_value(bool b) {
  return Value(json::value(b));
}

const json::array* items(const Value& v) {
  return v.is_array() ? &v.json.get_array() : nullptr;
}

Value checked(Evaluator& ev, double d, const char* code, const char* message) {
  if (!std::isfinite(d)) {
    ev.fail(code, message);
    return {};
  }
  return jsonata::number(d);
}

// d * 10^p computed on the decimal text, as JSONata's $round does.
double shift(double d, int64_t p) {
  std::string s = format_number(d);
  int64_t exp = 0;
  auto e = s.find('e');
  if (e != std::string::npos) {
    exp = std::atoll(s.c_str() + e + 1);
    s.resize(e);
  }
  s += "e" + std::to_string(exp + p);
  return std::strtod(s.c_str(), nullptr);
}

Value seq_of(json::array a) {
  Value s = Value::seq();
  s.json = json::value(std::move(a));
  return s;
}
}  // namespace

Value number(Evaluator& ev, std::vector<Value>& a) {
  const Value& v = a[0];
  if (v.undefined()) return {};
  if (v.is_number()) return v;
  if (v.json.is_bool()) return jsonata::number(v.json.get_bool() ? 1 : 0);
  std::string s(v.json.get_string());
  // JSON number syntax, plus 0x/0o/0b integers
  const char* p = s.c_str();
  char* end = nullptr;
  double d = 0;
  bool ok = false;
  if (s.size() > 2 && s[0] == '0' &&
      (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' || s[1] == 'O' || s[1] == 'b' || s[1] == 'B')) {
    int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
    d = static_cast<double>(std::strtoull(p + 2, &end, base));
    ok = end != nullptr && *end == '\0';
  } else {
    size_t i = 0;
    if (i < s.size() && s[i] == '-') ++i;
    size_t digits = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    ok = i > digits && !(s[digits] == '0' && i - digits > 1);
    if (ok && i < s.size() && s[i] == '.') {
      size_t f = ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      ok = i > f;
    }
    if (ok && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      size_t f = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      ok = i > f;
    }
    ok = ok && i == s.size();
    if (ok) d = std::strtod(p, nullptr);
  }
  if (!ok || !std::isfinite(d)) {
    ev.fail("D3030", "Unable to cast value to a number: \"" + s + "\"");
    return {};
  }
  return jsonata::number(d);
}

Value abs(Evaluator&, std::vector<Value>& a) {
  return a[0].undefined() ? Value() : jsonata::number(std::fabs(a[0].number()));
}
Value floor(Evaluator&, std::vector<Value>& a) {
  return a[0].undefined() ? Value() : jsonata::number(std::floor(a[0].number()));
}
Value ceil(Evaluator&, std::vector<Value>& a) {
  return a[0].undefined() ? Value() : jsonata::number(std::ceil(a[0].number()));
}

Value round(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  double x = a[0].number();
  double pd = a[1].undefined() ? 0 : a[1].number();
  auto p = static_cast<int64_t>(std::isnan(pd) ? 0 : std::clamp(pd, -400.0, 400.0));
  if (p != 0) x = shift(x, p);
  double r = std::floor(x + 0.5);  // JavaScript's Math.round: halves up
  if (std::fabs(r - x) == 0.5 && std::fmod(std::fabs(r), 2) == 1) r -= 1;  // halves to even
  if (p != 0) r = shift(r, -p);
  return jsonata::number(r);
}

Value power(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined() || a[1].undefined()) return {};
  return checked(
      ev, std::pow(a[0].number(), a[1].number()), "D3061",
      "The power function has resulted in a value that cannot be represented as a JSON number");
}

Value sqrt(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  if (a[0].number() < 0) {
    ev.fail("D3060", "The sqrt function cannot be applied to a negative number: " +
                         format_number(a[0].number()));
    return {};
  }
  return jsonata::number(std::sqrt(a[0].number()));
}

Value format_base(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  std::vector<Value> r = {a[0], Value()};
  double x = round(ev, r).number();
  double radix = a.size() > 1 && !a[1].undefined() ? std::trunc(a[1].number()) : 10;
  if (!(radix >= 2 && radix <= 36)) {
    ev.fail("D3100",
            "The radix of the $formatBase function must be between 2 and 36.  It was given " +
                format_number(a[1].number()));
    return {};
  }
  if (std::fabs(x) >= 9007199254740992.0) {  // past 2^53 the digits are not exact
    ev.fail("D1001", "Number out of range");
    return {};
  }
  auto n = static_cast<int64_t>(std::fabs(x));
  auto base = static_cast<int64_t>(radix);
  std::string digits;
  do {
    digits.insert(digits.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[n % base]);
    n /= base;
  } while (n > 0);
  if (x < 0) digits.insert(digits.begin(), '-');
  return Value(json::value(std::move(digits)));
}

namespace {
// A picture formatter's text, or its error failed into the evaluation.
Value text_or_fail(Evaluator& ev, std::variant<std::string, Error> out) {
  if (auto* e = std::get_if<Error>(&out)) {
    ev.fail(e->code, e->message);
    return {};
  }
  return Value(json::value(std::move(std::get<std::string>(out))));
}
}  // namespace

Value format_number_picture(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined() || a[1].undefined()) return {};  // a picture that is nothing too
  const json::object* options =
      a.size() > 2 && a[2].is_json() && a[2].json.is_object() ? &a[2].json.get_object() : nullptr;
  auto out = format_decimal(a[0].number(), a[1].json.get_string(), options);
  return text_or_fail(ev, std::move(out));
}

Value format_integer(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined() || a[1].undefined()) return {};  // a picture that is nothing too
  double x = std::floor(a[0].number());
  if (!(std::fabs(x) < 9.2e18)) {
    ev.fail("D1001", "Number out of range");
    return {};
  }
  auto out = jsonata::format_integer(static_cast<int64_t>(x), a[1].json.get_string());
  return text_or_fail(ev, std::move(out));
}

Value parse_integer(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined() || a[1].undefined()) return {};  // a picture that is nothing too
  auto out = jsonata::parse_integer(a[0].json.get_string(), a[1].json.get_string());
  if (auto* e = std::get_if<Error>(&out)) {
    ev.fail(e->code, e->message);
    return {};
  }
  const auto& n = std::get<std::optional<int64_t>>(out);  // nullopt: not in the picture's form
  if (!n) return {};
  return jsonata::number(static_cast<double>(*n));
}

Value shuffle(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  json::array r = a[0].json.get_array();
  for (size_t i = r.size(); i > 1; --i) {  // Fisher-Yates from $random's source
    auto j = static_cast<size_t>(ev.random() * static_cast<double>(i));
    std::swap(r[i - 1], r[std::min(j, i - 1)]);
  }
  return Value(json::value(std::move(r)));
}

Value random(Evaluator& ev, std::vector<Value>&) {
  return jsonata::number(ev.random());
}

Value sum(Evaluator& ev, std::vector<Value>& a) {
  const auto* arr = items(a[0]);
  if (arr == nullptr) return {};
  double total = 0;
  for (const auto& x : *arr) total += x.to_number<double>();
  return checked(ev, total, "D1001", "Number out of range");
}

Value max(Evaluator&, std::vector<Value>& a) {
  const auto* arr = items(a[0]);
  if (arr == nullptr || arr->empty()) return {};
  double m = -INFINITY;
  for (const auto& x : *arr) m = std::max(m, x.to_number<double>());
  return jsonata::number(m);
}

Value min(Evaluator&, std::vector<Value>& a) {
  const auto* arr = items(a[0]);
  if (arr == nullptr || arr->empty()) return {};
  double m = INFINITY;
  for (const auto& x : *arr) m = std::min(m, x.to_number<double>());
  return jsonata::number(m);
}

Value average(Evaluator& ev, std::vector<Value>& a) {
  const auto* arr = items(a[0]);
  if (arr == nullptr || arr->empty()) return {};
  double total = 0;
  for (const auto& x : *arr) total += x.to_number<double>();
  return checked(ev, total / static_cast<double>(arr->size()), "D1001", "Number out of range");
}

Value count(Evaluator&, std::vector<Value>& a) {
  const auto* arr = items(a[0]);
  return jsonata::number(arr == nullptr ? 0 : static_cast<double>(arr->size()));
}

Value boolean(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  return boolean_value(truthy(a[0]));
}

Value not_(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  return boolean_value(!truthy(a[0]));
}

Value exists(Evaluator&, std::vector<Value>& a) {
  return boolean_value(!a[0].undefined());
}

Value type(Evaluator&, std::vector<Value>& a) {
  static const char* kNames[] = {"null",  "boolean", "number",  "string",
                                 "array", "object",  "function"};
  switch (type_letter(a[0])) {
    case 'm':
      return {};
    case 'l':
      return Value(json::value(kNames[0]));
    case 'b':
      return Value(json::value(kNames[1]));
    case 'n':
      return Value(json::value(kNames[2]));
    case 's':
      return Value(json::value(kNames[3]));
    case 'a':
      return Value(json::value(kNames[4]));
    case 'o':
      return Value(json::value(kNames[5]));
    default:
      return Value(json::value(kNames[6]));
  }
}

Value keys(Evaluator&, std::vector<Value>& a) {
  json::array out;
  auto add = [&](const json::object& o) {
    for (const auto& [k, v] : o) {
      bool seen = false;
      for (const auto& x : out) seen = seen || x.get_string() == k;
      if (!seen) out.push_back(json::value(k));
    }
  };
  if (a[0].is_json() && a[0].json.is_object()) add(a[0].json.get_object());
  if (const auto* arr = items(a[0])) {
    for (const auto& x : *arr) {
      if (x.is_object()) add(x.get_object());
    }
  }
  return seq_of(std::move(out));
}

Value lookup(Evaluator&, std::vector<Value>& a) {
  if (a[1].undefined()) return {};
  return jsonata::lookup(a[0], a[1].json.get_string());
}

Value merge(Evaluator&, std::vector<Value>& a) {
  const auto* arr = items(a[0]);
  if (arr == nullptr) return {};
  json::object out;
  for (const auto& x : *arr) {
    for (const auto& [k, v] : x.get_object()) out[k] = v;
  }
  return Value(json::value(std::move(out)));
}

Value each(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  Value out = Value::seq();
  for (const auto& [k, v] : a[0].json.get_object()) {
    Value r = ev.call_with(a[1], {Value(v), Value(json::value(k)), a[0]});
    if (ev.failed()) return {};
    if (r.is_json()) out.json.get_array().push_back(std::move(r.json));
  }
  return out;
}

Value spread(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  json::array out;
  auto add = [&](const json::value& v) {
    if (!v.is_object()) {
      out.push_back(v);
      return;
    }
    for (const auto& [k, x] : v.get_object()) {
      json::object one;
      one[k] = x;
      out.push_back(std::move(one));
    }
  };
  if (const auto* arr = items(a[0])) {
    for (const auto& x : *arr) add(x);
  } else if (a[0].is_json()) {
    add(a[0].json);
  } else {
    return a[0];
  }
  return seq_of(std::move(out));
}

Value sift(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  json::object out;
  for (const auto& [k, v] : a[0].json.get_object()) {
    Value r = ev.call_with(a[1], {Value(v), Value(json::value(k)), a[0]});
    if (ev.failed()) return {};
    if (truthy(r)) out[k] = v;
  }
  if (out.empty()) return {};
  return Value(json::value(std::move(out)));
}

Value append(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return a[1];
  if (a[1].undefined()) return a[0];
  Value r = jsonata::append(a[0], a[1]);
  ev.count(r.is_array() ? r.json.get_array().size() / 16 : 0);
  r.sequence = false;
  r.cons = false;
  return r;
}

Value reverse(Evaluator&, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  json::array r = a[0].json.get_array();
  std::reverse(r.begin(), r.end());
  return Value(json::value(std::move(r)));
}

Value sort(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  std::vector<json::value> v(a[0].json.get_array().begin(), a[0].json.get_array().end());
  if (v.size() <= 1) return a[0];
  if (a[1].undefined()) {
    bool numbers =
        std::all_of(v.begin(), v.end(), [](const json::value& x) { return x.is_number(); });
    bool strings =
        std::all_of(v.begin(), v.end(), [](const json::value& x) { return x.is_string(); });
    if (!numbers && !strings) {
      ev.fail("D3070",
              "The single argument form of the sort function can only be applied to an array of "
              "strings or an array of numbers.  Use the second argument to specify a comparison "
              "function");
      return {};
    }
    std::stable_sort(v.begin(), v.end(), [&](const json::value& x, const json::value& y) {
      return numbers ? x.to_number<double>() < y.to_number<double>()
                     : x.get_string() < y.get_string();
    });
  } else {
    // The function answers whether its first argument goes after its second.
    std::stable_sort(v.begin(), v.end(), [&](const json::value& x, const json::value& y) {
      if (ev.failed()) return false;
      return truthy(ev.call_with(a[1], {Value(y), Value(x)}));
    });
    if (ev.failed()) return {};
  }
  json::array out(v.begin(), v.end());
  return Value(json::value(std::move(out)));
}

Value distinct(Evaluator&, std::vector<Value>& a) {
  if (!a[0].is_array() || a[0].json.get_array().size() <= 1) return a[0];
  json::array out;
  for (const auto& x : a[0].json.get_array()) {
    bool seen = false;
    for (const auto& y : out) {
      if (deep_equal(x, y)) {
        seen = true;
        break;
      }
    }
    if (!seen) out.push_back(x);
  }
  return seq_of(std::move(out));
}

Value zip(Evaluator&, std::vector<Value>& a) {
  json::array out;
  size_t n = SIZE_MAX;
  for (const auto& x : a) n = std::min(n, x.is_array() ? x.json.get_array().size() : 0);
  if (a.empty()) n = 0;
  for (size_t i = 0; i < n; ++i) {
    json::array tuple;
    for (const auto& x : a) tuple.push_back(x.json.get_array()[i]);
    out.push_back(std::move(tuple));
  }
  return Value(json::value(std::move(out)));
}

Value map(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  Value out = Value::seq();
  const auto& arr = a[0].json.get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    Value r = ev.call_with(a[1], {Value(arr[i]), jsonata::number(static_cast<double>(i)), a[0]});
    if (ev.failed()) return {};
    if (r.is_json()) out.json.get_array().push_back(std::move(r.json));
  }
  return out;
}

Value filter(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  Value out = Value::seq();
  const auto& arr = a[0].json.get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    Value r = ev.call_with(a[1], {Value(arr[i]), jsonata::number(static_cast<double>(i)), a[0]});
    if (ev.failed()) return {};
    if (truthy(r)) out.json.get_array().push_back(arr[i]);
  }
  return out;
}

Value single(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  const auto& arr = a[0].json.get_array();
  Value found;
  bool have = false;
  for (size_t i = 0; i < arr.size(); ++i) {
    bool pass = true;
    if (!a[1].undefined()) {
      pass = truthy(
          ev.call_with(a[1], {Value(arr[i]), jsonata::number(static_cast<double>(i)), a[0]}));
      if (ev.failed()) return {};
    }
    if (!pass) continue;
    if (have) {
      ev.fail(
          "D3138",
          "The $single() function expected exactly 1 matching result.  Instead it matched more.");
      return {};
    }
    found = Value(arr[i]);
    have = true;
  }
  if (!have) {
    ev.fail("D3139",
            "The $single() function expected exactly 1 matching result.  Instead it matched 0.");
    return {};
  }
  return found;
}

Value reduce(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  if (a[1].is_function() && a[1].fn->arity() < 2) {
    ev.fail(
        "D3050",
        "The second argument of reduce function must be a function with at least two arguments");
    return {};
  }
  const auto& arr = a[0].json.get_array();
  size_t i = 0;
  Value acc = a.size() > 2 ? a[2] : Value();
  if (acc.undefined() && !arr.empty()) acc = Value(arr[i++]);
  for (; i < arr.size(); ++i) {
    acc = ev.call_with(a[1], {acc, Value(arr[i]), jsonata::number(static_cast<double>(i)), a[0]});
    if (ev.failed()) return {};
  }
  return acc;
}

namespace {}  // namespace

namespace {
// $fromMillis and $now with a picture or a time zone: format_date_time
// (without a picture, ISO 8601 at that offset, as the reference).
Value formatted(Evaluator& ev, int64_t ms, const std::vector<Value>& a, size_t at) {
  bool picture = a.size() > at && !a[at].undefined();
  bool zone = a.size() > at + 1 && !a[at + 1].undefined();
  if (!picture && !zone) return Value(json::value(iso_date_time(ms)));
  int offset = 0;
  if (zone) {
    auto tz = parse_timezone(a[at + 1].json.get_string());
    if (!tz) {
      ev.fail("D3134", "The timezone argument of $" + ev.current_function() +
                           " is not a valid offset (+hhmm or -hhmm)");
      return {};
    }
    offset = *tz;
  }
  auto out = format_date_time(ms, picture ? a[at].json.get_string() : kIsoPicture, offset);
  return text_or_fail(ev, std::move(out));
}
}  // namespace

Value now(Evaluator& ev, std::vector<Value>& a) {
  return formatted(ev, ev.options().now_ms, a, 0);
}

Value millis(Evaluator& ev, std::vector<Value>&) {
  return jsonata::number(static_cast<double>(ev.options().now_ms));
}

Value from_millis(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  double ms = a[0].number();
  if (!(std::fabs(ms) <= 8.64e15)) {
    ev.fail("D3110", "The millisecond value is out of range");
    return {};
  }
  return formatted(ev, static_cast<int64_t>(std::floor(ms)), a, 1);
}

Value to_millis(Evaluator& ev, std::vector<Value>& a) {
  if (a[0].undefined()) return {};
  if (a.size() > 1 && !a[1].undefined()) {
    auto ms = parse_date_time(a[0].json.get_string(), a[1].json.get_string(), ev.options().now_ms);
    if (auto* e = std::get_if<Error>(&ms)) {
      ev.fail(e->code, e->message);
      return {};
    }
    auto value = std::get<std::optional<double>>(ms);
    return value ? jsonata::number(*value) : Value();
  }
  std::string s(a[0].json.get_string());
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
  double frac = 0;
  int64_t offset_min = 0;
  bool ok = std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10;
  size_t i = static_cast<size_t>(n);
  if (ok && i < s.size()) {
    int m = 0;
    ok = (s[i] == 'T' || s[i] == ' ') &&
         std::sscanf(s.c_str() + i + 1, "%2d:%2d%n", &h, &mi, &m) == 2 && m == 5;
    i += 1 + static_cast<size_t>(m);
    ok = ok && i < s.size() && s[i] == ':';
    if (ok) {
      ok = std::sscanf(s.c_str() + i + 1, "%2d%n", &sec, &m) == 1 && m == 2;
      i += 3;
      if (ok && i < s.size() && s[i] == '.') {
        size_t f = ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        ok = i > f;
        if (ok) frac = std::strtod(("0." + s.substr(f, i - f)).c_str(), nullptr);
      }
    }
    if (ok && i < s.size()) {
      if (s[i] == 'Z' && i + 1 == s.size()) {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int oh = 0, om = 0;
        int sign = s[i] == '-' ? -1 : 1;
        if (std::sscanf(s.c_str() + i + 1, "%2d:%2d%n", &oh, &om, &m) == 2 && m == 5) {
          i += 6;
        } else if (std::sscanf(s.c_str() + i + 1, "%2d%2d%n", &oh, &om, &m) == 2 && m == 4) {
          i += 5;
        } else {
          ok = false;
        }
        offset_min = sign * (oh * 60 + om);
      } else {
        ok = false;
      }
    }
    ok = ok && i == s.size();
  }
  ok = ok && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 24 && mi <= 59 && sec <= 60;
  if (!ok) {
    ev.fail("D3110", "The timestamp \"" + s + "\" cannot be parsed as an ISO 8601 date");
    return {};
  }
  int64_t days = days_from_civil(y, mo, d);
  double ms = static_cast<double>(days * 86400000 + (h * 3600 + mi * 60 + sec) * 1000LL -
                                  offset_min * 60000) +
              std::round(frac * 1000);
  return jsonata::number(ms);
}

}  // namespace nimbus::jsonata::fns
