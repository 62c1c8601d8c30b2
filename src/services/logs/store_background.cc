// LogStore: start-up recovery, reads, and the background work (deleting the
// events of deleted streams, retention sweeps).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>

#include "common/json_fields.h"
#include "services/logs/codec.h"
#include "services/logs/store.h"
#include "storage/storage.h"

namespace nimbus::services::logs {

namespace json = boost::json;

namespace {

constexpr auto kSweepEvery = std::chrono::minutes(10);
constexpr size_t kDeleteChunk = 1000;

int64_t num(const json::object& o, const char* key, int64_t fallback) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return fallback;
}

}  // namespace

LogStore::LogStore(Environment& env) : env_(env) {}

LogStore::~LogStore() {
  {
    std::unique_lock lock(mu_);
    if (!in_flight_ && !pending_.empty()) flush_locked();
    idle_.wait(lock, [&] { return !in_flight_; });
  }
  gate_->close();
}

Status LogStore::recover() {
  auto* st = env_.storage;
  if (st == nullptr) return Status::ok();
  auto meta = st->records(codec::kMeta).get("next_id");
  if (!meta) return meta.status();
  std::lock_guard lock(mu_);
  if (*meta) {
    uint64_t n = 1;
    const auto& s = **meta;
    std::from_chars(s.data(), s.data() + s.size(), n);
    next_id_ = n;
  }
  std::map<uint64_t, GroupInfo*> by_id;
  auto groups = st->records(codec::kGroups).scan("", SIZE_MAX);
  if (!groups) return groups.status();
  for (auto& e : *groups) {
    auto v = parse_object(e.value);
    if (!v) return Error::internal("logs: stored log group " + e.key + " is not a JSON object");
    GroupInfo g;
    g.id = static_cast<uint64_t>(num(*v, "id", 0));
    g.name = e.key;
    g.created_ms = num(*v, "created", 0);
    if (v->contains("retention")) g.retention_days = static_cast<int>(num(*v, "retention", 0));
    if (const auto* tags = v->if_contains("tags"); tags != nullptr && tags->is_object()) {
      for (const auto& [k, x] : tags->as_object()) {
        if (x.is_string()) g.tags[k] = std::string(x.as_string());
      }
    }
    auto& slot = groups_[g.name];
    slot = std::move(g);
    by_id[slot.id] = &slot;
  }
  auto streams = st->records(codec::kStreams).scan("", SIZE_MAX);
  if (!streams) return streams.status();
  for (auto& e : *streams) {
    auto key = codec::decode_stream_key(e.key);
    if (!key) continue;
    auto g = by_id.find(key->gid);
    if (g == by_id.end()) continue;
    auto v = parse_object(e.value);
    if (!v) {
      return Error::internal("logs: stored log stream " + std::string(key->name) +
                             " is not a JSON object");
    }
    StreamInfo s;
    s.id = static_cast<uint64_t>(num(*v, "id", 0));
    s.name = std::string(key->name);
    s.created_ms = num(*v, "created", 0);
    s.first_event_ms = num(*v, "first", -1);
    s.last_event_ms = num(*v, "last", -1);
    s.last_ingestion_ms = num(*v, "ingest", -1);
    s.stored_bytes = num(*v, "bytes", 0);
    s.next_seq = static_cast<uint64_t>(num(*v, "seq", 1));
    g->second->streams[s.name] = std::move(s);
  }
  auto purges = st->records(codec::kPurge).scan("", SIZE_MAX);
  if (!purges) return purges.status();
  for (auto& e : *purges) {
    if (auto sid = codec::decode_stream_id_key(e.key)) purge_in_background(*sid);
  }
  schedule_sweep();
  return Status::ok();
}

Result<std::vector<StoredEvent>> LogStore::read(uint64_t sid, int64_t after_ts, uint64_t after_seq,
                                                int64_t end_ms, size_t limit) const {
  std::vector<StoredEvent> out;
  if (env_.storage == nullptr) return out;
  std::string prefix = codec::stream_id_key(sid);
  std::string after = after_ts < 0 ? std::string() : codec::event_key(sid, after_ts, after_seq);
  auto rows = env_.storage->records(codec::kEvents).scan(prefix, limit, after);
  if (!rows) return rows.take_error();
  for (auto& r : *rows) {
    auto key = codec::decode_event_key(r.key);
    auto value = codec::decode_event_value(r.value);
    if (!key || !value) continue;
    StoredEvent e;
    e.timestamp_ms = key->timestamp_ms;
    if (e.timestamp_ms >= end_ms) break;
    e.seq = key->seq;
    e.ingestion_ms = value->ingestion_ms;
    e.message = std::string(value->message);
    out.push_back(std::move(e));
  }
  return out;
}

void LogStore::purge_in_background(uint64_t sid) {
  auto in = gate_->hold();
  if (!in) return;
  env_.workers.post([this, sid, in] { purge(sid); });
}

// Deletes every event of stream `sid`, then its purge marker.
void LogStore::purge(uint64_t sid) {
  auto* st = env_.storage;
  std::string prefix = codec::stream_id_key(sid);
  while (true) {
    auto rows = st->records(codec::kEvents).scan(prefix, kDeleteChunk);
    if (!rows) return;
    storage::WriteBatch batch;
    for (auto& r : *rows) batch.del(codec::kEvents, r.key);
    if (rows->size() < kDeleteChunk) batch.del(codec::kPurge, prefix);
    if (!st->commit_sync(std::move(batch))) return;
    if (rows->size() < kDeleteChunk) return;
  }
}

void LogStore::stop_timers() {
  MutexLock lock(timers_mu_);
  timers_stopped_ = true;
}

void LogStore::schedule_sweep() {
  // Under timers_mu_, so stop_timers() cannot let the Scheduler go between
  // the check and the call. The timer enters the gate when it fires: the
  // store may be gone by then (it cannot be cancelled once the Scheduler is).
  MutexLock lock(timers_mu_);
  if (timers_stopped_ || gate_->closed()) return;
  env_.scheduler.after(std::chrono::duration_cast<std::chrono::milliseconds>(kSweepEvery),
                       [this, gate = gate_] {
                         auto in = gate->hold();
                         if (!in) return;
                         env_.workers.post([this, in] {
                           sweep_retention();
                           schedule_sweep();
                         });
                       });
}

void LogStore::sweep_retention() {
  auto* st = env_.storage;
  if (st == nullptr) return;
  for (const auto& summary : list_groups()) {
    if (!summary.retention_days) continue;
    auto g = group(summary.name);
    if (!g) continue;
    int64_t cutoff = retention_cutoff(*g);
    for (const auto& [_, s] : g->streams) {
      if (s.first_event_ms < 0 || s.first_event_ms >= cutoff) continue;
      std::string prefix = codec::stream_id_key(s.id);
      while (true) {
        auto rows = st->records(codec::kEvents).scan(prefix, kDeleteChunk);
        if (!rows || rows->empty()) break;
        storage::WriteBatch batch;
        bool reached = false;
        for (auto& r : *rows) {
          auto key = codec::decode_event_key(r.key);
          if (key && key->timestamp_ms >= cutoff) {
            reached = true;
            break;
          }
          batch.del(codec::kEvents, r.key);
        }
        if (!batch.empty() && !st->commit_sync(std::move(batch))) break;
        if (reached || rows->size() < kDeleteChunk) break;
      }
    }
  }
}

}  // namespace nimbus::services::logs
