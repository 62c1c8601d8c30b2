// Schedule expressions against AWS's documented syntax and semantics, and time
// zones against the system's tzdata (expected instants cross-checked with
// Python's zoneinfo).
#include "events/schedule.h"

#include <gtest/gtest.h>

#include <ctime>

namespace nimbus::events {
namespace {

int64_t utc(const char* text) {
  std::tm tm{};
  EXPECT_NE(strptime(text, "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << text;
  return static_cast<int64_t>(timegm(&tm));
}

std::string show(std::optional<int64_t> t) {
  if (!t) return "never";
  std::time_t s = static_cast<std::time_t>(*t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

TimeZone zone(const char* name) {
  auto z = TimeZone::named(name);
  EXPECT_TRUE(z.has_value()) << name;
  return z ? *z : TimeZone::utc();
}

// The next firing after `after` (UTC) as UTC text.
std::string next(const char* expr, const char* after, const char* tz = "UTC") {
  auto s = Schedule::parse(expr, true);
  EXPECT_TRUE(s.is_ok()) << expr << ": " << (s ? "" : s.error().message);
  if (!s) return "invalid";
  return show(s->next_after(utc(after), 0, zone(tz)));
}

TEST(ScheduleTest, Rates) {
  auto s = Schedule::parse("rate(5 minutes)", false);
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->period(), 300);
  int64_t anchor = utc("2026-12-04T10:00:30");
  EXPECT_EQ(show(s->next_after(anchor, anchor, TimeZone::utc())), "2026-12-04T10:05:30");
  EXPECT_EQ(show(s->next_after(anchor + 301, anchor, TimeZone::utc())), "2026-12-04T10:10:30");
  EXPECT_EQ(show(s->next_after(anchor - 5, anchor, TimeZone::utc())), "2026-12-04T10:00:30");
  EXPECT_EQ(Schedule::parse("rate(1 hour)", false)->period(), 3600);
  EXPECT_EQ(Schedule::parse("rate(2 days)", false)->period(), 172800);
  // A day is 24 hours, also across a DST change.
  auto day = Schedule::parse("rate(1 day)", false);
  int64_t before_dst = utc("2026-03-07T12:00:00");
  EXPECT_EQ(show(day->next_after(before_dst, before_dst, zone("America/New_York"))),
            "2026-03-08T12:00:00");
}

TEST(ScheduleTest, CronUtc) {
  EXPECT_EQ(next("cron(0 10 * * ? *)", "2026-12-04T09:59:00"), "2026-12-04T10:00:00");
  EXPECT_EQ(next("cron(0 10 * * ? *)", "2026-12-04T10:00:00"), "2026-12-05T10:00:00");
  EXPECT_EQ(next("cron(15 12 * * ? *)", "2026-12-04T12:15:30"), "2026-12-05T12:15:00");
  EXPECT_EQ(next("cron(0/15 * * * ? *)", "2026-12-04T10:07:00"), "2026-12-04T10:15:00");
  EXPECT_EQ(next("cron(5/20 * * * ? *)", "2026-12-04T10:46:00"), "2026-12-04T11:05:00");
  EXPECT_EQ(next("cron(0 18 ? * MON-FRI *)", "2026-12-04T18:00:00"), "2026-12-07T18:00:00");
  EXPECT_EQ(next("cron(0 8 1 * ? *)", "2026-12-04T00:00:00"), "2027-01-01T08:00:00");
  EXPECT_EQ(next("cron(0/10 * ? * MON-FRI *)", "2026-12-05T00:00:00"), "2026-12-07T00:00:00");
  EXPECT_EQ(next("cron(0 0 ? * SAT-SUN *)", "2026-12-04T01:00:00"), "2026-12-05T00:00:00");
  EXPECT_EQ(next("cron(0 0 ? * FRI-MON *)", "2026-12-08T01:00:00"), "2026-12-11T00:00:00");
  EXPECT_EQ(next("cron(30 23 ? DEC,JAN 2 2027-2028)", "2026-01-01T00:00:00"),
            "2027-01-04T23:30:00");
  EXPECT_EQ(next("cron(0 0 29 2 ? *)", "2026-03-01T00:00:00"), "2028-02-29T00:00:00");
  EXPECT_EQ(next("cron(0 0 1 1 ? 2020)", "2026-03-01T00:00:00"), "never");
  EXPECT_EQ(next("cron(0 0 31 2 ? *)", "2026-03-01T00:00:00"), "never");
}

TEST(ScheduleTest, CronLastWeekdayAndNth) {
  EXPECT_EQ(next("cron(0 0 L * ? *)", "2026-02-01T00:00:00"), "2026-02-28T00:00:00");
  EXPECT_EQ(next("cron(0 0 L * ? *)", "2028-02-01T00:00:00"), "2028-02-29T00:00:00");
  // Last weekday: Jan 31 2027 is a Sunday.
  EXPECT_EQ(next("cron(0 0 LW * ? *)", "2027-01-02T00:00:00"), "2027-01-29T00:00:00");
  // Weekday nearest the 15th: Aug 15 2026 is a Saturday, so Friday the 14th.
  EXPECT_EQ(next("cron(0 9 15W * ? *)", "2026-08-01T00:00:00"), "2026-08-14T09:00:00");
  // 1W on Saturday Aug 1 2026 moves forward to Monday the 3rd, not into July.
  EXPECT_EQ(next("cron(0 9 1W * ? *)", "2026-07-31T00:00:00"), "2026-08-03T09:00:00");
  // Second Tuesday; last Friday; L alone is Saturday.
  EXPECT_EQ(next("cron(0 12 ? * 3#2 *)", "2026-12-01T00:00:00"), "2026-12-08T12:00:00");
  EXPECT_EQ(next("cron(0 12 ? * 6L *)", "2026-12-01T00:00:00"), "2026-12-25T12:00:00");
  EXPECT_EQ(next("cron(0 12 ? * L *)", "2026-12-01T00:00:00"), "2026-12-05T12:00:00");
  EXPECT_EQ(next("cron(0 12 ? * MON#5 *)", "2026-12-01T00:00:00"), "2027-03-29T12:00:00");
}

TEST(ScheduleTest, CronInTimeZonesWithDst) {
  // 02:30 does not exist on 2026-03-08 in New York: that day is skipped.
  EXPECT_EQ(next("cron(30 2 * * ? *)", "2026-03-07T07:30:00", "America/New_York"),
            "2026-03-09T06:30:00");
  // 01:30 happens twice on 2026-11-01: it fires once, at the first.
  EXPECT_EQ(next("cron(30 1 * * ? *)", "2026-10-31T12:00:00", "America/New_York"),
            "2026-11-01T05:30:00");
  EXPECT_EQ(next("cron(30 1 * * ? *)", "2026-11-01T05:30:00", "America/New_York"),
            "2026-11-02T06:30:00");
  EXPECT_EQ(next("cron(0 9 * * ? *)", "2026-12-04T00:00:00", "Asia/Kolkata"),
            "2026-12-04T03:30:00");
  EXPECT_EQ(next("cron(0 9 * * ? *)", "2026-07-01T00:00:00", "Europe/Berlin"),
            "2026-07-01T07:00:00");
}

TEST(ScheduleTest, ZonesPastTheLastTransitionUseTheFooterRule) {
  TimeZone ny = zone("America/New_York");
  EXPECT_EQ(ny.offset_at(utc("2040-03-11T06:59:59")), -18000);
  EXPECT_EQ(ny.offset_at(utc("2040-03-11T07:00:00")), -14400);
  EXPECT_EQ(ny.offset_at(utc("2040-11-04T05:59:59")), -14400);
  EXPECT_EQ(ny.offset_at(utc("2040-11-04T06:00:00")), -18000);
  TimeZone sydney = zone("Australia/Sydney");  // southern hemisphere
  EXPECT_EQ(sydney.offset_at(utc("2041-04-06T15:59:59")), 39600);
  EXPECT_EQ(sydney.offset_at(utc("2041-04-06T16:00:00")), 36000);
  EXPECT_EQ(sydney.offset_at(utc("2041-10-05T15:59:59")), 36000);
  EXPECT_EQ(sydney.offset_at(utc("2041-10-05T16:00:00")), 39600);
}

TEST(ScheduleTest, AtFiresOnceInItsZone) {
  EXPECT_EQ(next("at(2026-12-24T18:00:00)", "2026-12-04T00:00:00"), "2026-12-24T18:00:00");
  EXPECT_EQ(next("at(2026-12-24T18:00:00)", "2026-12-24T18:00:00"), "never");
  EXPECT_EQ(next("at(2026-12-24T18:00:00)", "2026-12-04T00:00:00", "America/New_York"),
            "2026-12-24T23:00:00");
  // In a DST gap: the instant the clock would show with the old offset.
  EXPECT_EQ(next("at(2026-03-08T02:30:00)", "2026-01-01T00:00:00", "America/New_York"),
            "2026-03-08T07:30:00");
  EXPECT_FALSE(Schedule::parse("at(2026-12-24T18:00:00)", false).is_ok());
}

TEST(ScheduleTest, InvalidExpressions) {
  for (const char* bad : {
           "",
           "rate",
           "rate()",
           "rate(5)",
           "rate(0 minutes)",
           "rate(-1 minutes)",
           "rate(1 minutes)",
           "rate(5 minute)",
           "rate(5 weeks)",
           "rate(1.5 hours)",
           "cron()",
           "cron(* * * * *)",
           "cron(0 10 * * * *)",
           "cron(0 10 ? * ? *)",
           "cron(60 10 * * ? *)",
           "cron(0 24 * * ? *)",
           "cron(0 0 32 * ? *)",
           "cron(0 0 * 13 ? *)",
           "cron(0 0 ? * 8 *)",
           "cron(0 0 * * ? 1969)",
           "cron(0 0 * * ? 2200)",
           "cron(0 0 * * ? 2030-2020)",
           "cron(0/0 * * * ? *)",
           "cron(a * * * ? *)",
           "cron(0 0 ? * 2#6 *)",
           "cron(0 0 32W * ? *)",
           "cron(0 0 * * ? * *)",
           "cron(1,,2 0 * * ? *)",
           "cron(0 0 ? * MON#1,2 *)",
           "at(2026-12-24 18:00:00)",
           "at(2026-02-30T18:00:00)",
           "at(2026-12-24T24:00:00)",
           "every(5 minutes)",
           "rate(5 minutes",
       }) {
    auto s = Schedule::parse(bad, true);
    EXPECT_FALSE(s.is_ok()) << bad;
    if (!s) {
      EXPECT_EQ(s.error().code, "ValidationException");
    }
  }
}

TEST(ScheduleTest, ZoneNames) {
  EXPECT_TRUE(TimeZone::named("UTC").has_value());
  EXPECT_TRUE(TimeZone::named("Europe/London").has_value());
  EXPECT_FALSE(TimeZone::named("Mars/Olympus_Mons").has_value());
  EXPECT_FALSE(TimeZone::named("../../etc/passwd").has_value());
  EXPECT_FALSE(TimeZone::named("/etc/passwd").has_value());
  EXPECT_FALSE(TimeZone::named("").has_value());
  EXPECT_FALSE(TimeZone::parse_tzif("TZif2").is_ok());
  EXPECT_FALSE(TimeZone::parse_tzif("not a zone").is_ok());
}

}  // namespace
}  // namespace nimbus::events
