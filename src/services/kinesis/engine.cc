// The Kinesis engine: start-up and stream metadata. Records are in
// engine_records.cc.
#include "services/kinesis/engine.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <random>

#include "common/json_fields.h"
#include "services/kinesis/errors.h"
#include "storage/storage.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

constexpr char kMeta[] = "kinesis.meta";
constexpr char kStreams[] = "kinesis.streams";
constexpr char kRecords[] = "kinesis.records";

std::string random_bytes(size_t n) {
  std::random_device rd;
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rd() & 0xff);
  return out;
}

std::optional<uint64_t> stream_id_of_partition(std::string_view p) {
  uint64_t id = 0;
  auto r = std::from_chars(p.data(), p.data() + p.size(), id);
  if (r.ec != std::errc() || r.ptr == p.data() + p.size() || *r.ptr != '/') return std::nullopt;
  return id;
}

}  // namespace

KinesisOptions KinesisOptions::from(const Settings& settings) {
  KinesisOptions o;
  if (auto it = settings.service_options.find("kinesis.shard-limits");
      it != settings.service_options.end()) {
    o.shard_limits = it->second != "off";
  }
  return o;
}

Engine::Engine(Environment& env, KinesisOptions options) : env_(env), options_(options) {}

Engine::~Engine() {
  stop_timers();
}

void Engine::stop_timers() {
  MutexLock lock(trim_->mu);
  trim_->engine = nullptr;
}

// Called with the engine alive: from start(), or by the timer under trim_->mu.
void Engine::schedule_trim() {
  env_.scheduler.after(std::chrono::minutes(1), [trim = trim_] {
    MutexLock lock(trim->mu);
    if (trim->engine == nullptr) return;
    trim->engine->trim_expired();
    trim->engine->schedule_trim();
  });
}

void Engine::trim_expired() {
  std::vector<std::pair<std::string, int64_t>> cuts;
  std::vector<std::string> gone;  // partitions of shards that just expired
  {
    MutexLock lock(mu_);
    int64_t now = now_ms();
    for (const auto& [name, s] : by_name_) {
      bool changed = false;
      for (auto& sh : s->shards) {
        if (sh.expired) continue;
        if (s->expired(sh, now)) {
          sh.expired = true;
          changed = true;
          gone.push_back(s->partition(sh.index));
          continue;
        }
        cuts.emplace_back(s->partition(sh.index), now - int64_t{s->retention_hours} * 3'600'000);
      }
      if (changed) {
        persist_locked(*s, [name = s->name](Status st) {
          if (!st) spdlog::warn("kinesis: expiring shards of {}: {}", name, st.error().message);
        });
      }
    }
  }
  // Queued after the documents saying so, so committed after them.
  for (const auto& p : gone) {
    log_->remove(p, [p](Status st) {
      if (!st) spdlog::warn("kinesis: removing {}: {}", p, st.error().message);
    });
  }
  for (const auto& [partition, cutoff] : cuts) {
    log_->trim_older_than(partition, cutoff, [](Status st) {
      if (!st) spdlog::warn("kinesis: trimming: {}", st.error().message);
    });
  }
}

Status Engine::start() {
  auto log = storage::Log::open(*env_.storage, kRecords, env_.clock, env_.scheduler);
  if (!log) return log.take_error();
  log_ = std::move(*log);

  auto meta = env_.storage->records(kMeta);
  auto key = meta.get("iterator-key");
  if (!key) return key.take_error();
  if (!*key) {
    std::string fresh = random_bytes(IteratorCodec::kKeyBytes);
    storage::WriteBatch b("kinesis");
    b.put(kMeta, "iterator-key", fresh);
    if (auto st = env_.storage->commit_sync(std::move(b)); !st) return st;
    *key = std::move(fresh);
  }
  iterators_ = std::make_unique<IteratorCodec>(**key);

  {
    MutexLock timer_lock(trim_->mu);
    trim_->engine = this;
  }
  schedule_trim();

  MutexLock lock(mu_);
  auto next = meta.get("next-id");
  if (!next) return next.take_error();
  if (*next)
    std::from_chars(next->value().data(), next->value().data() + next->value().size(), next_id_);
  Status bad = Status::ok();
  std::vector<Stream> loaded;
  auto st = env_.storage->records(kStreams).each("", [&](storage::Entry& e) {
    auto doc = parse_object(e.value);
    auto s = doc ? from_document(*doc) : std::nullopt;
    if (!s) {
      bad = Error::internal("kinesis: stream " + e.key + " has an unreadable document");
      return;
    }
    loaded.push_back(std::move(*s));
  });
  for (auto& s : loaded) {
    auto ptr = std::make_shared<Stream>(std::move(s));
    next_id_ = std::max(next_id_, ptr->id + 1);
    by_id_[ptr->id] = ptr;
    by_name_[ptr->name] = ptr;
  }
  if (!st) return st;
  if (!bad) return bad;
  // Partitions of streams whose deletion was cut short by a stop.
  for (const auto& p : log_->partitions()) {
    auto id = stream_id_of_partition(p);
    if (id && by_id_.count(*id) != 0) continue;
    log_->remove(p, [p](Status st) {
      if (!st) spdlog::warn("kinesis: removing {}: {}", p, st.error().message);
    });
  }
  return Status::ok();
}

