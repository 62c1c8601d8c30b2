// Schedule expressions of EventBridge rules and EventBridge Scheduler, and
// the time zones they are evaluated in.
//
//   rate(5 minutes)            every 5 minutes from an anchor (creation, StartDate)
//   cron(0/15 8-17 ? * MON-FRI *)   AWS's six fields: minutes hours
//                              day-of-month month day-of-week year, with
//                              `, - * / ?`, `L` and `W` in day-of-month,
//                              `L` and `#` in day-of-week
//   at(2026-12-24T18:00:00)    once (Scheduler only), local to the zone
//
// A rate is a fixed duration (a day is 24 hours, also across a DST change);
// cron and at() name wall-clock times in the zone. As EventBridge Scheduler
// documents it, a wall time a DST change skips does not fire, and one it
// repeats fires once (at its first occurrence). Times are whole seconds
// since the Unix epoch, UTC.
//
// Schedule and TimeZone are immutable values, safe to share between threads.
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::events {

// A time zone from the system's tzdata (TZif files under /usr/share/zoneinfo,
// or $TZDIR): its transitions, and the POSIX TZ rule of its footer for the
// years after the last one.
class TimeZone {
 public:
  struct Rule;  // the footer's POSIX TZ rule (schedule_tz.cc)

  static TimeZone utc();
  // An IANA name ("America/New_York", "UTC"). Loaded once and cached; an
  // unknown or malformed name is nullopt.
  static std::optional<TimeZone> named(std::string_view name);
  // A TZif file's bytes (version 1 to 4). Error text says what is wrong.
  static Result<TimeZone> parse_tzif(std::string_view bytes);

  // Seconds to add to UTC to get local time at the instant `utc`.
  int64_t offset_at(int64_t utc) const;
  // The earliest UTC instant whose local time is `local` (seconds since the
  // epoch as if local time were UTC); nullopt when a DST gap skips it.
  std::optional<int64_t> earliest(int64_t local) const;

 private:
  struct Data;
  explicit TimeZone(std::shared_ptr<const Data> d) : d_(std::move(d)) {}
  std::shared_ptr<const Data> d_;
};

// The parsed cron fields (schedule_cron.cc evaluates them).
struct CronFields {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;       // 1..31 (bit 0 unused)
  std::bitset<13> months;     // 1..12
  std::bitset<8> weekdays;    // 1..7, 1 = Sunday
  std::bitset<230> years;     // 1970..2199
  bool any_day = false;       // day-of-month is `?`: the weekday field decides
  bool last_day = false;      // L
  bool last_weekday = false;  // LW
  int nearest_weekday = 0;    // nW
  int last_of_weekday = 0;    // nL in day-of-week (1..7)
  int nth_weekday = 0;        // n#k: weekday n ...
  int nth = 0;                // ... the k-th of the month
};

class Schedule {
 public:
  enum class Kind { kRate, kCron, kAt };

  // Parses an expression. `allow_at`: EventBridge Scheduler's at(); rules
  // have only rate() and cron(). The error's message is the reason, for the
  // caller to put in its API's error.
  static Result<Schedule> parse(std::string_view expression, bool allow_at);

  Kind kind() const { return kind_; }
  // rate(): the period in seconds.
  int64_t period() const { return period_; }
  const std::string& text() const { return text_; }

  // The first firing strictly after `after` (UTC seconds). A rate fires at
  // anchor + k * period; cron and at() in `zone`. nullopt: never again (an
  // at() in the past, a cron whose years ran out).
  std::optional<int64_t> next_after(int64_t after, int64_t anchor, const TimeZone& zone) const;

 private:
  Kind kind_ = Kind::kRate;
  int64_t period_ = 0;
  int64_t at_local_ = 0;  // at(): local seconds
  CronFields cron_;
  std::string text_;

  std::optional<int64_t> next_cron(int64_t after, const TimeZone& zone) const;
};

}  // namespace nimbus::events
