// XPath's date/time picture strings (fn:format-dateTime), as JSONata's
// $fromMillis and $now use them: `[Y0001]-[M01]-[D01]`, names (`[MNn]`,
// `[FNn,*-3]`), ordinals (`[D1o]`), words (`[Yw]`), roman numerals
// (`[YI]`), 12-hour clocks (`[h]:[m01] [P]`), ISO weeks (`[W]`, `[X]`)
// and time zones (`[Z]`, `[z]`).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/jsonata/jsonata.h"

namespace nimbus::jsonata {

// English month and day names (Monday first, as ISO numbers days), for
// writing names and reading them back.
inline constexpr std::array<const char*, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
inline constexpr std::array<const char*, 7> kDayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// `ms` (epoch milliseconds) in `picture`, at `offset_minutes` east of UTC;
// an Error with JSONata's code (D3132 unknown component, D3135 no closing
// bracket, ...) for a picture it cannot use.
std::variant<std::string, Error> format_date_time(int64_t ms, std::string_view picture,
                                                  int offset_minutes);

// ISO 8601 as $fromMillis writes it without a picture: in UTC
// 2018-03-23T10:33:36.617Z, at an offset ...+01:00.
inline constexpr std::string_view kIsoPicture =
    "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";
std::string iso_date_time(int64_t ms);

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t days_from_civil(int64_t year, int month, int day);

// $toMillis with a picture: `timestamp` read as `picture` writes it, in
// epoch milliseconds; nullopt when it does not match the picture or names
// no instant; an Error with JSONata's code (D3132, D3133, D3135, D3136 for
// components that leave a gap or name an ISO week date). Components more
// significant than those given are `now_ms`'s (UTC).
std::variant<std::optional<double>, Error> parse_date_time(std::string_view timestamp,
                                                           std::string_view picture,
                                                           int64_t now_ms);

// A timezone argument ("+0100", "-0500"): minutes east of UTC.
std::optional<int> parse_timezone(std::string_view tz);

}  // namespace nimbus::jsonata
