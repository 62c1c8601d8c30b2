// Parsing rate(), cron() and at() expressions.
#include <charconv>
#include <chrono>

#include "events/schedule.h"

namespace nimbus::events {
namespace {

Error invalid(std::string reason) {
  return Error{"ValidationException", std::move(reason)};
}

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 12) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// "rate(N unit)": minute(s), hour(s), day(s); 1 takes the singular, more
// the plural, as EventBridge documents.
Result<int64_t> parse_rate(std::string_view body) {
  body = trim(body);
  auto space = body.find(' ');
  if (space == std::string_view::npos) return invalid("rate() needs a value and a unit");
  int64_t value = 0;
  if (!parse_int(body.substr(0, space), value) || value <= 0) {
    return invalid("The rate value must be a positive integer");
  }
  std::string_view unit = trim(body.substr(space + 1));
  int64_t seconds = 0;
  bool plural = unit.size() > 1 && unit.back() == 's';
  std::string_view base = plural ? unit.substr(0, unit.size() - 1) : unit;
  if (base == "minute") {
    seconds = 60;
  } else if (base == "hour") {
    seconds = 3600;
  } else if (base == "day") {
    seconds = 86400;
  } else {
    return invalid("The rate unit must be minute(s), hour(s) or day(s)");
  }
  if ((value == 1) == plural) {
    return invalid(value == 1 ? "A rate of 1 takes a singular unit"
                              : "A rate greater than 1 takes a plural unit");
  }
  if (value > 1000000000 / seconds) return invalid("The rate value is too large");
  return value * seconds;
}

// "at(yyyy-mm-ddThh:mm:ss)" as local seconds.
Result<int64_t> parse_at(std::string_view body) {
  auto bad = [] { return invalid("at() takes a date and time as yyyy-mm-ddThh:mm:ss"); };
  if (body.size() != 19 || body[4] != '-' || body[7] != '-' || body[10] != 'T' || body[13] != ':' ||
      body[16] != ':') {
    return bad();
  }
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!parse_int(body.substr(0, 4), y) || !parse_int(body.substr(5, 2), mo) ||
      !parse_int(body.substr(8, 2), d) || !parse_int(body.substr(11, 2), h) ||
      !parse_int(body.substr(14, 2), mi) || !parse_int(body.substr(17, 2), s)) {
    return bad();
  }
  using namespace std::chrono;
  year_month_day ymd{year(static_cast<int>(y)), month(static_cast<unsigned>(mo)),
                     day(static_cast<unsigned>(d))};
  if (y < 1970 || !ymd.ok() || h > 23 || mi > 59 || s > 59) return bad();
  return sys_days(ymd).time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + s;
}

}  // namespace

Result<CronFields> parse_cron_fields(std::string_view body);  // schedule_cron.cc

Result<Schedule> Schedule::parse(std::string_view expression, bool allow_at) {
  if (expression.size() > 256) return invalid("The schedule expression is too long");
  auto open = expression.find('(');
  if (open == std::string_view::npos || expression.back() != ')') {
    return invalid("The schedule expression must be rate(...), cron(...)" +
                   std::string(allow_at ? " or at(...)" : ""));
  }
  std::string_view kind = expression.substr(0, open);
  std::string_view body = expression.substr(open + 1, expression.size() - open - 2);
  Schedule s;
  s.text_ = std::string(expression);
  if (kind == "rate") {
    auto period = parse_rate(body);
    if (!period) return period.error();
    s.kind_ = Kind::kRate;
    s.period_ = *period;
  } else if (kind == "cron") {
    auto fields = parse_cron_fields(body);
    if (!fields) return fields.error();
    s.kind_ = Kind::kCron;
    s.cron_ = std::move(*fields);
  } else if (kind == "at" && allow_at) {
    auto local = parse_at(body);
    if (!local) return local.error();
    s.kind_ = Kind::kAt;
    s.at_local_ = *local;
  } else {
    return invalid("The schedule expression must be rate(...), cron(...)" +
                   std::string(allow_at ? " or at(...)" : ""));
  }
  return s;
}

std::optional<int64_t> Schedule::next_after(int64_t after, int64_t anchor,
                                            const TimeZone& zone) const {
  switch (kind_) {
    case Kind::kRate: {
      if (after < anchor) return anchor;
      int64_t k = (after - anchor) / period_ + 1;
      return anchor + k * period_;
    }
    case Kind::kAt: {
      // A wall time a DST gap skips fires at the same instant the clock
      // shows it an hour later would (local time read with the old offset).
      auto utc = zone.earliest(at_local_);
      int64_t when = utc ? *utc : at_local_ - zone.offset_at(at_local_ - 86400);
      if (when <= after) return std::nullopt;
      return when;
    }
    case Kind::kCron:
      return next_cron(after, zone);
  }
  return std::nullopt;
}

}  // namespace nimbus::events
