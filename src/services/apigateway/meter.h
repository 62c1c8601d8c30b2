// What usage plans enforce, on the time the caller passes in (the data plane
// passes the injectable clock's): token buckets (a rate in requests per
// second refilling up to a burst; a request takes one token) and quotas
// (requests per DAY, WEEK or MONTH, the period starting at its offset, in
// UTC), and the daily counts GetUsage reports. Pure of I/O.
//
// Buckets are in memory (a restart refills them). Counts are in memory
// too, and the Meter says which (plan, key)'s counts changed since it was
// last asked, as a record's text, so that UsagePlans keeps them durable in
// batches (usage_plans.h); restore() reads such a record back.
//
// Threads: every method is thread-safe and never blocks beyond its mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"

namespace nimbus::services::apigateway {

struct Throttle {
  double rate = 0;    // tokens per second
  int64_t burst = 0;  // the bucket's size
};

struct Quota {
  int64_t limit = 0;
  enum class Period { kDay, kWeek, kMonth } period = Period::kDay;
  int offset = 0;  // WEEK: 0 Sunday .. 6 Saturday; MONTH: 0 the 1st .. 27
};

// A token bucket: full at first, `rate` tokens a second up to `burst`.
class TokenBucket {
 public:
  // Takes one token at `now` (monotonic); false when there is none.
  bool take(const Throttle& t, std::chrono::nanoseconds now);

 private:
  double tokens_ = -1;  // < 0: not used yet (full)
  std::chrono::nanoseconds last_{0};
};

// Days since 1970-01-01 (UTC) of `epoch_ms`, and the first day of the quota
// period that contains day `day`.
int64_t day_of(int64_t epoch_ms);
int64_t period_start(const Quota& q, int64_t day);
// "YYYY-MM-DD" of a day number and back (nullopt when malformed).
std::string date_of(int64_t day);
std::optional<int64_t> day_from_date(std::string_view date);

class Meter {
 public:
  enum class Verdict { kAdmitted, kTooManyRequests, kLimitExceeded };

  // One request of API key `key` under usage plan `plan`: the quota first
  // (LimitExceeded once the period's requests reached the limit), then the
  // bucket named `bucket` (TooManyRequests when empty); only an admitted
  // request counts.
  Verdict admit(const std::string& plan, const std::string& key, const std::string& bucket,
                const std::optional<Throttle>& throttle, const std::optional<Quota>& quota,
                std::chrono::nanoseconds mono, int64_t epoch_ms);

  // Requests admitted on each day of [from, to] for (plan, key), and what
  // remained of the quota at that day's end (0 without a quota).
  std::vector<std::pair<int64_t, int64_t>> usage(const std::string& plan, const std::string& key,
                                                 const std::optional<Quota>& quota, int64_t from,
                                                 int64_t to) const;

  // UpdateUsage: what remains of (plan, key)'s quota in the period that
  // contains `epoch_ms` becomes `remaining` (more or less than the limit
  // leaves), for that period only: the next one starts from the limit.
  void set_remaining(const std::string& plan, const std::string& key, const Quota& quota,
                     int64_t remaining, int64_t epoch_ms);

  // Forgets a plan's (or one key's in it) buckets and counts; returns the
  // (plan, key) pairs whose counts it forgot.
  std::vector<std::pair<std::string, std::string>> forget(const std::string& plan,
                                                          const std::string& key = "");

  // The counts of one (plan, key) as a record's text (JSON), and back.
  struct Record {
    std::string plan, key, text;
  };
  // Every (plan, key) whose counts changed since the last call, once.
  std::vector<Record> take_changed();
  // (plan, key)'s counts now, whether or not they changed.
  Record record(const std::string& plan, const std::string& key) const;
  // Replaces (plan, key)'s counts by a record's; false when `text` is not one.
  bool restore(const std::string& plan, const std::string& key, std::string_view text);

  // Days a count is kept after the last day counted (GetUsage reports 0
  // before that).
  static constexpr int64_t kKeptDays = 400;

 private:
  struct Counts {
    std::map<int64_t, int64_t> by_day;   // day -> admitted requests
    std::map<int64_t, int64_t> granted;  // a period's first day -> requests added to its limit
    bool changed = false;                // since the last take_changed()
  };
  // Marks `c` (of (plan, key)) changed.
  void changed_locked(Counts& c, const std::string& plan, const std::string& key) REQUIRES(mu_);
  static std::string text_of(const Counts& c);
  int64_t used_since(const Counts& c, int64_t first, int64_t last) const;
  // The quota's limit in the period starting on day `first`, with its grant.
  static int64_t limit_of(const Counts& c, const Quota& q, int64_t first);

  mutable Mutex mu_;
  std::map<std::pair<std::string, std::string>, Counts> counts_ GUARDED_BY(mu_);
  std::map<std::string, TokenBucket> buckets_ GUARDED_BY(mu_);  // plan/key/bucket
  std::vector<std::pair<std::string, std::string>> changed_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::apigateway
