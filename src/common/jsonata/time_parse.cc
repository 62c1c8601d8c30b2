// $toMillis(timestamp, picture): reading a timestamp written in an XPath
// date/time picture, as the reference implementation reads it. The picture
// becomes one anchored, case-insensitive regular expression with a group
// per marker; each group's text is read back into its component (digits,
// roman numerals, words, letters, month and day names, am/pm, offsets).
// The components present must form a date and a time without gaps: those
// more significant than the first given come from `now`, those after the
// last given are their lowest value (D3136 for a gap).
#include <array>
#include <cmath>
#include <map>

#include "common/jsonata/functions_integer.h"
#include "common/jsonata/functions_time.h"
#include "common/jsonata/regex.h"

namespace nimbus::jsonata {

namespace {

// A component's value as read: absent (no group, or a name not known) or
// a number (NaN when digits did not parse, as JavaScript's parseInt).
using Reading = std::optional<double>;

struct Part {
  std::string regex;
  char component = 0;  // 0: a literal
  std::function<Reading(const std::string&)> read;
};

std::string escaped(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    if (std::string_view(".*+?^${}()|[]\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// JavaScript's parseInt on a decimal text: leading sign and digits, NaN
// without any.
double parse_int(std::string_view s) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  double v = 0;
  size_t start = i;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) v = v * 10 + (s[i] - '0');
  if (i == start) return std::nan("");
  return negative ? -v : v;
}

const char* default_presentation(char component) {
  switch (component) {
    case 'Y':
    case 'M':
    case 'D':
    case 'd':
    case 'W':
    case 'X':
    case 'w':
    case 'x':
    case 'H':
    case 'h':
    case 'f':
      return "1";
    case 'F':
    case 'P':
    case 'C':
    case 'E':
      return "n";
    case 'm':
    case 's':
      return "01";
    case 'Z':
    case 'z':
      return "01:01";
    default:
      return nullptr;
  }
}

Error date_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message), 0};
}

