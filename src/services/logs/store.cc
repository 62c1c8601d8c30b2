// LogStore: metadata and the write path (one pending batch, group commit).
// Recovery, reads and background deletion are in store_background.cc.
#include "services/logs/store.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "services/logs/codec.h"
#include "services/logs/errors.h"
#include "storage/storage.h"

namespace nimbus::services::logs {

namespace json = boost::json;

constexpr size_t kMaxTags = 50;

void LogStore::put_next_id_locked() {
  pending_.put(codec::kMeta, "next_id", std::to_string(next_id_));
}

void LogStore::put_group_locked(const GroupInfo& g) {
  json::object o{{"id", g.id}, {"created", g.created_ms}};
  if (g.retention_days) o["retention"] = *g.retention_days;
  if (!g.tags.empty()) {
    json::object tags;
    for (const auto& [k, v] : g.tags) tags[k] = v;
    o["tags"] = std::move(tags);
  }
  pending_.put(codec::kGroups, g.name, json::serialize(o));
}

void LogStore::put_stream_locked(const GroupInfo& g, const StreamInfo& s) {
  json::object o{{"id", s.id},
                 {"created", s.created_ms},
                 {"first", s.first_event_ms},
                 {"last", s.last_event_ms},
                 {"ingest", s.last_ingestion_ms},
                 {"bytes", s.stored_bytes},
                 {"seq", s.next_seq}};
  pending_.put(codec::kStreams, codec::stream_key(g.id, s.name), json::serialize(o));
}

void LogStore::forget_stream_locked(const GroupInfo& g, const StreamInfo& s) {
  pending_.del(codec::kStreams, codec::stream_key(g.id, s.name));
  pending_.put(codec::kPurge, codec::stream_id_key(s.id), "");
  pending_purges_.push_back(s.id);
  dirty_.erase({g.name, s.name});
}

void LogStore::queue_locked(Done done, bool sync) {
  pending_done_.push_back(std::move(done));
  pending_sync_ = pending_sync_ || sync;
  if (!in_flight_) flush_locked();
}

void LogStore::flush_locked() {
  for (const auto& [gname, sname] : dirty_) {
    auto g = groups_.find(gname);
    if (g == groups_.end()) continue;
    auto s = g->second.streams.find(sname);
    if (s != g->second.streams.end()) put_stream_locked(g->second, s->second);
  }
  dirty_.clear();
  if (pending_.empty()) {
    pending_sync_ = false;
    auto done = std::move(pending_done_);
    pending_done_.clear();
    for (auto& d : done) d(Status::ok());
    return;
  }
  in_flight_ = true;
  auto batch = std::move(pending_);
  pending_ = storage::WriteBatch();
  if (!pending_sync_) batch.defer_sync();
  pending_sync_ = false;
  auto done = std::make_shared<std::vector<Done>>(std::move(pending_done_));
  pending_done_.clear();
  auto purges = std::make_shared<std::vector<uint64_t>>(std::move(pending_purges_));
  pending_purges_.clear();
  env_.storage->commit(std::move(batch), [this, done, purges](Status st) {
    if (!st) spdlog::error("logs: a write failed: {}", st.error().message);
    for (auto& d : *done) d(st);
    if (st) {
      for (uint64_t sid : *purges) purge_in_background(sid);
    }
    std::lock_guard lock(mu_);
    in_flight_ = false;
    if (!pending_.empty() || !pending_done_.empty() || !dirty_.empty()) flush_locked();
    idle_.notify_all();
  });
}

size_t LogStore::pending_bytes() const {
  std::lock_guard lock(mu_);
  return pending_.bytes();
}

void LogStore::create_group(const std::string& name, std::map<std::string, std::string> tags,
                            Done done) {
  std::lock_guard lock(mu_);
  if (groups_.count(name)) return done(errors::group_exists());
  GroupInfo g;
  g.id = next_id_++;
  g.name = name;
  g.tags = std::move(tags);
  g.created_ms = env_.clock.now_millis();
  put_next_id_locked();
  put_group_locked(g);
  groups_.emplace(name, std::move(g));
  queue_locked(std::move(done));
}

void LogStore::delete_group(const std::string& name, Done done) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(name);
  if (it == groups_.end()) return done(errors::group_not_found());
  for (const auto& [_, s] : it->second.streams) forget_stream_locked(it->second, s);
  pending_.del(codec::kGroups, name);
  groups_.erase(it);
  queue_locked(std::move(done));
}

