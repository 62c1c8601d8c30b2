// cron(): AWS's six fields, and the next firing in a time zone.
#include <array>
#include <charconv>
#include <chrono>

#include "events/schedule.h"

namespace nimbus::events {
namespace {

using namespace std::chrono;

Error invalid_cron(std::string reason) {
  return Error{"ValidationException", std::move(reason)};
}

struct FieldSpec {
  const char* name;
  int lo;
  int hi;
  const std::array<const char*, 12>* names;  // names[i] is value lo + i
};

const std::array<const char*, 12> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                             "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const std::array<const char*, 12> kDays = {"SUN", "MON",   "TUE",   "WED",   "THU",   "FRI",
                                           "SAT", nullptr, nullptr, nullptr, nullptr, nullptr};

const FieldSpec kSpecs[6] = {
    {"Minutes", 0, 59, nullptr}, {"Hours", 0, 23, nullptr},     {"Day-of-month", 1, 31, nullptr},
    {"Month", 1, 12, &kMonths},  {"Day-of-week", 1, 7, &kDays}, {"Year", 1970, 2199, nullptr},
};

bool value_of(std::string_view s, const FieldSpec& spec, int& out) {
  if (spec.names != nullptr && s.size() == 3) {
    for (int i = 0; i < 12; ++i) {
      const char* n = (*spec.names)[static_cast<size_t>(i)];
      if (n == nullptr) break;
      bool eq = true;
      for (size_t k = 0; k < 3; ++k) {
        eq = eq && (s[k] == n[k] || s[k] == n[k] + ('a' - 'A'));
      }
      if (eq) {
        out = spec.lo + i;
        return true;
      }
    }
  }
  if (s.empty() || s.size() > 4) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= spec.lo && out <= spec.hi;
}

// One comma-separated item: *, a, a-b, with an optional /step. Ranges wrap
// (FRI-MON, 22-2) in the fields that cycle.
template <size_t N>
Status add_item(std::string_view item, const FieldSpec& spec, std::bitset<N>& bits) {
  auto bad = [&] {
    return invalid_cron("Invalid value '" + std::string(item) + "' in the " + spec.name + " field");
  };
  int step = 1;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    std::string_view s = item.substr(slash + 1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || step < 1 ||
        step > spec.hi - spec.lo + 1) {
      return bad();
    }
    item = item.substr(0, slash);
  }
  int from = spec.lo;
  int to = spec.hi;
  if (item != "*") {
    auto dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!value_of(item, spec, from)) return bad();
      // a/s runs from a to the end of the field; a alone is a single value.
      to = step > 1 ? spec.hi : from;
    } else if (!value_of(item.substr(0, dash), spec, from) ||
               !value_of(item.substr(dash + 1), spec, to)) {
      return bad();
    }
  }
  if (from > to && spec.lo == 1970) return bad();
  int span = spec.hi - spec.lo + 1;
  int count = (to - from + span) % span;  // steps from `from` to `to`, wrapping
  for (int i = 0; i <= count; i += step) {
    int v = spec.lo + (from - spec.lo + i) % span;
    bits.set(static_cast<size_t>(v - (spec.lo == 1970 ? 1970 : 0)));
  }
  return Status::ok();
}

template <size_t N>
Status parse_list(std::string_view field, const FieldSpec& spec, std::bitset<N>& bits) {
  while (true) {
    auto comma = field.find(',');
    Status st = add_item(field.substr(0, comma), spec, bits);
    if (!st) return st;
    if (comma == std::string_view::npos) return Status::ok();
    field.remove_prefix(comma + 1);
  }
}

bool small_int(std::string_view s, int lo, int hi, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size() && out >= lo && out <= hi;
}

Status parse_day_of_month(std::string_view f, CronFields& c) {
  if (f == "?") {
    c.any_day = true;
    return Status::ok();
  }
  if (f == "L") {
    c.last_day = true;
  } else if (f == "LW") {
    c.last_weekday = true;
  } else if (f.size() >= 2 && f.back() == 'W') {
    if (!small_int(f.substr(0, f.size() - 1), 1, 31, c.nearest_weekday)) {
      return invalid_cron("Invalid value '" + std::string(f) + "' in the Day-of-month field");
    }
  } else {
    return parse_list(f, kSpecs[2], c.days);
  }
  return Status::ok();
}

Status parse_day_of_week(std::string_view f, CronFields& c) {
  if (f == "?") return Status::ok();
  auto bad = [&] {
    return invalid_cron("Invalid value '" + std::string(f) + "' in the Day-of-week field");
  };
  if (f == "L") {
    c.weekdays.set(7);
  } else if (auto hash = f.find('#'); hash != std::string_view::npos) {
    if (!value_of(f.substr(0, hash), kSpecs[4], c.nth_weekday) ||
        !small_int(f.substr(hash + 1), 1, 5, c.nth)) {
      return bad();
    }
  } else if (f.size() >= 2 && f.back() == 'L') {
    if (!value_of(f.substr(0, f.size() - 1), kSpecs[4], c.last_of_weekday)) return bad();
  } else {
    return parse_list(f, kSpecs[4], c.weekdays);
  }
  return Status::ok();
}