// The part for one marker (the text between [ and ], spaces removed).
std::variant<Part, Error> marker_part(std::string_view marker) {
  Part part;
  part.component = marker[0];
  std::optional<int> min_width, max_width;
  std::string_view modifiers = marker.substr(1);
  if (auto comma = marker.rfind(','); comma != std::string_view::npos) {
    std::string_view width = marker.substr(comma + 1);
    auto dash = width.find('-');
    auto read_width = [](std::string_view w) -> std::optional<int> {
      if (w.empty() || w == "*") return std::nullopt;
      double v = parse_int(w);
      if (std::isnan(v)) return std::nullopt;
      return static_cast<int>(std::min(v, 1024.0));
    };
    min_width = read_width(width.substr(0, dash));
    if (dash != std::string_view::npos) max_width = read_width(width.substr(dash + 1));
    modifiers = marker.substr(1, comma - 1);
  }
  std::string presentation(modifiers);
  bool ordinal = false;
  if (presentation.size() > 1 &&
      std::string_view("atco").find(presentation.back()) != std::string_view::npos) {
    ordinal = presentation.back() == 'o';
    presentation.pop_back();
  } else if (presentation.empty()) {
    const char* d = default_presentation(part.component);
    if (d != nullptr) presentation = d;
  }
  if (default_presentation(part.component) == nullptr) {
    return date_error("D3132", std::string("Unknown component specifier \"") + part.component +
                                   "\" in date/time picture string");
  }
  char c = part.component;
  if (c == 'Z' || c == 'z') {
    // The offset's separator: the picture's one grouping character.
    char separator = 0;
    int separators = 0;
    for (char ch : presentation) {
      if (!std::isdigit(static_cast<unsigned char>(ch)) && ch != '#') {
        separator = ch;
        ++separators;
      }
    }
    if (separators != 1) separator = 0;
    part.regex = std::string(c == 'z' ? "GMT" : "") + "[-+][0-9]+";
    if (separator != 0) part.regex += escaped(std::string(1, separator)) + "[0-9]+";
    part.read = [c, separator](const std::string& text) -> Reading {
      std::string_view v = text;
      if (c == 'z') v.remove_prefix(3);
      if (separator != 0) {
        auto at = v.find(separator);
        return parse_int(v.substr(0, at)) * 60 + parse_int(v.substr(at + 1));
      }
      if (v.size() - 1 <= 2) return parse_int(v) * 60;
      return parse_int(v.substr(0, 3)) * 60 + parse_int(v.substr(3));
    };
    return part;
  }
  bool integer_component = std::string_view("YMDdFWwXxHhmsf").find(c) != std::string_view::npos;
  if (presentation[0] == 'n' || presentation[0] == 'N' || !integer_component) {
    std::map<std::string, int, std::less<>> names;
    auto cut = [&](std::string name) {
      if (max_width && *max_width >= 0 && name.size() > static_cast<size_t>(*max_width)) {
        name.resize(static_cast<size_t>(*max_width));
      }
      return name;
    };
    if (c == 'M' || c == 'x') {
      for (size_t i = 0; i < kMonthNames.size(); ++i) names[cut(kMonthNames[i])] = int(i) + 1;
    } else if (c == 'F') {
      for (size_t i = 0; i < kDayNames.size(); ++i) names[cut(kDayNames[i])] = int(i) + 1;
    } else if (c == 'P') {
      names = {{"am", 0}, {"AM", 0}, {"pm", 1}, {"PM", 1}};
    } else {
      return date_error("D3133",
                        std::string("The 'name' modifier can only be applied to months and days "
                                    "in the date/time picture string, not ") +
                            c);
    }
    part.regex = "[a-zA-Z]+";
    part.read = [names = std::move(names)](const std::string& text) -> Reading {
      auto it = names.find(text);
      if (it == names.end()) return std::nullopt;
      return it->second;
    };
    return part;
  }
  std::string integer = presentation + (ordinal ? ";o" : "");
  if (presentation == "I" || presentation == "i") {
    part.regex = presentation == "I" ? "[MDCLXVI]+" : "[mdclxvi]+";
  } else if (presentation == "A" || presentation == "a") {
    part.regex = presentation == "A" ? "[A-Z]+" : "[a-z]+";
  } else if (presentation == "w" || presentation == "W" || presentation == "Ww") {
    part.regex =
        "(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
        "fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
        "seventy|eighty|ninety|hundred|thousand|million|billion|trillion|first|second|third|"
        "fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|"
        "fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|fortieth|"
        "fiftieth|sixtieth|seventieth|eightieth|ninetieth|hundredth|thousandth|millionth|"
        "billionth|trillionth|and|[\\-, ])+";
  } else {
    int mandatory = 0, optional = 0;
    for (char ch : presentation) {
      if (ch == '#') {
        ++optional;
      } else if (std::isdigit(static_cast<unsigned char>(ch))) {
        ++mandatory;
      } else if (std::isalpha(static_cast<unsigned char>(ch))) {
        return date_error("D3130", "Formatting or parsing an integer as a sequence starting with " +
                                       presentation + " is not supported by this implementation");
      }
    }
    if (min_width && mandatory < *min_width) mandatory = *min_width;
    int n = -1;  // digits to read, when the picture fixes them (years, months, days)
    if (c == 'Y' || c == 'M' || c == 'D') {
      if (max_width) {
        n = *max_width;
      } else if (mandatory + optional >= 2) {
        n = mandatory + optional;
      }
    }
    if (n > 0) {
      part.regex =
          "[0-9]{" +
          (optional == 0 ? std::to_string(n)
                         : std::to_string(std::max(0, n - optional)) + "," + std::to_string(n)) +
          "}";
    } else {
      part.regex = "[0-9]+";
    }
    if (ordinal) part.regex += "(?:th|st|nd|rd)";
    part.read = [ordinal](const std::string& text) -> Reading {
      return parse_int(ordinal ? std::string_view(text).substr(0, text.size() - 2) : text);
    };
    return part;
  }
  part.read = [integer](const std::string& text) -> Reading {
    auto v = parse_integer(text, integer);
    if (auto* n = std::get_if<std::optional<int64_t>>(&v); n != nullptr && *n) {
      return static_cast<double>(**n);
    }
    return std::nan("");
  };
  return part;
}

std::variant<std::vector<Part>, Error> picture_parts(std::string_view picture) {
  std::vector<Part> parts;
  std::string literal;
  auto flush = [&] {
    if (literal.empty()) return;
    // doubled ]] in a literal is one ]
    std::string text;
    for (size_t i = 0; i < literal.size(); ++i) {
      text += literal[i];
      if (literal[i] == ']' && i + 1 < literal.size() && literal[i + 1] == ']') ++i;
    }
    parts.push_back(Part{escaped(text), 0, nullptr});
    literal.clear();
  };
  for (size_t i = 0; i < picture.size();) {
    if (picture[i] != '[') {
      literal += picture[i++];
      continue;
    }
    if (i + 1 < picture.size() && picture[i + 1] == '[') {
      flush();
      parts.push_back(Part{"\\[", 0, nullptr});
      i += 2;
      continue;
    }
    flush();
    size_t close = picture.find(']', i);
    if (close == std::string_view::npos) {
      return date_error("D3135", "No matching closing bracket ']' in date/time picture string");
    }
    std::string marker;
    for (char ch : picture.substr(i + 1, close - i - 1)) {
      if (!std::isspace(static_cast<unsigned char>(ch))) marker += ch;
    }
    i = close + 1;
    if (marker.empty()) continue;
    auto part = marker_part(marker);
    if (auto* e = std::get_if<Error>(&part)) return *e;
    parts.push_back(std::get<Part>(std::move(part)));
  }
  flush();
  return parts;
}

// now's value of a component (UTC), as the formatter computes it.
double now_fragment(int64_t now_ms, char component) {
  std::string text =
      std::get<std::string>(format_date_time(now_ms, std::string("[") + component + "1]", 0));
  return parse_int(text);
}

