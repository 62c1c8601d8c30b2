// The Kinesis engine: putting records, shard iterators, reading records.
#include <atomic>
#include <cmath>
#include <ctime>

#include "common/mutex.h"
#include "services/kinesis/engine.h"
#include "services/kinesis/errors.h"
#include "services/kinesis/sequence.h"
#include "storage/key_codec.h"

namespace nimbus::services::kinesis {

namespace {

constexpr int64_t kIteratorLifetimeMs = 300'000;
constexpr uint64_t kShardBytesPerSecond = 1 << 20;
constexpr uint64_t kShardRecordsPerSecond = 1000;
constexpr size_t kMaxReadBytes = 10 << 20;
// Besides its partition key and data, what a record read takes in its
// answer's arena (input::records_json): its place in the array, its object's
// table of four members, their keys and its sequence number.
constexpr size_t kArenaBytesPerRecord = 400;

// "Thu Jan 22 01:22:02 UTC 2015", as the expiry message shows times.
std::string amz_utc(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buf;
}

struct PutState {
  Mutex mu;
  std::vector<PutResult> results GUARDED_BY(mu);
  size_t pending GUARDED_BY(mu) = 0;
  std::function<void(Result<std::vector<PutResult>>)> done;
};

void finish_append(const std::shared_ptr<PutState>& state, const std::vector<size_t>& which,
                   uint64_t stream_id, uint32_t shard, Result<storage::Appended> r) {
  std::vector<PutResult> out;
  {
    MutexLock lock(state->mu);
    for (size_t k = 0; k < which.size(); ++k) {
      auto& res = state->results[which[k]];
      if (r) {
        res.sequence = format_sequence({stream_id, shard, r->first_seq + k});
      } else {
        res.error = Error::make("InternalFailure", "Internal service failure.", 500);
      }
    }
    if (--state->pending != 0) return;
    out = std::move(state->results);
  }
  state->done(std::move(out));
}

}  // namespace

PutEntry PutEntry::of(std::string partition_key, boost::json::string data) {
  PutEntry e;
  e.head = storage::KeyBuilder().str(partition_key).bytes();
  e.partition_key = std::move(partition_key);
  e.data = std::move(data);
  return e;
}

void Engine::put(const std::string& name, std::vector<PutEntry> entries,
                 std::function<void(Result<std::vector<PutResult>>)> done) {
  auto state = std::make_shared<PutState>();
  state->done = std::move(done);
  std::map<uint32_t, std::vector<size_t>> by_shard;
  MutexLock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    auto err = errors::stream_not_found(name, account());
    lock.unlock();
    return state->done(std::move(err));
  }
  Stream& s = *it->second;
  int64_t second = now_ms() / 1000;
  std::vector<PutResult> results(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const Shard* shard =
        s.route(e.explicit_hash ? *e.explicit_hash : hash_of_partition_key(e.partition_key));
    if (shard == nullptr) {
      results[i].error = Error::make("InternalFailure", "Internal service failure.", 500);
      continue;
    }
    results[i].shard = shard->index;
    if (options_.shard_limits) {
      ShardBudget& b = s.budgets[shard->index];
      if (b.second != second) b = ShardBudget{second, 0, 0};
      uint64_t size = e.data.size() + e.partition_key.size();
      if (b.records + 1 > kShardRecordsPerSecond || b.bytes + size > kShardBytesPerSecond) {
        results[i].error = errors::throughput_exceeded(shard_id(shard->index), s.name, account());
        continue;
      }
      b.records += 1;
      b.bytes += size;
    }
    by_shard[shard->index].push_back(i);
  }
  {
    MutexLock state_lock(state->mu);
    state->results = std::move(results);
    state->pending = by_shard.size() + 1;  // + this call, released below
  }
  // Appended under the lock: a shard being closed (engine_shards.cc) sees
  // every record routed to it before it reads its ending sequence.
  for (auto& [shard, which] : by_shard) {
    std::vector<std::string> heads;
    std::vector<std::string_view> tails;  // into `entries`, alive until append returns
    heads.reserve(which.size());
    tails.reserve(which.size());
    for (size_t i : which) {
      heads.push_back(std::move(entries[i].head));
      tails.emplace_back(entries[i].data.data(), entries[i].data.size());
    }
    log_->append(s.partition(shard), std::move(heads), std::move(tails),
                 [state, which = std::move(which), id = s.id, shard = shard](auto r) {
                   finish_append(state, which, id, shard, std::move(r));
                 });
  }
  lock.unlock();
  finish_append(state, {}, 0, 0, storage::Appended{});
}

