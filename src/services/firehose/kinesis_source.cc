#include "services/firehose/kinesis_source.h"

#include <spdlog/spdlog.h>

#include "storage/storage.h"

namespace nimbus::services::firehose {

namespace {

constexpr const char* kNs = "firehose.sources";
constexpr const char* kEnded = "END";
constexpr size_t kReadRecords = 500;
constexpr size_t kReadBytes = 4 * 1024 * 1024;
constexpr auto kRetry = std::chrono::seconds(1);
constexpr auto kIdleWait = std::chrono::seconds(60);

}  // namespace

KinesisSource::KinesisSource(Deps deps, std::string name, std::string stream_arn, int64_t from_ms)
    : deps_(std::move(deps)),
      name_(std::move(name)),
      arn_(std::move(stream_arn)),
      from_ms_(from_ms) {}

void KinesisSource::forget(storage::Storage& storage, const std::string& name) {
  storage::WriteBatch batch;
  auto st =
      storage.records(kNs).each(name + "/", [&](storage::Entry& e) { batch.del(kNs, e.key); });
  if (!st) spdlog::warn("firehose: forgetting positions of {}: {}", name, st.error().message);
  storage.commit(std::move(batch), [](Status) {});
}

bool KinesisSource::stopped() const {
  MutexLock lock(mu_);
  return stopped_;
}

void KinesisSource::stop() {
  MutexLock lock(mu_);
  stopped_ = true;
}

void KinesisSource::start() {
  std::string prefix = name_ + "/";
  auto st = deps_.env.storage->records(kNs).each(prefix, [&](storage::Entry& e) {
    MutexLock lock(mu_);
    std::string shard = e.key.substr(prefix.size());
    if (e.value == kEnded) {
      ended_.insert(shard);
    } else {
      positions_[shard] = e.value;
    }
  });
  if (!st) spdlog::error("firehose: reading positions of {}: {}", name_, st.error().message);
  discover();
}

// Opens every shard whose parents are read to their end (or gone).
void KinesisSource::discover() {
  if (stopped()) return;
  std::optional<std::vector<events::ShardInfo>> shards;
  deps_.env.targets.with_stream_source(arn_,
                                       [&](events::StreamSource& s) { shards = s.shards(arn_); });
  if (!shards) {
    deps_.env.scheduler.after(kRetry, [self = shared_from_this(), gate = deps_.gate] {
      if (auto h = gate->hold()) self->discover();
    });
    return;
  }
  std::set<std::string> present;
  for (const auto& s : *shards) present.insert(s.shard_id);
  for (const auto& s : *shards) {
    bool ready = true, child = false, known = false;
    {
      MutexLock lock(mu_);
      if (ended_.contains(s.shard_id) || active_.contains(s.shard_id)) continue;
      known = positions_.contains(s.shard_id);
      for (const auto& p : {s.parent_shard_id, s.adjacent_parent_shard_id}) {
        if (p.empty() || !present.contains(p)) continue;
        child = true;
        if (!ended_.contains(p)) ready = false;
      }
      if (!ready) continue;
      active_.insert(s.shard_id);  // one chain of reads per shard
    }
    if (known) {
      poll(s.shard_id);
    } else {
      open(s.shard_id, child);
    }
  }
}

// A shard without a position: resolve where it starts, store it, read.
void KinesisSource::open(const std::string& shard, bool child) {
  Result<std::string> from = Error::internal("no stream source");
  deps_.env.targets.with_stream_source(arn_, [&](events::StreamSource& s) {
    from = s.start(
        arn_, shard,
        child ? events::StartingPosition::kTrimHorizon : events::StartingPosition::kAtTimestamp,
        from_ms_);
  });
  if (!from) {
    deps_.env.scheduler.after(kRetry, [self = shared_from_this(), gate = deps_.gate, shard, child] {
      if (auto h = gate->hold()) self->open(shard, child);
    });
    return;
  }
  {
    MutexLock lock(mu_);
    if (!positions_.emplace(shard, *from).second) return;  // opened meanwhile
  }
  storage::WriteBatch batch;
  batch.put(kNs, key(shard), *from);
  deps_.env.storage->commit(std::move(batch),
                            [self = shared_from_this(), gate = deps_.gate, shard](Status) {
                              if (auto h = gate->hold()) self->poll(shard);
                            });
}

void KinesisSource::poll(const std::string& shard) {
  if (stopped()) return;
  deps_.env.workers.post([self = shared_from_this(), gate = deps_.gate, shard] {
    if (auto h = gate->hold()) self->read(shard);
  });
}

void KinesisSource::read(const std::string& shard) {
  if (stopped()) return;
  std::string position;
  {
    MutexLock lock(mu_);
    position = positions_[shard];
  }
  Result<events::ShardBatch> got = Error::internal("no stream source");
  bool bound = deps_.env.targets.with_stream_source(arn_, [&](events::StreamSource& s) {
    got = s.read(arn_, shard, position, kReadRecords, kReadBytes);
  });
  auto self = shared_from_this();
  auto gate = deps_.gate;
  if (!bound || !got) {
    deps_.env.scheduler.after(kRetry, [self, gate, shard] {
      if (auto h = gate->hold()) self->poll(shard);
    });
    return;
  }
  if (got->records.empty()) {
    if (got->ended) return ended(shard, std::move(got->children));
    deps_.env.targets.with_stream_source(arn_, [&](events::StreamSource& s) {
      s.wait(arn_, shard, position, deps_.env.clock.now() + kIdleWait, [self, gate, shard](bool) {
        if (auto h = gate->hold()) self->poll(shard);
      });
    });
    return;
  }
  std::vector<std::string> records;
  for (auto& r : got->records) records.push_back(std::move(r.data));
  std::string last = got->last_sequence;
  storage::WriteBatch with;
  with.put(kNs, key(shard), last);
  deps_.log.append(
      name_, std::move(records),
      [self, gate, shard, last](Result<storage::Appended> a) {
        auto h = gate->hold();
        if (!h) return;
        if (!a) {
          spdlog::error("firehose: appending from {}: {}", self->arn_, a.error().message);
          self->deps_.env.scheduler.after(kRetry, [self, gate, shard] {
            if (auto h2 = gate->hold()) self->poll(shard);
          });
          return;
        }
        {
          MutexLock lock(self->mu_);
          self->positions_[shard] = last;
        }
        self->deps_.appended(self->name_);
        self->poll(shard);
      },
      std::move(with));
}

// The end of a closed shard: remember it, then open each child whose
// parents are all done.
void KinesisSource::ended(const std::string& shard, std::vector<std::string> children) {
  storage::WriteBatch batch;
  batch.put(kNs, key(shard), kEnded);
  deps_.env.storage->commit(std::move(batch),
                            [self = shared_from_this(), gate = deps_.gate, shard](Status) {
                              auto h = gate->hold();
                              if (!h) return;
                              {
                                MutexLock lock(self->mu_);
                                self->ended_.insert(shard);
                                self->positions_.erase(shard);
                                self->active_.erase(shard);
                              }
                              self->discover();
                            });
}

}  // namespace nimbus::services::firehose
