#include "common/jsonata/functions_integer.h"

#include <cctype>
#include <functional>
#include <map>
#include <vector>

namespace nimbus::jsonata {

std::string ordinal_suffix(int64_t n) {
  int64_t t = n % 100;
  if (t >= 11 && t <= 13) return "th";
  switch (n % 10) {
    case 1:
      return "st";
    case 2:
      return "nd";
    case 3:
      return "rd";
    default:
      return "th";
  }
}

std::string roman_numeral(int64_t n) {
  static const std::pair<int, const char*> kNumerals[] = {
      {1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"},
      {40, "XL"},  {10, "X"},   {9, "IX"},  {5, "V"},    {4, "IV"},  {1, "I"}};
  std::string out;
  for (const auto& [value, text] : kNumerals) {
    while (n >= value) {
      out += text;
      n -= value;
    }
  }
  return out;
}

// English words, as the reference writes them ("two thousand and
// eighteen", "one thousand, nine hundred and seventy"); `ordinal` ends in
// "first", "twenty-third", ...
std::string integer_words(int64_t n, bool ordinal) {
  static const char* kSmall[] = {"zero",    "one",     "two",       "three",    "four",
                                 "five",    "six",     "seven",     "eight",    "nine",
                                 "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                 "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const char* kSmallOrd[] = {"zeroth",    "first",       "second",     "third",
                                    "fourth",    "fifth",       "sixth",      "seventh",
                                    "eighth",    "ninth",       "tenth",      "eleventh",
                                    "twelfth",   "thirteenth",  "fourteenth", "fifteenth",
                                    "sixteenth", "seventeenth", "eighteenth", "nineteenth"};
  static const char* kTens[] = {"",      "",      "twenty",  "thirty", "forty",
                                "fifty", "sixty", "seventy", "eighty", "ninety"};
  static const char* kTensOrd[] = {"",         "",         "twentieth",  "thirtieth", "fortieth",
                                   "fiftieth", "sixtieth", "seventieth", "eightieth", "ninetieth"};
  static const std::pair<int64_t, const char*> kScales[] = {{1'000'000'000'000, "trillion"},
                                                            {1'000'000'000, "billion"},
                                                            {1'000'000, "million"},
                                                            {1'000, "thousand"}};
  if (n < 0) return "-" + integer_words(-n, ordinal);
  if (n >= 1'000'000'000'000'000) return std::to_string(n);  // past the scales named here
  std::function<std::string(int64_t, bool, bool)> below_1000;
  below_1000 = [&](int64_t v, bool ord, bool and_before) -> std::string {
    std::string out;
    if (v >= 100) {
      out = std::string(kSmall[v / 100]) + " hundred";
      v %= 100;
      if (v == 0) return ord ? out + "th" : out;
      out += " and ";
    } else if (and_before) {
      out = "and ";
    }
    if (v < 20) return out + (ord ? kSmallOrd[v] : kSmall[v]);
    if (v % 10 == 0) return out + (ord ? kTensOrd[v / 10] : kTens[v / 10]);
    return out + kTens[v / 10] + "-" + (ord ? kSmallOrd[v % 10] : kSmall[v % 10]);
  };
  if (n == 0) return ordinal ? "zeroth" : "zero";
  std::vector<std::string> parts;
  bool larger = false;
  for (const auto& [scale, name] : kScales) {
    if (n >= scale) {
      parts.push_back(below_1000(n / scale, false, false) + " " + name);
      n %= scale;
      larger = true;
      if (n == 0 && ordinal) parts.back() += "th";
    }
  }
  if (n > 0) parts.push_back(below_1000(n, ordinal, larger && n < 100));
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += parts[i].starts_with("and ") ? " " : ", ";
    out += parts[i];
  }
  return out;
}

namespace {

enum class Style { kDecimal, kRoman, kWords, kLetters };

struct Picture {
  Style style = Style::kDecimal;
  std::string casing;  // words: "w" "W" "Ww"; roman/letters: "I"/"i", "A"/"a"
  bool ordinal = false;
  int min_digits = 1;
  // Decimal grouping: separators by their distance from the right in
  // digits; `every` when they are regular (the same character, equal groups).
  std::vector<std::pair<int, char>> separators;
  int every = 0;
  char every_sep = 0;
};

std::optional<Picture> read_picture(std::string_view picture) {
  Picture p;
  std::string_view body = picture;
  if (auto semi = picture.find(';'); semi != std::string_view::npos) {
    std::string_view mod = picture.substr(semi + 1);
    p.ordinal = !mod.empty() && mod[0] == 'o';
    body = picture.substr(0, semi);
  }
  if (body == "I" || body == "i") {
    p.style = Style::kRoman;
  } else if (body == "w" || body == "W" || body == "Ww") {
    p.style = Style::kWords;
  } else if (body == "A" || body == "a") {
    p.style = Style::kLetters;
  } else {
    // Digits, optional digits (#) and separators between them.
    int digits = 0, mandatory = 0;
    std::vector<std::pair<size_t, char>> seps;  // index in body, character
    for (size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      if (c == '#' || std::isdigit(static_cast<unsigned char>(c))) {
        ++digits;
        if (c != '#') ++mandatory;
      } else if (i == 0 || i + 1 == body.size() || std::isalpha(static_cast<unsigned char>(c)) ||
                 std::isspace(static_cast<unsigned char>(c))) {  // as the reference: D3130
        return std::nullopt;
      } else {
        seps.emplace_back(i, c);
      }
    }
    if (digits == 0) return std::nullopt;
    p.min_digits = mandatory == 0 ? 1 : mandatory;
    for (const auto& [at, c] : seps) {
      int right = 0;  // digits to the right of this separator
      for (size_t k = at + 1; k < body.size(); ++k) {
        char d = body[k];
        if (d == '#' || std::isdigit(static_cast<unsigned char>(d))) ++right;
      }
      p.separators.emplace_back(right, c);
    }
    if (!p.separators.empty()) {
      int first = p.separators.back().first;  // the rightmost group's size
      bool regular = first > 0;
      for (size_t k = 0; k < p.separators.size() && regular; ++k) {
        const auto& [right, c] = p.separators[p.separators.size() - 1 - k];
        regular = right == first * static_cast<int>(k + 1) && c == p.separators.back().second;
      }
      if (regular) {
        p.every = first;
        p.every_sep = p.separators.back().second;
      }
    }
    return p;
  }
  p.casing = std::string(body);
  return p;
}

std::string letters(int64_t n) {  // 1 a, 26 z, 27 aa (bijective base 26)
  std::string out;
  while (n > 0) {
    --n;
    out.insert(out.begin(), static_cast<char>('a' + n % 26));
    n /= 26;
  }
  return out;
}

std::string cased(std::string s, std::string_view casing) {
  bool title = casing == "Ww";
  bool upper = casing == "W" || casing == "I" || casing == "A";
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool up = upper || (title && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '-'));
    s[i] = static_cast<char>(up ? std::toupper(c) : std::tolower(c));
  }
  return s;
}

Error unsupported(std::string_view picture) {
  return Error{"D3130",
               "Formatting or parsing an integer as a sequence starting with \"" +
                   std::string(picture) + "\" is not supported by this implementation",
               0};
}

// The word values $parseInteger reads.
const std::map<std::string, int64_t, std::less<>>& word_values() {
  static const std::map<std::string, int64_t, std::less<>> kValues = [] {
    std::map<std::string, int64_t, std::less<>> m;
    for (int64_t i = 0; i < 100; ++i) {
      if (i < 20 || i % 10 == 0) {
        m[integer_words(i, false)] = i;
        m[integer_words(i, true)] = i;
      }
    }
    return m;
  }();
  return kValues;
}

std::optional<int64_t> parse_words(std::string_view text) {
  static const std::map<std::string, int64_t, std::less<>> kScales = {
      {"thousand", 1'000},          {"million", 1'000'000},
      {"billion", 1'000'000'000},   {"trillion", 1'000'000'000'000},
      {"thousandth", 1'000},        {"millionth", 1'000'000},
      {"billionth", 1'000'000'000}, {"trillionth", 1'000'000'000'000}};
  int64_t total = 0, current = 0;
  bool any = false;
  std::string word;
  auto take = [&]() -> bool {
    if (word.empty()) return true;
    std::string w;
    for (char c : word) w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    word.clear();
    if (w == "and") return true;
    any = true;
    if (w == "hundred" || w == "hundredth") {
      current *= 100;
      return true;
    }
    if (auto s = kScales.find(w); s != kScales.end()) {
      total += current * s->second;
      current = 0;
      return true;
    }
    auto v = word_values().find(w);
    if (v == word_values().end()) return false;
    current += v->second;
    return true;
  };
  for (char c : text) {
    if (c == ' ' || c == ',' || c == '-') {
      if (!take()) return std::nullopt;
    } else {
      word += c;
    }
  }
  if (!take() || !any) return std::nullopt;
  return total + current;
}

std::optional<int64_t> parse_roman(std::string_view text) {
  static const std::map<char, int> kValues = {{'I', 1},   {'V', 5},   {'X', 10},  {'L', 50},
                                              {'C', 100}, {'D', 500}, {'M', 1000}};
  int64_t total = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto v = kValues.find(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i]))));
    if (v == kValues.end()) return std::nullopt;
    int next = 0;
    if (i + 1 < text.size()) {
      auto n =
          kValues.find(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i + 1]))));
      if (n == kValues.end()) return std::nullopt;
      next = n->second;
    }
    total += v->second < next ? -v->second : v->second;
  }
  return text.empty() ? std::nullopt : std::optional<int64_t>(total);
}

}  // namespace

