#include "services/apigateway/meter.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>

namespace nimbus::services::apigateway {

namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

std::string bucket_key(const std::string& plan, const std::string& key, const std::string& b) {
  return plan + '\n' + key + '\n' + b;
}

}  // namespace

bool TokenBucket::take(const Throttle& t, std::chrono::nanoseconds now) {
  double burst = static_cast<double>(std::max<int64_t>(t.burst, 0));
  if (tokens_ < 0) {
    tokens_ = burst;
  } else if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst, tokens_ + elapsed * std::max(t.rate, 0.0));
  }
  last_ = std::max(last_, now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

int64_t day_of(int64_t epoch_ms) {
  int64_t d = epoch_ms / 86'400'000;
  return epoch_ms < 0 && epoch_ms % 86'400'000 != 0 ? d - 1 : d;
}

int64_t period_start(const Quota& q, int64_t day) {
  switch (q.period) {
    case Quota::Period::kDay:
      return day;
    case Quota::Period::kWeek: {
      int64_t weekday = ((day + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday (4)
      return day - ((weekday - q.offset) % 7 + 7) % 7;
    }
    case Quota::Period::kMonth: {
      year_month_day ymd{sys_days{days{day}}};
      auto first = sys_days{ymd.year() / ymd.month() / 1}.time_since_epoch().count();
      int64_t start = first + q.offset;
      if (start <= day) return start;
      year_month_day prev{sys_days{days{first - 1}}};
      return sys_days{prev.year() / prev.month() / 1}.time_since_epoch().count() + q.offset;
    }
  }
  return day;
}

std::string date_of(int64_t day) {
  year_month_day ymd{sys_days{days{day}}};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<int64_t> day_from_date(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return std::nullopt;
  }
  auto number = [&](size_t at, size_t n) -> std::optional<int> {
    int v = 0;
    auto r = std::from_chars(date.data() + at, date.data() + at + n, v);
    if (r.ec != std::errc() || r.ptr != date.data() + at + n) return std::nullopt;
    return v;
  };
  auto y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (!y || !m || !d) return std::nullopt;
  year_month_day ymd{std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*m)},
                     std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count();
}

int64_t Meter::used_since(const Counts& c, int64_t first, int64_t last) const {
  int64_t used = 0;
  for (auto it = c.by_day.lower_bound(first); it != c.by_day.end() && it->first <= last; ++it) {
    used += it->second;
  }
  return used;
}

int64_t Meter::limit_of(const Counts& c, const Quota& q, int64_t first) {
  auto g = c.granted.find(first);
  return q.limit + (g == c.granted.end() ? 0 : g->second);
}

void Meter::set_remaining(const std::string& plan, const std::string& key, const Quota& quota,
                          int64_t remaining, int64_t epoch_ms) {
  int64_t today = day_of(epoch_ms), first = period_start(quota, today);
  MutexLock lock(mu_);
  auto& counts = counts_[{plan, key}];
  counts.granted[first] = remaining - (quota.limit - used_since(counts, first, today));
  changed_locked(counts, plan, key);
}

void Meter::changed_locked(Counts& c, const std::string& plan, const std::string& key) {
  if (c.changed) return;
  c.changed = true;
  changed_.emplace_back(plan, key);
}

Meter::Verdict Meter::admit(const std::string& plan, const std::string& key,
                            const std::string& bucket, const std::optional<Throttle>& throttle,
                            const std::optional<Quota>& quota, std::chrono::nanoseconds mono,
                            int64_t epoch_ms) {
  int64_t today = day_of(epoch_ms);
  MutexLock lock(mu_);
  auto& counts = counts_[{plan, key}];
  if (quota) {
    int64_t first = period_start(*quota, today);
    if (used_since(counts, first, today) >= limit_of(counts, *quota, first)) {
      return Verdict::kLimitExceeded;
    }
  }
  if (throttle && !buckets_[bucket_key(plan, key, bucket)].take(*throttle, mono)) {
    return Verdict::kTooManyRequests;
  }
  auto [day, first_today] = counts.by_day.try_emplace(today, 0);
  ++day->second;
  if (first_today) {
    // Once a day per (plan, key): what is older than the kept days goes.
    counts.by_day.erase(counts.by_day.begin(), counts.by_day.lower_bound(today - kKeptDays));
    counts.granted.erase(counts.granted.begin(), counts.granted.lower_bound(today - kKeptDays));
  }
  changed_locked(counts, plan, key);
  return Verdict::kAdmitted;
}

std::vector<std::pair<int64_t, int64_t>> Meter::usage(const std::string& plan,
                                                      const std::string& key,
                                                      const std::optional<Quota>& quota,
                                                      int64_t from, int64_t to) const {
  std::vector<std::pair<int64_t, int64_t>> out;
  MutexLock lock(mu_);
  auto it = counts_.find({plan, key});
  for (int64_t d = from; d <= to; ++d) {
    int64_t used = 0, remaining = 0;
    if (it != counts_.end()) {
      auto day = it->second.by_day.find(d);
      if (day != it->second.by_day.end()) used = day->second;
      if (quota) {
        int64_t first = period_start(*quota, d);
        remaining = limit_of(it->second, *quota, first) - used_since(it->second, first, d);
      }
    } else if (quota) {
      remaining = quota->limit;
    }
    out.emplace_back(used, std::max<int64_t>(remaining, 0));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Meter::forget(const std::string& plan,
                                                               const std::string& key) {
  std::vector<std::pair<std::string, std::string>> forgot;
  MutexLock lock(mu_);
  std::string prefix = plan + '\n' + (key.empty() ? "" : key + '\n');
  for (auto it = buckets_.lower_bound(prefix);
       it != buckets_.end() && it->first.starts_with(prefix);) {
    it = buckets_.erase(it);
  }
  for (auto it = counts_.begin(); it != counts_.end();) {
    bool match = it->first.first == plan && (key.empty() || it->first.second == key);
    if (match) forgot.push_back(it->first);
    it = match ? counts_.erase(it) : std::next(it);
  }
  return forgot;
}

// {"days":[[DAY,COUNT],...],"granted":[[FIRST_DAY,GRANT],...]}, days since
// 1970-01-01.
std::string Meter::text_of(const Counts& c) {
  auto pairs = [](const std::map<int64_t, int64_t>& m) {
    boost::json::array a;
    a.reserve(m.size());
    for (auto [k, v] : m) a.push_back(boost::json::array{k, v});
    return a;
  };
  return boost::json::serialize(
      boost::json::object{{"days", pairs(c.by_day)}, {"granted", pairs(c.granted)}});
}

std::vector<Meter::Record> Meter::take_changed() {
  std::vector<Record> out;
  MutexLock lock(mu_);
  out.reserve(changed_.size());
  for (auto& [plan, key] : changed_) {
    auto it = counts_.find({plan, key});
    if (it == counts_.end() || !it->second.changed) continue;  // forgotten since
    it->second.changed = false;
    out.push_back({std::move(plan), std::move(key), text_of(it->second)});
  }
  changed_.clear();
  return out;
}

Meter::Record Meter::record(const std::string& plan, const std::string& key) const {
  MutexLock lock(mu_);
  auto it = counts_.find({plan, key});
  return {plan, key, text_of(it == counts_.end() ? Counts{} : it->second)};
}

bool Meter::restore(const std::string& plan, const std::string& key, std::string_view text) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(text, ec);
  if (ec || !doc.is_object()) return false;
  Counts c;
  for (auto [name, into] : {std::pair{"days", &c.by_day}, std::pair{"granted", &c.granted}}) {
    const auto* list = doc.as_object().if_contains(name);
    if (list == nullptr || !list->is_array()) return false;
    for (const auto& pair : list->as_array()) {
      const auto* p = pair.if_array();
      if (p == nullptr || p->size() != 2 || !(*p)[0].is_int64() || !(*p)[1].is_int64()) {
        return false;
      }
      (*into)[(*p)[0].as_int64()] = (*p)[1].as_int64();
    }
  }
  MutexLock lock(mu_);
  counts_[{plan, key}] = std::move(c);
  return true;
}

}  // namespace nimbus::services::apigateway
