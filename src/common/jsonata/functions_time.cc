#include "common/jsonata/functions_time.h"

#include "common/jsonata/functions_integer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <vector>

namespace nimbus::jsonata {

namespace {

struct Civil {
  int64_t year = 0;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  int weekday = 1;  // 1 Monday .. 7 Sunday
  int yday = 1;     // day of the year
};

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian) and back.
void civil_from_days(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y += m <= 2;
}

Civil civil(int64_t ms) {
  Civil c;
  int64_t days = floor_div(ms, 86400000);
  int64_t rem = ms - days * 86400000;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(rem / 3600000);
  c.minute = static_cast<int>(rem / 60000 % 60);
  c.second = static_cast<int>(rem / 1000 % 60);
  c.millis = static_cast<int>(rem % 1000);
  c.weekday = static_cast<int>(((days % 7) + 7 + 3) % 7) + 1;  // 1970-01-01 was a Thursday
  c.yday = static_cast<int>(days - days_from_civil(c.year, 1, 1)) + 1;
  return c;
}

std::string cased_as(std::string s, std::string_view mode) {  // N, n or Nn
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool upper = mode == "N" || (mode == "Nn" && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '-'));
    s[i] = static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
  }
  return s;
}

struct Marker {
  char component = 0;
  std::string presentation;  // "0001", "Nn", "I", "w", ...
  bool ordinal = false, traditional = false;
  int min_width = -1, max_width = -1;
};

// A width modifier's number. Widths past kMaxWidth are cut to it: a picture
// cannot make a component thousands of characters wide (no picture needs
// it, and a hostile one would pad without end).
constexpr int kMaxWidth = 1024;
int width_of(const std::string& text) {
  long v = std::strtol(text.c_str(), nullptr, 10);
  return static_cast<int>(std::clamp<long>(v, 0, kMaxWidth));
}

std::optional<Marker> parse_marker(std::string_view text) {
  std::string m;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) m += c;
  }
  if (m.empty()) return std::nullopt;
  Marker k;
  k.component = m[0];
  std::string rest = m.substr(1);
  if (auto comma = rest.rfind(','); comma != std::string::npos) {
    std::string width = rest.substr(comma + 1);
    rest = rest.substr(0, comma);
    auto dash = width.find('-');
    std::string lo = width.substr(0, dash);
    std::string hi = dash == std::string::npos ? "" : width.substr(dash + 1);
    if (!lo.empty() && lo != "*") k.min_width = width_of(lo);
    if (!hi.empty() && hi != "*") k.max_width = width_of(hi);
    if (dash == std::string::npos) k.max_width = k.min_width;  // ",2" means ",2-2"
  }
  // A trailing o (ordinal), c (cardinal) or t (traditional) modifies the
  // presentation before it; no presentation itself ends in one of these.
  if (!rest.empty() && (rest.back() == 'o' || rest.back() == 'c' || rest.back() == 't')) {
    k.ordinal = rest.back() == 'o';
    k.traditional = rest.back() == 't';
    rest.pop_back();
  }
  k.presentation = rest;
  return k;
}

std::string pad_number(int64_t v, int digits) {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (static_cast<int>(s.size()) < digits) s.insert(s.begin(), '0');
  return v < 0 ? "-" + s : s;
}

int digit_count(std::string_view p) {
  int n = 0;
  for (char c : p) n += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
  return n;
}

bool numeric(std::string_view p) {
  if (p.empty()) return false;
  for (char c : p) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '#' && c != ',' && c != ':')
      return false;
  }
  return true;
}

std::string timezone(int offset, const Marker& k) {
  std::string p = k.presentation.empty() ? "01:01" : k.presentation;
  if (k.traditional && offset == 0) return "Z";
  char sign = offset < 0 ? '-' : '+';
  int a = offset < 0 ? -offset : offset;
  int h = a / 60, m = a % 60;
  std::string out(1, sign);
  size_t colon = p.find(':');
  int hour_digits = digit_count(colon == std::string::npos ? p : p.substr(0, colon));
  if (colon != std::string::npos) {
    return out + pad_number(h, hour_digits) + ":" + pad_number(m, 2);
  }
  if (hour_digits <= 2) {  // hours only, minutes when there are some
    return out + pad_number(h, hour_digits) + (m ? ":" + pad_number(m, 2) : "");
  }
  return out + pad_number(h, hour_digits - 2) + pad_number(m, 2);
}

}  // namespace

