// AlarmStore (alarm_store.h): alarms and history, durable and in memory.
#include "services/cloudwatch/alarm_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/json_fields.h"
#include "storage/key_codec.h"
#include "storage/records.h"
#include "storage/storage.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

constexpr const char* kAlarms = "cloudwatch.alarms";
constexpr const char* kHistory = "cloudwatch.history";
constexpr const char* kPartition = "cloudwatch:alarms";
constexpr int64_t kHistoryMs = 30LL * 24 * 3600 * 1000;

std::string alarm_key(const std::string& name) {
  storage::KeyBuilder b;
  b.str(name);
  return std::move(b).bytes();
}

std::string encode_item(const HistoryItem& h) {
  return json::serialize(json::object{{"AlarmName", h.alarm},
                                      {"HistoryItemType", h.type},
                                      {"HistorySummary", h.summary},
                                      {"HistoryData", h.data}});
}

bool before(const HistoryItem& a, const HistoryItem& b) {
  return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
}

}  // namespace

AlarmStore::AlarmStore(Environment& env) : env_(env) {}

AlarmStore::~AlarmStore() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return in_flight_ == 0; });
}

Status AlarmStore::recover() {
  size_t bad = 0;
  std::lock_guard lock(mu_);
  Status st = env_.storage->records(kAlarms).each("", [&](storage::Entry& e) {
    auto a = decode_alarm(e.value);
    if (!a) {
      ++bad;
      return;
    }
    alarms_[a->name] = std::move(*a);
  });
  if (!st) return st;
  const int64_t cutoff = env_.clock.now_millis() - kHistoryMs;
  storage::WriteBatch expired(kPartition);
  st = env_.storage->records(kHistory).each("", [&](storage::Entry& e) {
    int64_t ms = 0;
    uint64_t seq = 0;
    auto o = parse_object(e.value);
    if (!storage::decode_key(e.key, ms, seq) || !o) {
      ++bad;
      return;
    }
    next_seq_ = std::max(next_seq_, seq + 1);
    if (ms < cutoff) {
      expired.del(kHistory, e.key);
      return;
    }
    history_.push_back({str(*o, "AlarmName"), ms, seq, str(*o, "HistoryItemType"),
                        str(*o, "HistorySummary"), str(*o, "HistoryData")});
  });
  if (!st) return st;
  if (bad > 0) spdlog::warn("cloudwatch: skipped {} unreadable stored alarm records", bad);
  std::sort(history_.begin(), history_.end(), before);
  if (!expired.empty()) return env_.storage->commit_sync(std::move(expired));
  return Status::ok();
}

std::optional<Alarm> AlarmStore::get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = alarms_.find(name);
  if (it == alarms_.end()) return std::nullopt;
  return it->second;
}

std::vector<Alarm> AlarmStore::list() const {
  std::vector<Alarm> out;
  std::lock_guard lock(mu_);
  out.reserve(alarms_.size());
  for (const auto& [name, a] : alarms_) out.push_back(a);
  return out;
}

void AlarmStore::history_locked(storage::WriteBatch& batch, std::vector<HistoryItem>& history) {
  for (auto& h : history) {
    h.seq = next_seq_++;
    batch.put(kHistory, storage::encode_key(h.ms, h.seq), encode_item(h));
    // Items come in time order but a clock may step back: keep the order.
    auto at = std::upper_bound(history_.begin(), history_.end(), h, before);
    history_.insert(at, h);
  }
}

// Called without the lock, after the caller counted the commit in
// in_flight_ (a commit may answer inline).
void AlarmStore::commit(storage::WriteBatch batch, Done done) {
  env_.storage->commit(std::move(batch), [this, done = std::move(done)](Status st) {
    if (!st) spdlog::error("cloudwatch: an alarm change was not stored: {}", st.error().message);
    done(std::move(st));
    std::lock_guard lock(mu_);
    if (--in_flight_ == 0) idle_.notify_all();
  });
}

void AlarmStore::put(Alarm alarm, std::vector<HistoryItem> history, Done done) {
  storage::WriteBatch batch(kPartition);
  {
    std::lock_guard lock(mu_);
    batch.put(kAlarms, alarm_key(alarm.name), encode_alarm(alarm));
    history_locked(batch, history);
    std::string name = alarm.name;
    alarms_[name] = std::move(alarm);
    ++in_flight_;
  }
  commit(std::move(batch), std::move(done));
}

std::optional<Alarm> AlarmStore::edit(const std::string& name, const Edit& e, Done done) {
  storage::WriteBatch batch(kPartition);
  std::vector<HistoryItem> history;
  std::unique_lock lock(mu_);
  auto it = alarms_.find(name);
  if (it == alarms_.end()) return std::nullopt;
  Alarm after = it->second;
  if (!e(after, history)) {
    lock.unlock();
    done(Status::ok());
    return after;
  }
  batch.put(kAlarms, alarm_key(name), encode_alarm(after));
  history_locked(batch, history);
  it->second = after;
  ++in_flight_;
  lock.unlock();
  commit(std::move(batch), std::move(done));
  return after;
}

void AlarmStore::remove(const std::vector<std::string>& names, std::vector<HistoryItem> history,
                        Done done) {
  storage::WriteBatch batch(kPartition);
  {
    std::lock_guard lock(mu_);
    for (const auto& n : names) {
      batch.del(kAlarms, alarm_key(n));
      alarms_.erase(n);
    }
    history_locked(batch, history);
    ++in_flight_;
  }
  commit(std::move(batch), std::move(done));
}

void AlarmStore::add_history(std::vector<HistoryItem> history, Done done) {
  storage::WriteBatch batch(kPartition);
  {
    std::lock_guard lock(mu_);
    history_locked(batch, history);
    ++in_flight_;
  }
  commit(std::move(batch), std::move(done));
}

std::vector<HistoryItem> AlarmStore::history(const std::string& alarm, int64_t from_ms,
                                             int64_t to_ms, bool ascending) const {
  std::vector<HistoryItem> out;
  std::lock_guard lock(mu_);
  for (const auto& h : history_) {
    if (h.ms < from_ms || h.ms >= to_ms) continue;
    if (!alarm.empty() && h.alarm != alarm) continue;
    out.push_back(h);
  }
  if (!ascending) std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace nimbus::services::cloudwatch