Result<std::string> Engine::iterator(const std::string& name, const std::string& shard_text,
                                     IteratorType type, const std::string& sequence,
                                     double timestamp_s) {
  std::string partition;
  uint64_t stream_id = 0;
  uint32_t index = 0;
  {
    MutexLock lock(mu_);
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return errors::stream_not_found(name, account());
    auto idx = parse_shard_id(shard_text);
    if (!idx || *idx >= it->second->shards.size() ||
        it->second->expired(it->second->shards[*idx], now_ms())) {
      return errors::shard_not_found(shard_text, name, account());
    }
    index = *idx;
    stream_id = it->second->id;
    partition = it->second->partition(index);
  }
  std::string sid = shard_id(index);
  ShardPosition p{stream_id, index, 0, now_ms()};
  switch (type) {
    case IteratorType::kTrimHorizon:
      break;
    case IteratorType::kLatest: {
      auto info = log_->info(partition);
      p.next_seq = info ? info->next_seq : 1;
      break;
    }
    case IteratorType::kAtSequence:
    case IteratorType::kAfterSequence: {
      auto seq = parse_sequence(sequence);
      if (!seq) {
        return errors::invalid("StartingSequenceNumber " + sequence +
                               " used in GetShardIterator on shard " + sid + " in stream " + name +
                               " under account " + account() + " is invalid.");
      }
      if (seq->shard != index) {
        return errors::invalid("Invalid StartingSequenceNumber. It encodes " +
                               shard_id(seq->shard) +
                               ", while it was used in a call to a shard with " + sid);
      }
      if (seq->stream_id != stream_id) {
        return errors::invalid("StartingSequenceNumber " + sequence +
                               " used in GetShardIterator on shard " + sid + " in stream " + name +
                               " under account " + account() +
                               " is invalid because it did not come from this stream.");
      }
      p.next_seq = seq->seq + (type == IteratorType::kAfterSequence ? 1 : 0);
      break;
    }
    case IteratorType::kAtTimestamp: {
      auto ms = static_cast<int64_t>(std::floor(timestamp_s * 1000.0));
      auto at = log_->seq_at_time(partition, ms);
      if (!at) return at.take_error();
      p.next_seq = at->value_or(1);
      break;
    }
  }
  return iterators_->encode(p);
}

Result<ReadResult> Engine::read(const std::string& token, size_t limit) {
  auto p = iterators_->decode(token);
  if (!p) return errors::invalid_iterator();
  int64_t now = now_ms();
  if (now - p->issued_ms > kIteratorLifetimeMs) {
    return errors::expired_iterator(
        "Iterator expired. The iterator was created at time " + amz_utc(p->issued_ms) +
        " while right now it is " + amz_utc(now) +
        " which is further in the future than the tolerated delay of 300000 milliseconds.");
  }
  auto out = read_from(p->stream_id, p->shard, p->next_seq, limit);
  if (!out) return out.take_error();
  if (!out->ended) {
    out->next_iterator = iterators_->encode({p->stream_id, p->shard, out->next_seq, now});
  }
  return out;
}