int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy =
      (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string iso_date_time(int64_t ms) {
  return std::get<std::string>(format_date_time(ms, kIsoPicture, 0));
}

std::optional<int> parse_timezone(std::string_view tz) {
  if (tz.size() < 3) return std::nullopt;
  std::string hours(tz.substr(0, tz.size() - 2));
  std::string minutes(tz.substr(tz.size() - 2));
  char* end = nullptr;
  long h = std::strtol(hours.c_str(), &end, 10);
  if (end == hours.c_str() || *end != '\0') return std::nullopt;
  long m = std::strtol(minutes.c_str(), &end, 10);
  if (*end != '\0' || h < -14 || h > 14 || m < 0 || m > 59) return std::nullopt;
  int sign = hours[0] == '-' ? -1 : 1;
  return static_cast<int>(h * 60 + sign * m);
}

std::variant<std::string, Error> format_date_time(int64_t ms, std::string_view picture,
                                                  int offset_minutes) {
  Civil c = civil(ms + static_cast<int64_t>(offset_minutes) * 60000);
  // The ISO week: the one holding this date's Thursday.
  int64_t days = floor_div(ms + static_cast<int64_t>(offset_minutes) * 60000, 86400000);
  Civil thursday = civil((days - (c.weekday - 1) + 3) * 86400000);
  std::string out;
  for (size_t i = 0; i < picture.size();) {
    char ch = picture[i];
    if (ch == '[' && i + 1 < picture.size() && picture[i + 1] == '[') {
      out += '[';
      i += 2;
      continue;
    }
    if (ch == ']' && i + 1 < picture.size() && picture[i + 1] == ']') {
      out += ']';
      i += 2;
      continue;
    }
    if (ch != '[') {
      out += ch;
      ++i;
      continue;
    }
    size_t close = picture.find(']', i);
    if (close == std::string_view::npos) {
      return Error{"D3135", "No matching closing bracket ']' in date/time picture string", 0};
    }
    auto k = parse_marker(picture.substr(i + 1, close - i - 1));
    i = close + 1;
    if (!k) continue;
    int64_t value = 0;
    std::string name;
    std::string fallback = "1";
    switch (k->component) {
      case 'Y':
        value = c.year;
        break;
      case 'M':
        value = c.month;
        name = kMonthNames[static_cast<size_t>(c.month - 1)];
        break;
      case 'D':
        value = c.day;
        break;
      case 'd':
        value = c.yday;
        break;
      case 'F':
        value = c.weekday;
        name = kDayNames[static_cast<size_t>(c.weekday - 1)];
        fallback = "n";
        break;
      case 'W':
        value = (thursday.yday - 1) / 7 + 1;
        break;
      case 'X':
        value = thursday.year;
        break;
      case 'w':
        value = (thursday.day - 1) / 7 + 1;
        break;
      case 'x':
        value = thursday.month;
        name = kMonthNames[static_cast<size_t>(thursday.month - 1)];
        break;
      case 'H':
        value = c.hour;
        break;
      case 'h':
        value = c.hour % 12 == 0 ? 12 : c.hour % 12;
        break;
      case 'P':
        name = c.hour < 12 ? "am" : "pm";
        fallback = "n";
        break;
      case 'm':
        value = c.minute;
        fallback = "01";
        break;
      case 's':
        value = c.second;
        fallback = "01";
        break;
      case 'f':
        value = c.millis;
        break;
      case 'Z':
        out += timezone(offset_minutes, *k);
        continue;
      case 'z': {
        Marker g = *k;
        if (g.presentation.empty()) g.presentation = "01:01";
        out += "GMT" + timezone(offset_minutes, g);
        continue;
      }
      case 'C':
      case 'E':
        out += "ISO";
        continue;
      default:
        return Error{"D3132",
                     std::string("Unknown component specifier \"") + k->component +
                         "\" in date/time picture string",
                     0};
    }
    std::string p = k->presentation.empty() ? fallback : k->presentation;
    std::string text;
    if (p == "N" || p == "n" || p == "Nn") {
      if (name.empty()) name = std::to_string(value);
      text = cased_as(name, p);
      if (k->max_width > 0 && static_cast<int>(text.size()) > k->max_width) {
        text.resize(static_cast<size_t>(k->max_width));
      }
    } else if (p == "I" || p == "i") {
      text = roman_numeral(value);
      if (p == "i") text = cased_as(text, "n");
    } else if (p == "w" || p == "W" || p == "Ww") {
      text = integer_words(value, k->ordinal);
      text = cased_as(text, p == "w" ? "n" : p == "W" ? "N" : "Nn");
    } else if (numeric(p)) {
      int digits = digit_count(p);
      if (k->min_width > digits) digits = k->min_width;
      int64_t v = value;
      // A year in two digits ([Y01], [Y,2]) is its last two.
      int keep = k->max_width > 0 ? k->max_width : (digit_count(p) >= 2 ? digit_count(p) : -1);
      if (k->component == 'Y' && keep > 0 && keep < 19) {
        int64_t mod = 1;
        for (int n = 0; n < keep; ++n) mod *= 10;
        v %= mod;
      }
      text = pad_number(v, digits);
      if (k->ordinal) text += ordinal_suffix(v);
    } else {
      text = std::to_string(value);
    }
    out += text;
  }
  return out;
}

}  // namespace nimbus::jsonata