void LogStore::create_stream(const std::string& group, const std::string& stream, Done done) {
  std::lock_guard lock(mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return done(errors::group_not_found());
  if (g->second.streams.count(stream)) return done(errors::stream_exists());
  StreamInfo s;
  s.id = next_id_++;
  s.name = stream;
  s.created_ms = env_.clock.now_millis();
  put_next_id_locked();
  put_stream_locked(g->second, s);
  g->second.streams.emplace(stream, std::move(s));
  queue_locked(std::move(done));
}

void LogStore::delete_stream(const std::string& group, const std::string& stream, Done done) {
  std::lock_guard lock(mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return done(errors::group_not_found());
  auto s = g->second.streams.find(stream);
  if (s == g->second.streams.end()) return done(errors::stream_not_found());
  forget_stream_locked(g->second, s->second);
  g->second.streams.erase(s);
  queue_locked(std::move(done));
}

void LogStore::set_retention(const std::string& group, std::optional<int> days, Done done) {
  std::lock_guard lock(mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return done(errors::group_not_found());
  g->second.retention_days = days;
  put_group_locked(g->second);
  queue_locked(std::move(done));
}

void LogStore::retag(const std::string& group, const std::map<std::string, std::string>& add,
                     const std::vector<std::string>& remove, Done done) {
  std::lock_guard lock(mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return done(errors::group_not_found());
  auto tags = g->second.tags;
  for (const auto& [k, v] : add) tags[k] = v;
  for (const auto& k : remove) tags.erase(k);
  if (tags.size() > kMaxTags) return done(errors::too_many_tags());
  g->second.tags = std::move(tags);
  put_group_locked(g->second);
  queue_locked(std::move(done));
}

void LogStore::append(const std::string& group, const std::string& stream,
                      std::vector<LogEvent> events, Appender appender, Done done,
                      std::string* token) {
  std::lock_guard lock(mu_);
  const bool create_missing = appender == Appender::kWriter;
  int64_t now = env_.clock.now_millis();
  auto g = groups_.find(group);
  if (g == groups_.end()) {
    if (!create_missing) return done(errors::group_not_found());
    GroupInfo info;
    info.id = next_id_++;
    info.name = group;
    info.created_ms = now;
    put_next_id_locked();
    put_group_locked(info);
    g = groups_.emplace(group, std::move(info)).first;
  }
  auto s = g->second.streams.find(stream);
  if (s == g->second.streams.end()) {
    if (!create_missing) return done(errors::stream_not_found());
    StreamInfo info;
    info.id = next_id_++;
    info.name = stream;
    info.created_ms = now;
    put_next_id_locked();
    s = g->second.streams.emplace(stream, std::move(info)).first;
  }
  StreamInfo& si = s->second;
  for (const auto& e : events) {
    pending_.put(codec::kEvents, codec::event_key(si.id, e.timestamp_ms, si.next_seq++),
                 codec::event_value(now, e.message));
    if (si.first_event_ms < 0 || e.timestamp_ms < si.first_event_ms) {
      si.first_event_ms = e.timestamp_ms;
    }
    si.last_event_ms = std::max(si.last_event_ms, e.timestamp_ms);
    si.stored_bytes += static_cast<int64_t>(e.message.size());
  }
  if (!events.empty()) si.last_ingestion_ms = now;
  if (token) *token = std::to_string(si.next_seq);
  dirty_.insert({group, stream});
  queue_locked(std::move(done), appender == Appender::kApi);
}

std::vector<GroupInfo> LogStore::list_groups() const {
  std::lock_guard lock(mu_);
  std::vector<GroupInfo> out;
  out.reserve(groups_.size());
  for (const auto& [_, g] : groups_) {
    GroupInfo copy;
    copy.id = g.id;
    copy.name = g.name;
    copy.created_ms = g.created_ms;
    copy.retention_days = g.retention_days;
    for (const auto& [__, s] : g.streams) copy.stored_bytes += s.stored_bytes;
    out.push_back(std::move(copy));
  }
  return out;
}

std::optional<GroupInfo> LogStore::group(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = groups_.find(name);
  if (it == groups_.end()) return std::nullopt;
  GroupInfo copy = it->second;
  for (const auto& [_, s] : copy.streams) copy.stored_bytes += s.stored_bytes;
  return copy;
}

int64_t LogStore::retention_cutoff(const GroupInfo& g) const {
  if (!g.retention_days) return 0;
  return std::max<int64_t>(0, env_.clock.now_millis() - int64_t{*g.retention_days} * 86'400'000);
}

}  // namespace nimbus::services::logs