unsigned last_day_of(year_month_day ymd) {
  return static_cast<unsigned>(year_month_day_last(ymd.year(), month_day_last(ymd.month())).day());
}

int weekday_of(sys_days d) {
  return static_cast<int>(weekday(d).c_encoding()) + 1;
}  // 1 = SUN

bool day_matches(const CronFields& c, sys_days d, year_month_day ymd) {
  int dom = static_cast<int>(static_cast<unsigned>(ymd.day()));
  int last = static_cast<int>(last_day_of(ymd));
  int wd = weekday_of(d);
  if (c.any_day) {
    if (c.last_of_weekday != 0) return wd == c.last_of_weekday && dom + 7 > last;
    if (c.nth_weekday != 0) return wd == c.nth_weekday && (dom - 1) / 7 + 1 == c.nth;
    return c.weekdays.test(static_cast<size_t>(wd));
  }
  if (c.last_day) return dom == last;
  auto weekday_near = [&](int target) {
    int twd = weekday_of(d + days(target - dom));
    if (twd == 7) return target == 1 ? target + 2 : target - 1;
    if (twd == 1) return target == last ? target - 2 : target + 1;
    return target;
  };
  if (c.last_weekday) return dom == weekday_near(last);
  if (c.nearest_weekday != 0) {
    return c.nearest_weekday <= last && dom == weekday_near(c.nearest_weekday);
  }
  return c.days.test(static_cast<size_t>(dom));
}

}  // namespace

Result<CronFields> parse_cron_fields(std::string_view body) {
  std::string_view fields[6];
  size_t n = 0;
  while (!body.empty()) {
    while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
    if (body.empty()) break;
    auto end = body.find(' ');
    if (n == 6) return invalid_cron("cron() takes six fields");
    fields[n++] = body.substr(0, end);
    body.remove_prefix(end == std::string_view::npos ? body.size() : end);
  }
  if (n != 6) return invalid_cron("cron() takes six fields");
  CronFields c;
  for (size_t i : {0u, 1u, 3u, 5u}) {
    Status st = i == 0   ? parse_list(fields[i], kSpecs[i], c.minutes)
                : i == 1 ? parse_list(fields[i], kSpecs[i], c.hours)
                : i == 3 ? parse_list(fields[i], kSpecs[i], c.months)
                         : parse_list(fields[i], kSpecs[i], c.years);
    if (!st) return st;
  }
  bool dom_any = fields[2] == "?";
  bool dow_any = fields[4] == "?";
  if (dom_any == dow_any) {
    return invalid_cron("One of the Day-of-month and Day-of-week fields must be '?'");
  }
  if (Status st = parse_day_of_month(fields[2], c); !st) return st;
  if (Status st = parse_day_of_week(fields[4], c); !st) return st;
  return c;
}

std::optional<int64_t> Schedule::next_cron(int64_t after, const TimeZone& zone) const {
  const CronFields& c = cron_;
  // Wall times from the minute after `after`'s local time. One the clock
  // shows twice (a DST fall-back) fires at its first occurrence only: when
  // that is not after `after`, it is skipped.
  int64_t local_after = after + zone.offset_at(after);
  int64_t start = (local_after >= 0 ? local_after / 60 : (local_after - 59) / 60) * 60 + 60;
  sys_days d{days(start >= 0 ? start / 86400 : (start - 86399) / 86400)};
  while (true) {
    year_month_day ymd{d};
    int y = static_cast<int>(ymd.year());
    if (y > 2199) return std::nullopt;
    if (y < 1970 || !c.years.test(static_cast<size_t>(y - 1970))) {
      d = sys_days(year_month_day(ymd.year() + years(1), January, day(1)));
      continue;
    }
    if (!c.months.test(static_cast<unsigned>(ymd.month()))) {
      d = sys_days(year_month_day(ymd.year(), ymd.month(), day(1)) + months(1));
      continue;
    }
    if (day_matches(c, d, ymd)) {
      int64_t base = d.time_since_epoch().count() * 86400;
      for (size_t h = 0; h < 24; ++h) {
        if (!c.hours.test(h)) continue;
        for (size_t m = 0; m < 60; ++m) {
          if (!c.minutes.test(m)) continue;
          int64_t wall = base + static_cast<int64_t>(h * 3600 + m * 60);
          if (wall < start) continue;
          auto utc = zone.earliest(wall);
          if (utc && *utc > after) return utc;
        }
      }
    }
    d += days(1);
  }
}

}  // namespace nimbus::events