Result<ReadResult> Engine::read_from(uint64_t stream_id, uint32_t shard_index, uint64_t next_seq,
                                     size_t limit, size_t max_bytes) {
  int64_t now = now_ms();
  const ShardPosition position{stream_id, shard_index, next_seq, now};
  const ShardPosition* p = &position;
  std::string partition;
  std::optional<Shard> shard;
  std::vector<Shard> children;
  int retention_hours = 24;
  std::string stream_name;
  bool expired = false;
  {
    MutexLock lock(mu_);
    auto it = by_id_.find(p->stream_id);
    if (it == by_id_.end()) {
      auto gone = deleted_.find(p->stream_id);
      return errors::shard_not_found(
          shard_id(p->shard), gone == deleted_.end() ? "(deleted)" : gone->second, account());
    }
    const Stream& s = *it->second;
    if (p->shard >= s.shards.size()) return errors::invalid_iterator();
    shard = s.shards[p->shard];
    expired = s.expired(*shard, now);
    partition = s.partition(p->shard);
    retention_hours = s.retention_hours;
    stream_name = s.name;
    for (const auto& c : s.shards) {
      if (c.parent == p->shard || c.adjacent_parent == p->shard) children.push_back(c);
    }
  }
  if (expired) {  // every record is past retention: only the children are left
    ReadResult out;
    out.next_seq = shard->ending_seq + 1;
    out.ended = true;
    out.children = std::move(children);
    out.stream = std::move(stream_name);
    return out;
  }
  uint64_t from = std::max<uint64_t>(p->next_seq, 1);
  // Records past the retention period are gone even before the trim runs.
  auto horizon = log_->seq_at_time(partition, now - int64_t{retention_hours} * 3'600'000);
  if (!horizon) return horizon.take_error();
  if (*horizon) from = std::max(from, **horizon);
  storage::ReadLimits limits{limit, std::min(max_bytes, kMaxReadBytes)};
  ReadResult out;
  out.stream_id = p->stream_id;
  out.shard = p->shard;
  // The arena the records' strings go to, sized from the partition's average
  // record and how many can be read (it grows if records arrive meanwhile).
  size_t arena_bytes = 1024;
  if (auto before = log_->info(partition); before && before->next_seq > from) {
    uint64_t readable = before->next_seq - std::max(from, before->first_seq);
    uint64_t stored = before->next_seq - before->first_seq;
    size_t n = std::min<uint64_t>(limit, readable);
    out.records.reserve(n);
    size_t average = stored > 0 ? before->bytes / stored : 0;
    arena_bytes += std::min(n * average, limits.max_bytes) + n * kArenaBytesPerRecord;
  }
  out.arena = boost::json::make_shared_resource<boost::json::monotonic_resource>(arena_bytes);
  uint64_t read_next = 0;  // after the last record read
  int64_t last_arrival = now;
  // Each record's bytes are copied once, from storage's iterator to the arena.
  auto got = log_->read_each(
      partition, from, limits, [&](uint64_t seq, int64_t arrival_ms, std::string_view stored) {
        storage::KeyReader reader(stored);
        auto key = reader.str();
        if (!key) return;
        out.records.push_back(ReadRecord{seq, arrival_ms, boost::json::string(*key, out.arena),
                                         boost::json::string(reader.tail(), out.arena)});
        read_next = seq + 1;
        last_arrival = arrival_ms;
      });
  if (!got) return got.take_error();
  auto info = log_->info(partition);
  uint64_t tip = info ? info->next_seq : 1;
  if (info) from = std::max(from, info->first_seq);
  uint64_t next = read_next != 0 ? read_next : from;
  out.millis_behind = next < tip ? std::max<int64_t>(0, now - last_arrival) : 0;
  out.iterator_age_ms = out.records.empty() ? 0 : std::max<int64_t>(0, now - last_arrival);
  out.stream = std::move(stream_name);
  out.next_seq = next;
  if (!shard->open() && next > shard->ending_seq) {
    out.ended = true;
    out.children = std::move(children);
  }
  return out;
}

}  // namespace nimbus::services::kinesis
