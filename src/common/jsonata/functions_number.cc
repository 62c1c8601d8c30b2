#include "common/jsonata/functions_number.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/jsonata/eval.h"

namespace nimbus::jsonata {

namespace {

using Chars = std::vector<std::string>;  // a picture as its characters (UTF-8)

struct Symbols {
  std::string decimal = ".", grouping = ",", exponent = "e", percent = "%", permille = "\u2030",
              zero = "0", digit = "#", pattern = ";", minus = "-";
};

// The analysed sub-picture (XPath 3.1, 4.7.4).
struct SubPicture {
  std::string prefix, suffix;
  int min_int = 0, min_frac = 0, max_frac = 0, min_exp = 0;
  int scaling = 0;
  bool exponent = false, percent = false, permille = false;
  std::vector<int> int_groups;  // separators' distances from the decimal point, in digits
  int regular = 0;              // the group size when they repeat
};

Error error(const char* code, const char* message) {
  return Error{code, message, 0};
}

std::variant<SubPicture, Error> analyse(const Chars& p, const Symbols& s) {
  uint32_t zero = decode_utf8(s.zero);
  auto is_digit = [&](const std::string& c) {
    uint32_t cp = decode_utf8(c);
    return cp >= zero && cp <= zero + 9;
  };
  auto mantissa_char = [&](const std::string& c) {
    return is_digit(c) || c == s.digit || c == s.decimal || c == s.grouping;
  };
  size_t first = p.size(), last = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (mantissa_char(p[i])) {
      if (first == p.size()) first = i;
      last = i + 1;
    }
  }
  SubPicture sp;
  if (first == p.size()) {
    return error("D3085",
                 "The mantissa part of a sub-picture must contain at least one "
                 "character that is an optional digit character or a member of the "
                 "decimal digit family");
  }
  // An exponent separator inside the span, or right after it, and its digits.
  size_t exp_at = p.size();
  for (size_t i = first; i < p.size(); ++i) {
    bool after_mantissa =
        i > first && (mantissa_char(p[i - 1]) || p[i - 1] == s.percent || p[i - 1] == s.permille);
    if (p[i] == s.exponent && after_mantissa) {
      size_t j = i + 1;
      while (j < p.size() && is_digit(p[j])) ++j;
      if (j == i + 1) {
        if (i >= last && i + 1 == p.size()) {
          return error("D3093",
                       "The exponent part of the sub-picture must contain at least one "
                       "character that is a member of the decimal digit family");
        }
        continue;  // a passive e in the suffix
      }
      exp_at = i;
      sp.exponent = true;
      sp.min_exp = static_cast<int>(j - i - 1);
      last = j;
      break;
    }
  }
  size_t mantissa_end = sp.exponent ? exp_at : last;
  for (size_t i = 0; i < first; ++i) sp.prefix += p[i];
  for (size_t i = last; i < p.size(); ++i) sp.suffix += p[i];
  auto count = [&](const std::string& what) {
    int n = 0;
    for (const auto& c : p) n += c == what ? 1 : 0;
    return n;
  };
  int percents = count(s.percent), permilles = count(s.permille);
  if (percents > 1)
    return error(
        "D3082",
        "A sub-picture must not contain more than one instance of the 'percent' character");
  if (permilles > 1)
    return error(
        "D3083",
        "A sub-picture must not contain more than one instance of the 'per-mille' character");
  if (percents && permilles)
    return error("D3084",
                 "A sub-picture must not contain both a 'percent' and a 'per-mille' character");
  sp.percent = percents == 1;
  sp.permille = permilles == 1;
  if (sp.exponent && (sp.percent || sp.permille)) {
    return error("D3092",
                 "A sub-picture that contains a 'percent' or 'per-mille' character "
                 "must not contain a character treated as an 'exponent-separator'");
  }
  for (size_t i = first; i < mantissa_end; ++i) {
    if (!mantissa_char(p[i])) {
      return error("D3086",
                   "A sub-picture must not contain a passive character that is "
                   "preceded by an active character and that is followed by another "
                   "active character");
    }
  }
  // Integer and fractional parts of the mantissa.
  size_t point = mantissa_end;
  int decimals = 0;
  for (size_t i = first; i < mantissa_end; ++i) {
    if (p[i] == s.decimal) {
      ++decimals;
      point = i;
    }
  }
  if (decimals > 1)
    return error("D3081",
                 "A sub-picture must not contain more than one instance of the 'decimal-separator' "
                 "character");
  for (size_t i = first; i < mantissa_end; ++i) {
    if (p[i] != s.grouping) continue;
    if ((i > first && p[i - 1] == s.decimal) || (i + 1 < mantissa_end && p[i + 1] == s.decimal)) {
      return error("D3087",
                   "A sub-picture must not contain a 'grouping-separator' character that appears "
                   "adjacent to a 'decimal-separator' character");
    }
    if (i + 1 < mantissa_end && p[i + 1] == s.grouping) {
      return error("D3089",
                   "A sub-picture must not contain two adjacent instances of the "
                   "'grouping-separator' character");
    }
  }
  if (point == mantissa_end && mantissa_end > first && p[mantissa_end - 1] == s.grouping) {
    return error("D3088",
                 "The integer part of a sub-picture must not contain a member of the "
                 "'grouping-separator' character at the end");
  }
  bool seen_digit = false, optional_in_int = false;
  int digits_right = 0;
  for (size_t i = point; i-- > first;) {
    if (p[i] == s.grouping) {
      sp.int_groups.push_back(digits_right);
    } else {
      ++digits_right;
    }
  }
  for (size_t i = first; i < point; ++i) {
    if (is_digit(p[i])) {
      seen_digit = true;
      ++sp.min_int;
    } else if (p[i] == s.digit) {
      optional_in_int = true;
      if (seen_digit) {
        return error(
            "D3090",
            "The integer part of the sub-picture must not contain a member of the 'decimal digit "
            "family' that is followed by an instance of the 'optional digit character'");
      }
    }
  }
  bool seen_optional = false;
  for (size_t i = point + 1; i < mantissa_end; ++i) {
    if (is_digit(p[i])) {
      if (seen_optional) {
        return error(
            "D3091",
            "The fractional part of the sub-picture must not contain an instance of the 'optional "
            "digit character' that is followed by a member of the 'decimal digit family'");
      }
      ++sp.min_frac;
      ++sp.max_frac;
    } else if (p[i] == s.digit) {
      seen_optional = true;
      ++sp.max_frac;
    }
  }
  // Regular grouping: every position a multiple of the first.
  if (!sp.int_groups.empty()) {
    int g = sp.int_groups.front();
    bool regular = g > 0;
    for (size_t k = 0; k < sp.int_groups.size() && regular; ++k) {
      regular = sp.int_groups[k] == g * static_cast<int>(k + 1);
    }
    if (regular) sp.regular = g;
  }
  // 4.7.4's adjustments.
  if (sp.exponent) {
    sp.scaling = sp.min_int;
    if (sp.min_int == 0 && optional_in_int) sp.min_int = 1;
  } else if (sp.min_int == 0 && sp.max_frac == 0) {
    sp.min_int = 1;
  }
  if (sp.min_int == 0 && sp.min_frac == 0) sp.min_frac = 1;
  return sp;
}

// The shortest decimal text of a non-negative finite `x` as its digits and
// the position of the decimal point among them (JavaScript's
// Number-to-string, which the reference rounds).
void decimal_digits(double x, std::string& digits, int& point) {
  std::string text = format_number(x);
  int exp = 0;
  if (auto e = text.find('e'); e != std::string::npos) {
    exp = std::atoi(text.c_str() + e + 1);
    text = text.substr(0, e);
  }
  auto dot = text.find('.');
  point = static_cast<int>(dot == std::string::npos ? text.size() : dot) + exp;
  digits.clear();
  for (char c : text) {
    if (c != '.') digits += c;
  }
  size_t lead = 0;  // leading zeros ("0.05")
  while (lead + 1 < digits.size() && digits[lead] == '0') ++lead;
  digits = digits.substr(lead);
  point -= static_cast<int>(lead);
}

// Rounds `digits` (point at `point`) half to even at `frac` fractional
// digits.
void round_half_even(std::string& digits, int& point, int frac) {
  int keep = point + frac;
  if (keep >= static_cast<int>(digits.size())) return;
  if (keep < 0) {
    digits = "0";
    point = 1;
    return;
  }
  char next = digits[static_cast<size_t>(keep)];
  bool rest = digits.find_first_not_of('0', static_cast<size_t>(keep) + 1) != std::string::npos;
  bool odd = keep > 0 && (digits[static_cast<size_t>(keep) - 1] - '0') % 2 == 1;
  bool up = next > '5' || (next == '5' && (rest || odd));
  digits.resize(static_cast<size_t>(keep));
  if (up) {
    int i = keep - 1;
    for (; i >= 0; --i) {
      if (digits[static_cast<size_t>(i)] == '9') {
        digits[static_cast<size_t>(i)] = '0';
      } else {
        ++digits[static_cast<size_t>(i)];
        break;
      }
    }
    if (i < 0) {
      digits.insert(digits.begin(), '1');
      ++point;
    }
  }
  if (digits.empty()) {
    digits = "0";
    point = 1;
  }
}

}  // namespace