std::variant<std::string, Error> format_integer(int64_t n, std::string_view picture) {
  auto p = read_picture(picture);
  if (!p) return unsupported(picture);
  switch (p->style) {
    case Style::kRoman:
      return cased(roman_numeral(n), p->casing);
    case Style::kWords:
      return cased(integer_words(n, p->ordinal), p->casing);
    case Style::kLetters:
      return cased(letters(n), p->casing);
    case Style::kDecimal:
      break;
  }
  std::string digits = std::to_string(n < 0 ? -n : n);
  while (static_cast<int>(digits.size()) < p->min_digits) digits.insert(digits.begin(), '0');
  std::string out;
  int from_right = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    if (from_right > 0) {
      if (p->every > 0 && from_right % p->every == 0) {
        out.insert(out.begin(), p->every_sep);
      } else if (p->every == 0) {
        for (const auto& [right, c] : p->separators) {
          if (right == from_right) out.insert(out.begin(), c);
        }
      }
    }
    out.insert(out.begin(), digits[i]);
    ++from_right;
  }
  if (n < 0) out.insert(out.begin(), '-');
  if (p->ordinal) out += ordinal_suffix(n < 0 ? -n : n);
  return out;
}

std::variant<std::optional<int64_t>, Error> parse_integer(std::string_view text,
                                                          std::string_view picture) {
  auto p = read_picture(picture);
  if (!p) return unsupported(picture);
  switch (p->style) {
    case Style::kRoman:
      return parse_roman(text);
    case Style::kWords:
      return parse_words(text);
    case Style::kLetters: {
      int64_t v = 0;
      for (char c : text) {
        if (!std::isalpha(static_cast<unsigned char>(c)) || v > (int64_t{1} << 50)) {
          return std::optional<int64_t>();
        }
        v = v * 26 + (std::tolower(static_cast<unsigned char>(c)) - 'a' + 1);
      }
      return text.empty() ? std::optional<int64_t>() : std::optional<int64_t>(v);
    }
    case Style::kDecimal:
      break;
  }
  std::string digits;
  bool negative = !text.empty() && text[0] == '-';
  for (size_t i = negative ? 1 : 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
    } else if (p->ordinal && std::isalpha(static_cast<unsigned char>(c))) {
      continue;  // 21st
    } else {
      bool separator = false;
      for (const auto& s : p->separators) separator |= s.second == c;
      if (!separator) return std::optional<int64_t>();
    }
  }
  if (digits.empty() || digits.size() > 18) return std::optional<int64_t>();
  int64_t v = std::stoll(digits);
  return std::optional<int64_t>(negative ? -v : v);
}

}  // namespace nimbus::jsonata
