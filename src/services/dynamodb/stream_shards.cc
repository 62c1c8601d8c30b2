#include "services/dynamodb/stream_shards.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "services/dynamodb/stream_records.h"

namespace nimbus::services::dynamodb {

namespace {

constexpr int64_t kRetentionMs = int64_t{24} * 3600 * 1000;

// A stream label ("2026-01-02T03:04:05.678", common/time_format.h's
// utc_millis without a zone) as epoch milliseconds.
std::optional<int64_t> label_ms(const std::string& label) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(label.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

uint64_t slice(int64_t ms, int64_t origin, int64_t period) {
  return ms <= origin ? 0 : static_cast<uint64_t>((ms - origin) / period);
}

}  // namespace

int64_t shard_period_ms(const Settings& settings) {
  auto it = settings.service_options.find("dynamodb.stream-shard-period");
  if (it == settings.service_options.end()) return kShardPeriodMs;
  int64_t s = 0;
  const std::string& v = it->second;
  auto r = std::from_chars(v.data(), v.data() + v.size(), s);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || s < 1 || s > 86400) {
    return kShardPeriodMs;
  }
  return s * 1000;
}

StreamShards::StreamShards(const storage::Log& log, const TableDef& t, int64_t period_ms,
                           int64_t now_ms)
    : log_(log),
      t_(t),
      partition_(stream_partition(t.name, t.stream_label)),
      period_ms_(period_ms > 0 ? period_ms : kShardPeriodMs),
      now_ms_(now_ms) {
  origin_ms_ = label_ms(t.stream_label).value_or(static_cast<int64_t>(t.created * 1000));
  k_max_ = slice(now_ms_, origin_ms_, period_ms_);
  k_min_ = std::min(k_max_, slice(now_ms_ - kRetentionMs, origin_ms_, period_ms_));
  if (t_.stream_enabled) return;
  // A disabled stream ends with the shard of its last record.
  auto info = log_.info(partition_);
  uint64_t last_k = k_min_;
  if (info && info->next_seq > info->first_seq) {
    auto r = log_.read(partition_, info->next_seq - 1, storage::ReadLimits{1, 1});
    if (r && !r->empty()) last_k = slice(r->back().arrival_ms, origin_ms_, period_ms_);
  }
  k_max_ = std::clamp(last_k, k_min_, k_max_);
}

std::string StreamShards::id(uint64_t k) const {
  if (k == 0) return stream_shard_id(t_.name, t_.stream_label);
  return stream_shard_id(t_.name, t_.stream_label, k,
                         origin_ms_ + static_cast<int64_t>(k) * period_ms_);
}

Result<std::optional<uint64_t>> StreamShards::closed_end(uint64_t k) const {
  auto info = log_.info(partition_);
  if (!t_.stream_enabled && k == k_max_) {
    return std::optional<uint64_t>(info && info->next_seq > 0 ? info->next_seq - 1 : 0);
  }
  int64_t bound = origin_ms_ + static_cast<int64_t>(k + 1) * period_ms_;
  if (now_ms_ < bound) return std::optional<uint64_t>();
  // Appends from here on arrive at or after `bound`: the shard holds what
  // arrived before it, once that is all readable.
  if (!info) return std::optional<uint64_t>(0);
  auto at = log_.seq_at_time(partition_, bound);
  if (!at) return at.take_error();
  uint64_t s = at->value_or(info->next_seq);
  if (s >= info->next_seq) return std::optional<uint64_t>(s - 1);
  // `s` is either a record at or after the bound or an append in flight
  // (which may have arrived before it).
  auto r = log_.read(partition_, s, storage::ReadLimits{1, 1});
  if (!r) return r.take_error();
  if (!r->empty() && r->front().seq == s && r->front().arrival_ms >= bound) {
    return std::optional<uint64_t>(s - 1);
  }
  return std::optional<uint64_t>();
}

Result<std::optional<ShardSpan>> StreamShards::span(uint64_t k,
                                                    std::optional<uint64_t> prev_end) const {
  if (k < k_min_ || k > k_max_ || (k > 0 && !prev_end)) return std::optional<ShardSpan>();
  ShardSpan s;
  s.index = k;
  s.id = id(k);
  if (k > 0) {
    s.parent_id = id(k - 1);
    s.first = *prev_end + 1;
  }
  auto end = closed_end(k);
  if (!end) return end.take_error();
  s.last = *end;
  if (t_.stream_enabled || k < k_max_) {
    s.end_ms = origin_ms_ + static_cast<int64_t>(k + 1) * period_ms_;
  }
  if (s.last && k < k_max_) s.child_id = id(k + 1);
  return std::optional<ShardSpan>(std::move(s));
}

Result<std::optional<ShardSpan>> StreamShards::span(uint64_t k) const {
  std::optional<uint64_t> prev_end;
  if (k > 0) {
    auto e = closed_end(k - 1);
    if (!e) return e.take_error();
    prev_end = *e;
  }
  return span(k, prev_end);
}

Result<std::vector<ShardSpan>> StreamShards::all() const {
  std::vector<ShardSpan> out;
  auto s = span(k_min_);
  if (!s) return s.take_error();
  while (*s) {
    out.push_back(std::move(**s));
    const ShardSpan& last = out.back();
    if (!last.last || last.index >= k_max_) break;
    s = span(last.index + 1, last.last);
    if (!s) return s.take_error();
  }
  return out;
}

Result<std::optional<ShardSpan>> StreamShards::find(const std::string& shard_id) const {
  uint64_t k = 0;
  if (shard_id != id(0)) {
    // shardId-<20 digits: the shard's start, epoch ms>-<8 hex>
    constexpr size_t kDigitsAt = 8, kDigits = 20;
    if (shard_id.size() < kDigitsAt + kDigits) return std::optional<ShardSpan>();
    int64_t start = 0;
    const char* b = shard_id.data() + kDigitsAt;
    auto r = std::from_chars(b, b + kDigits, start);
    if (r.ec != std::errc() || r.ptr != b + kDigits || start <= origin_ms_ ||
        (start - origin_ms_) % period_ms_ != 0) {
      return std::optional<ShardSpan>();
    }
    k = static_cast<uint64_t>((start - origin_ms_) / period_ms_);
    if (id(k) != shard_id) return std::optional<ShardSpan>();
  }
  return span(k);
}

}  // namespace nimbus::services::dynamodb