void Engine::persist_locked(const Stream& s, Done done) {
  storage::WriteBatch b("kinesis/" + s.name);
  b.put(kStreams, s.name, json::serialize(to_document(s)));
  env_.storage->commit(std::move(b), std::move(done));
}

void Engine::create(Stream stream, uint32_t shard_count, Done done) {
  MutexLock lock(mu_);
  if (by_name_.count(stream.name) != 0) {
    auto err = errors::stream_exists(stream.name, account());
    lock.unlock();
    return done(std::move(err));
  }
  stream.id = next_id_++;
  stream.created_ms = now_ms();
  uint32_t i = 0;
  for (auto [lo, hi] : split_range(0, kMaxHashKey, shard_count)) {
    Shard sh;
    sh.index = i++;
    sh.start_hash = lo;
    sh.end_hash = hi;
    sh.created_ms = stream.created_ms;
    stream.shards.push_back(sh);
  }
  stream.budgets.resize(stream.shards.size());
  auto ptr = std::make_shared<Stream>(std::move(stream));
  by_name_[ptr->name] = ptr;
  by_id_[ptr->id] = ptr;
  storage::WriteBatch b("kinesis/" + ptr->name);
  b.put(kStreams, ptr->name, json::serialize(to_document(*ptr)));
  b.put(kMeta, "next-id", std::to_string(next_id_));
  env_.storage->commit(std::move(b), std::move(done));
}

void Engine::remove(const std::string& name, Done done) {
  MutexLock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    auto err = errors::stream_not_found(name, account());
    lock.unlock();
    return done(std::move(err));
  }
  auto s = it->second;
  by_name_.erase(it);
  by_id_.erase(s->id);
  deleted_[s->id] = s->name;
  storage::WriteBatch b("kinesis/" + name);
  b.del(kStreams, name);
  env_.storage->commit(std::move(b), std::move(done));
  // Queued after the deletion, so committed after it (start() finishes the
  // job if the server stops in between).
  for (const auto& sh : s->shards) log_->remove(s->partition(sh.index), [](Status) {});
}

void Engine::update(const std::string& name, const Change& change, Done done) {
  MutexLock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    auto err = errors::stream_not_found(name, account());
    lock.unlock();
    return done(std::move(err));
  }
  Stream next = *it->second;
  if (auto st = change(next); !st) {
    lock.unlock();
    return done(std::move(st));
  }
  next.budgets.resize(next.shards.size());
  *it->second = std::move(next);
  persist_locked(*it->second, std::move(done));
}

std::optional<Stream> Engine::find(const std::string& name) const {
  MutexLock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return *it->second;
}

std::vector<Stream> Engine::list() const {
  MutexLock lock(mu_);
  std::vector<Stream> out;
  out.reserve(by_name_.size());
  for (const auto& [name, s] : by_name_) out.push_back(*s);
  return out;
}

size_t Engine::open_shards() const {
  MutexLock lock(mu_);
  size_t n = 0;
  for (const auto& [name, s] : by_name_) n += s->open_shards();
  return n;
}

uint64_t Engine::next_seq(const Stream& s, uint32_t shard) const {
  auto info = log_->info(s.partition(shard));
  return info ? info->next_seq : 1;
}

}  // namespace nimbus::services::kinesis
