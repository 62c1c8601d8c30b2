#include "services/events/archive.h"

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <future>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "storage/key_codec.h"
#include "storage/records.h"
#include "storage/storage.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

constexpr std::string_view kArchiveStoreNs = "events";
constexpr std::string_view kEventsNs = "events.archive";

std::string archive_key(std::string_view name) {
  return storage::encode_key(std::string_view("a"), name);
}
std::string replay_key(std::string_view name) {
  return storage::encode_key(std::string_view("p"), name);
}
std::string event_key(std::string_view archive, int64_t time_ms, std::string_view id) {
  return storage::encode_key(archive, static_cast<uint64_t>(time_ms), id);
}

std::string encode(const Archive& a) {
  return json::serialize(json::object{{"name", a.name},
                                      {"arn", a.arn},
                                      {"bus", a.bus},
                                      {"source", a.source_arn},
                                      {"description", a.description},
                                      {"pattern", a.pattern_text},
                                      {"retention", a.retention_days},
                                      {"created", a.created_s},
                                      {"count", a.event_count},
                                      {"bytes", a.size_bytes}});
}

std::optional<Archive> decode_archive(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "name").empty()) return std::nullopt;
  Archive a;
  a.name = str(*o, "name");
  a.arn = str(*o, "arn");
  a.bus = str(*o, "bus");
  a.source_arn = str(*o, "source");
  a.description = str(*o, "description");
  a.pattern_text = str(*o, "pattern");
  a.retention_days = integer(*o, "retention").value_or(0);
  a.created_s = integer(*o, "created").value_or(0);
  a.event_count = integer(*o, "count").value_or(0);
  a.size_bytes = integer(*o, "bytes").value_or(0);
  if (!a.pattern_text.empty()) {
    auto p = ::nimbus::events::EventPattern::parse(a.pattern_text);
    if (!p) return std::nullopt;
    a.pattern = std::move(*p);
  }
  return a;
}

std::string encode(const Replay& r) {
  json::array filters;
  for (const auto& f : r.filter_arns) filters.push_back(json::string(f));
  return json::serialize(json::object{{"name", r.name},
                                      {"arn", r.arn},
                                      {"description", r.description},
                                      {"archive", r.archive},
                                      {"source", r.source_arn},
                                      {"destination", r.destination_arn},
                                      {"filters", std::move(filters)},
                                      {"from", r.event_start_ms},
                                      {"to", r.event_end_ms},
                                      {"state", r.state},
                                      {"reason", r.reason},
                                      {"started", r.started_ms},
                                      {"ended", r.ended_ms},
                                      {"last", r.last_replayed_ms},
                                      // A storage key (binary): base64, so the
                                      // record stays valid JSON.
                                      {"cursor64", base64_encode(r.cursor)}});
}

std::optional<Replay> decode_replay(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "name").empty()) return std::nullopt;
  Replay r;
  r.name = str(*o, "name");
  r.arn = str(*o, "arn");
  r.description = str(*o, "description");
  r.archive = str(*o, "archive");
  r.source_arn = str(*o, "source");
  r.destination_arn = str(*o, "destination");
  r.filter_arns = string_list(*o, "filters");
  r.event_start_ms = integer(*o, "from").value_or(0);
  r.event_end_ms = integer(*o, "to").value_or(0);
  r.state = str(*o, "state");
  r.reason = str(*o, "reason");
  r.started_ms = integer(*o, "started").value_or(0);
  r.ended_ms = integer(*o, "ended").value_or(0);
  r.last_replayed_ms = integer(*o, "last").value_or(0);
  auto cursor = base64_decode(str(*o, "cursor64"));
  if (!cursor) return std::nullopt;
  r.cursor = std::move(*cursor);
  return r;
}

}  // namespace