std::variant<std::string, Error> format_decimal(double value, std::string_view picture,
                                                const boost::json::object* options) {
  Symbols s;
  if (options != nullptr) {
    const std::pair<const char*, std::string*> kNames[] = {{"decimal-separator", &s.decimal},
                                                           {"grouping-separator", &s.grouping},
                                                           {"exponent-separator", &s.exponent},
                                                           {"percent", &s.percent},
                                                           {"per-mille", &s.permille},
                                                           {"zero-digit", &s.zero},
                                                           {"digit", &s.digit},
                                                           {"pattern-separator", &s.pattern},
                                                           {"minus-sign", &s.minus}};
    for (const auto& [name, field] : kNames) {
      if (const auto* v = options->if_contains(name); v != nullptr && v->is_string()) {
        *field = std::string(v->get_string());
      }
    }
  }
  Chars all = utf8_chars(picture);
  std::vector<Chars> subs(1);
  for (const auto& c : all) {
    if (c == s.pattern) {
      subs.emplace_back();
    } else {
      subs.back().push_back(c);
    }
  }
  if (subs.size() > 2) {
    return error("D3080",
                 "The picture string must not contain more than one instance of the "
                 "'pattern-separator' character");
  }
  std::vector<SubPicture> analysed;
  for (const auto& sub : subs) {
    auto a = analyse(sub, s);
    if (auto* e = std::get_if<Error>(&a)) return *e;
    analysed.push_back(std::get<SubPicture>(a));
  }
  bool negative = value < 0;
  SubPicture pic = negative && analysed.size() == 2 ? analysed[1] : analysed[0];
  if (negative && analysed.size() == 1) pic.prefix = s.minus + pic.prefix;
  double x = std::fabs(value);
  if (pic.percent) x *= 100;
  if (pic.permille) x *= 1000;
  if (!std::isfinite(x)) return std::string(value < 0 ? "-Infinity" : "Infinity");
  std::optional<int> exponent;
  if (pic.exponent) {
    int e = 0;
    if (x != 0) {  // mantissa * 10^e = x, with `scaling` integer digits
      double lo = std::pow(10.0, pic.scaling - 1), hi = std::pow(10.0, pic.scaling);
      while (x < lo) {
        x *= 10;
        --e;
      }
      while (x >= hi) {
        x /= 10;
        ++e;
      }
    }
    exponent = e;
  }
  std::string digits;
  int point = 0;
  if (!std::isfinite(x)) return std::string(value < 0 ? "-Infinity" : "Infinity");  // 10^scaling
  decimal_digits(x, digits, point);
  round_half_even(digits, point, pic.max_frac);
  std::string int_part, frac_part;
  for (int i = 0; i < point; ++i) {
    int_part += i < static_cast<int>(digits.size()) ? digits[static_cast<size_t>(i)] : '0';
  }
  for (int i = std::max(point, 0); i < static_cast<int>(digits.size()); ++i) {
    frac_part += digits[static_cast<size_t>(i)];
  }
  if (point < 0) frac_part = std::string(static_cast<size_t>(-point), '0') + frac_part;
  while (!int_part.empty() && int_part.front() == '0') int_part.erase(int_part.begin());
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.pop_back();
  while (static_cast<int>(int_part.size()) < pic.min_int) int_part.insert(int_part.begin(), '0');
  while (static_cast<int>(frac_part.size()) < pic.min_frac) frac_part += '0';
  // Digits in the picture's zero-digit family, grouping separators.
  uint32_t zero = decode_utf8(s.zero);
  auto family = [&](const std::string& ascii) {
    std::string out;
    for (char c : ascii) append_utf8(out, zero + static_cast<uint32_t>(c - '0'));
    return out;
  };
  std::string out;
  auto n = static_cast<int>(int_part.size());
  for (int i = 0; i < n; ++i) {
    int right = n - i;  // digits from here to the point
    if (i > 0) {
      bool sep = pic.regular > 0 ? right % pic.regular == 0
                                 : std::find(pic.int_groups.begin(), pic.int_groups.end(), right) !=
                                       pic.int_groups.end();
      if (sep) out += s.grouping;
    }
    out += family(std::string(1, int_part[static_cast<size_t>(i)]));
  }
  if (!frac_part.empty()) out += s.decimal + family(frac_part);
  if (exponent) {
    std::string e = std::to_string(std::abs(*exponent));
    while (static_cast<int>(e.size()) < pic.min_exp) e.insert(e.begin(), '0');
    out += s.exponent + (*exponent < 0 ? s.minus : "") + family(e);
  }
  return pic.prefix + out + pic.suffix;
}

}  // namespace nimbus::jsonata
