// XPath's integer pictures (fn:format-integer), shared by $formatInteger,
// $parseInteger and the numeric components of date/time pictures: decimal
// digits with grouping separators (`#,##0`, `0001`), roman numerals (I, i),
// English words (w, W, Ww), letters (A, a), and the ordinal modifier
// (`;o`, or a trailing `o` in a date/time marker).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/jsonata/jsonata.h"

namespace nimbus::jsonata {

std::string ordinal_suffix(int64_t n);  // st, nd, rd, th
std::string roman_numeral(int64_t n);   // upper case; "" for n < 1
// "two thousand and eighteen", "twenty-first" (ordinal); negatives "-five".
std::string integer_words(int64_t n, bool ordinal);

// $formatInteger: D3130 for a picture it does not know.
std::variant<std::string, Error> format_integer(int64_t n, std::string_view picture);
// $parseInteger: nullopt when `text` is not in the picture's form; an
// Error for a picture it does not know.
std::variant<std::optional<int64_t>, Error> parse_integer(std::string_view text,
                                                          std::string_view picture);

}  // namespace nimbus::jsonata