// Days since the epoch of year/month (0-based, any value)/day (any), as
// JavaScript's Date.UTC: years 0-99 are 1900-1999.
double utc_millis(double y, double m, double d, double h, double mi, double s, double f) {
  for (double v : {y, m, d, h, mi, s, f}) {
    if (!std::isfinite(v)) return std::nan("");
  }
  y = std::trunc(y);
  m = std::trunc(m);
  if (y >= 0 && y <= 99) y += 1900;
  y += std::floor(m / 12);
  m -= std::floor(m / 12) * 12;
  if (std::fabs(y) > 300000) return std::nan("");
  double days =
      static_cast<double>(days_from_civil(static_cast<int64_t>(y), static_cast<int>(m) + 1, 1));
  return (days + std::trunc(d) - 1) * 86400000 + std::trunc(h) * 3600000 + std::trunc(mi) * 60000 +
         std::trunc(s) * 1000 + std::trunc(f);
}

}  // namespace

std::variant<std::optional<double>, Error> parse_date_time(std::string_view timestamp,
                                                           std::string_view picture,
                                                           int64_t now_ms) {
  auto parsed = picture_parts(picture);
  if (auto* e = std::get_if<Error>(&parsed)) return *e;
  const auto& parts = std::get<std::vector<Part>>(parsed);
  std::string pattern = "^";
  for (const auto& p : parts) pattern += "(" + p.regex + ")";
  pattern += "$";
  auto compiled = Regex::compile(pattern, "i");
  if (auto* message = std::get_if<std::string>(&compiled)) {
    return date_error("D3130", "The date/time picture string cannot be read: " + *message);
  }
  Regex::Cost cost = Regex::Cost::kLight;
  auto m = std::get<std::shared_ptr<const Regex>>(compiled)->find(timestamp, 0, cost);
  if (!m) return std::optional<double>();

  std::map<char, Reading> given;
  for (size_t i = 0; i < parts.size() && i < m->groups.size(); ++i) {
    if (!parts[i].read) continue;
    given[parts[i].component] = parts[i].read(m->groups[i].value_or(""));
  }
  if (given.empty()) return std::optional<double>();
  auto present = [&](char c) {  // JavaScript's truthiness: 0 and NaN are not there
    auto it = given.find(c);
    return it != given.end() && it->second && *it->second != 0 && !std::isnan(*it->second);
  };
  auto mask_of = [&](std::string_view components) {
    int mask = 0;
    for (char c : components) mask = (mask << 1) | (present(c) ? 1 : 0);
    return mask;
  };
  auto is_type = [](int mask, int type) { return (~type & mask) == 0 && (type & mask) != 0; };
  int dates = mask_of("YXMxWwdD");
  bool date_a = is_type(dates, 0b10100001);
  bool date_b = !date_a && is_type(dates, 0b10000010);
  bool date_c = is_type(dates, 0b01010100);
  bool date_d = !date_c && is_type(dates, 0b01001000);
  int times = mask_of("PHhmsf");
  bool time_a = is_type(times, 0b010111);
  bool time_b = !time_a && is_type(times, 0b101111);
  Error missing = date_error(
      "D3136",
      "The date/time picture string is missing specifiers required to parse the timestamp");
  if (date_c || date_d) return missing;  // ISO week dates: not read by the reference either

  std::map<char, double> v;
  for (const auto& [c, r] : given) {
    if (r) v[c] = *r;
  }
  std::string order = std::string(date_b ? "YD" : "YMD") + (time_b ? "Phmsf" : "Hmsf");
  bool started = false, ended = false;
  for (char c : order) {
    if (!v.contains(c)) {
      if (started) {
        v[c] = (c == 'M' || c == 'D' || c == 'd') ? 1 : 0;
        ended = true;
      } else {
        v[c] = c == 'P' ? 0 : now_fragment(now_ms, c);  // now's am/pm never adds 12 (reference)
      }
    } else {
      started = true;
      if (ended) return missing;
    }
  }
  double month = v['M'] > 0 ? v['M'] - 1 : 0;
  double day = v['D'];
  if (date_b) {
    double first = utc_millis(v['Y'], 0, 1, 0, 0, 0, 0);
    double at = first + (v.contains('d') ? v['d'] - 1 : std::nan("")) * 86400000;
    if (!std::isfinite(at)) return std::optional<double>();
    auto days = static_cast<int64_t>(std::floor(at / 86400000));
    std::string ymd = std::get<std::string>(format_date_time(days * 86400000, "[M1] [D1]", 0));
    month = parse_int(ymd) - 1;
    day = parse_int(ymd.substr(ymd.find(' ') + 1));
  }
  double hour = v['H'];
  if (time_b) {
    hour = v['h'] == 12 ? 0 : v['h'];
    if (v['P'] == 1) hour += 12;
  }
  double ms = utc_millis(v['Y'], month, day, hour, v['m'], v['s'], v['f']);
  double zone = v.contains('Z') && v['Z'] != 0 ? v['Z'] : v.contains('z') ? v['z'] : 0;
  if (std::isfinite(zone) && zone != 0) ms -= zone * 60000;
  if (!std::isfinite(ms)) return std::optional<double>();
  return std::optional<double>(ms);
}

}  // namespace nimbus::jsonata