int64_t event_time_ms(const json::value& event) {
  if (!event.is_object()) return 0;
  std::string t = str(event.as_object(), "time");
  std::tm tm{};
  char z = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z') {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

Status Archives::start() {
  auto records = env_.storage->records(std::string(kArchiveStoreNs));
  Status bad = Status::ok();
  auto st = records.each(storage::encode_key(std::string_view("a")), [&](storage::Entry& e) {
    auto a = decode_archive(e.value);
    if (!a) {
      bad = Error::internal("events: malformed archive record");
      return;
    }
    std::string name = a->name;
    MutexLock lock(mu_);
    archives_[name] = std::move(*a);
  });
  if (!st) return st;
  st = records.each(storage::encode_key(std::string_view("p")), [&](storage::Entry& e) {
    auto r = decode_replay(e.value);
    if (!r) {
      bad = Error::internal("events: malformed replay record");
      return;
    }
    std::string name = r->name;
    MutexLock lock(mu_);
    replays_[name] = std::move(*r);
  });
  if (!st) return st;
  return bad;
}

std::optional<Archive> Archives::archive(std::string_view name) const {
  MutexLock lock(mu_);
  auto it = archives_.find(name);
  if (it == archives_.end()) return std::nullopt;
  return it->second;
}

std::vector<Archive> Archives::archives() const {
  MutexLock lock(mu_);
  std::vector<Archive> out;
  for (const auto& [_, a] : archives_) out.push_back(a);
  return out;
}

void Archives::store_locked(const Archive& a, Done done) {
  storage::WriteBatch batch(a.bus);
  batch.put(kArchiveStoreNs, archive_key(a.name), encode(a));
  env_.storage->commit(std::move(batch), std::move(done));
}

void Archives::put(Archive a, Done done) {
  MutexLock lock(mu_);
  if (auto it = archives_.find(a.name); it != archives_.end()) {
    a.event_count = it->second.event_count;
    a.size_bytes = it->second.size_bytes;
  }
  archives_[a.name] = a;
  store_locked(a, std::move(done));
}

void Archives::remove(const std::string& name, Done done) {
  MutexLock lock(mu_);
  auto it = archives_.find(name);
  if (it == archives_.end()) return done(Status::ok());
  storage::WriteBatch batch(it->second.bus);
  batch.del(kArchiveStoreNs, archive_key(name));
  batch.del_range(kEventsNs, storage::encode_key(std::string_view(name)),
                  storage::encode_key(std::string_view(name), ~uint64_t{0}));
  archives_.erase(it);
  env_.storage->commit(std::move(batch), std::move(done));
}

void Archives::record(std::string_view bus, const json::value& event, Done done) {
  if (!event.is_object() || event.as_object().contains("replay-name")) return done(Status::ok());
  std::string text;
  storage::WriteBatch batch{std::string(bus)};
  MutexLock lock(mu_);
  for (auto& [name, a] : archives_) {
    if (a.bus != bus || (a.pattern && !a.pattern->matches(event))) continue;
    if (text.empty()) text = json::serialize(event);
    batch.put(kEventsNs, event_key(name, event_time_ms(event), str(event.as_object(), "id")), text);
    a.event_count += 1;
    a.size_bytes += static_cast<int64_t>(text.size());
    batch.put(kArchiveStoreNs, archive_key(name), encode(a));
  }
  if (batch.empty()) return done(Status::ok());
  env_.storage->commit(std::move(batch), std::move(done));
}

Result<std::vector<ArchivedEvent>> Archives::read(const std::string& archive, int64_t from_ms,
                                                  int64_t to_ms, const std::string& after,
                                                  size_t limit) const {
  auto records = env_.storage->records(std::string(kEventsNs));
  std::string prefix = storage::encode_key(std::string_view(archive));
  // Keys of events at from_ms sort after this one: it is their prefix.
  std::string start =
      after.empty() ? storage::encode_key(std::string_view(archive), static_cast<uint64_t>(from_ms))
                    : after;
  if (after.empty() && from_ms == 0) start.clear();
  auto page = records.scan(prefix, limit, start);
  if (!page) return page.take_error();
  std::vector<ArchivedEvent> out;
  for (auto& e : *page) {
    std::string name, id;
    uint64_t time = 0;
    if (!storage::decode_key(e.key, name, time, id)) continue;
    if (static_cast<int64_t>(time) < from_ms) continue;
    if (static_cast<int64_t>(time) >= to_ms) break;
    out.push_back(ArchivedEvent{std::move(e.key), static_cast<int64_t>(time), std::move(e.value)});
  }
  return out;
}

Status Archives::sweep(int64_t now_ms) {
  auto records = env_.storage->records(std::string(kEventsNs));
  for (const auto& a : archives()) {
    if (a.retention_days <= 0) continue;
    int64_t cutoff = now_ms - a.retention_days * 86'400'000;
    std::string prefix = storage::encode_key(std::string_view(a.name));
    for (;;) {
      auto page = records.scan(prefix, 500, "");
      if (!page) return page.take_error();
      storage::WriteBatch batch(a.bus);
      int64_t count = 0;
      int64_t bytes = 0;
      for (const auto& e : *page) {
        std::string name, id;
        uint64_t time = 0;
        if (!storage::decode_key(e.key, name, time, id) || static_cast<int64_t>(time) >= cutoff) {
          break;
        }
        batch.del(kEventsNs, e.key);
        count += 1;
        bytes += static_cast<int64_t>(e.value.size());
      }
      if (count == 0) break;
      std::promise<Status> committed;
      {
        // Committed under the lock, as record() commits: the counters stored
        // last are the newest.
        MutexLock lock(mu_);
        auto it = archives_.find(a.name);
        if (it == archives_.end()) break;
        it->second.event_count = std::max<int64_t>(0, it->second.event_count - count);
        it->second.size_bytes = std::max<int64_t>(0, it->second.size_bytes - bytes);
        batch.put(kArchiveStoreNs, archive_key(a.name), encode(it->second));
        env_.storage->commit(std::move(batch),
                             [&committed](Status st) { committed.set_value(std::move(st)); });
      }
      if (auto st = committed.get_future().get(); !st) return st;
      if (static_cast<size_t>(count) < page->size()) break;
    }
  }
  return Status::ok();
}

std::optional<Replay> Archives::replay(std::string_view name) const {
  MutexLock lock(mu_);
  auto it = replays_.find(name);
  if (it == replays_.end()) return std::nullopt;
  return it->second;
}

std::vector<Replay> Archives::replays() const {
  MutexLock lock(mu_);
  std::vector<Replay> out;
  for (const auto& [_, r] : replays_) out.push_back(r);
  return out;
}

void Archives::put_replay(Replay r, Done done) {
  MutexLock lock(mu_);
  if (auto it = replays_.find(r.name);
      it != replays_.end() && it->second.state == "CANCELLING" && r.state == "RUNNING") {
    r.state = "CANCELLING";
  }
  storage::WriteBatch batch(r.name);
  batch.put(kArchiveStoreNs, replay_key(r.name), encode(r));
  replays_[r.name] = std::move(r);
  env_.storage->commit(std::move(batch), std::move(done));
}

}  // namespace nimbus::services::eventbridge
