#include "storage/log.h"

#include <algorithm>
#include <future>
#include <map>
#include <utility>

#include "common/mutex.h"
#include "common/thread_role.h"
#include "storage/families.h"
#include "storage/key_codec.h"

namespace nimbus::storage {

namespace {

// Meta document of a partition (value in <ns>.partitions): the floor below
// which no sequence is live (raised by trims, and to next_seq by remove(), so
// sequences are never reused), its creation time, and whether it was removed.
struct Meta {
  uint64_t floor = 1;  // sequences start at 1: 0 means "before the first record"
  int64_t created_ms = 0;
  bool removed = false;
};

std::string encode_meta(const Meta& m) {
  return KeyBuilder().u64(m.floor).i64(m.created_ms).u64(m.removed ? 1 : 0).bytes();
}

std::optional<Meta> decode_meta(std::string_view v) {
  Meta m;
  uint64_t removed = 0;
  if (!decode_key(v, m.floor, m.created_ms, removed)) return std::nullopt;
  m.removed = removed != 0;
  return m;
}

// A record's value: arrival time, byte offset in the partition, payload.
struct Stored {
  int64_t arrival_ms = 0;
  uint64_t offset = 0;
  std::string_view data;
};

std::optional<Stored> decode_value(std::string_view v) {
  KeyReader r(v);
  auto ts = r.i64();
  auto off = r.u64();
  if (!ts || !off) return std::nullopt;
  return Stored{*ts, *off, r.tail()};
}

std::optional<uint64_t> seq_of(std::string_view key, size_t prefix_size) {
  if (key.size() != prefix_size + 8) return std::nullopt;
  KeyReader r(key.substr(prefix_size));
  return r.u64();
}

}  // namespace

struct Log::Impl : std::enable_shared_from_this<Log::Impl> {
  struct Partition {
    std::string prefix;  // encode_key(name): the scan prefix of its records
    Meta meta;
    uint64_t first_seq = 0;
    uint64_t first_offset = 0;
    uint64_t next_seq = 0;  // assigned to the next append
    uint64_t next_offset = 0;
    int64_t last_arrival_ms = 0;
    uint64_t applied_seq = 0;  // every seq below is readable
    uint64_t applied_offset = 0;
    bool exists = false;  // false before the first append and after remove()
    Mutex order;          // held from sequence assignment to commit()
  };
  struct Waiter {
    std::string partition;
    uint64_t after_seq;
    Wake wake;
    Scheduler::TimerId timer = 0;
  };

  Impl(Storage& s, std::string ns, const Clock& c, Scheduler& sch)
      : storage(s),
        ns(std::move(ns)),
        meta_ns(this->ns + ".partitions"),
        records(s.records(this->ns)),
        metas(s.records(meta_ns)),
        clock(c),
        scheduler(sch) {}

  Storage& storage;
  const std::string ns;
  const std::string meta_ns;
  Records records;
  Records metas;
  const Clock& clock;
  Scheduler& scheduler;

  // Guards the members below and every Partition's fields but `order`
  // (which the annotations cannot name through the shared_ptr).
  mutable Mutex mu;
  std::map<std::string, std::shared_ptr<Partition>, std::less<>> parts GUARDED_BY(mu);
  std::map<WaitId, Waiter> waiters GUARDED_BY(mu);
  WaitId next_wait GUARDED_BY(mu) = 1;
  bool closed GUARDED_BY(mu) = false;

  // A live partition and its readable range, read under `mu` in one go.
  struct Bounds {
    std::shared_ptr<Partition> p;
    uint64_t first_seq = 0;
    uint64_t applied_seq = 0;  // every seq below is readable
    uint64_t first_offset = 0;
    uint64_t applied_offset = 0;
  };

  Status load();
  std::shared_ptr<Partition> find(std::string_view name) const REQUIRES(mu);
  std::optional<Bounds> bounds(std::string_view name) const EXCLUDES(mu);
  std::shared_ptr<Partition> get_or_add(std::string_view name) REQUIRES(mu);
  Result<std::optional<Stored>> stored_at(const Partition& p, uint64_t seq) const;
  // First seq in [lo, hi) whose record satisfies `reached` (monotone), or hi.
  Result<uint64_t> search(const Partition& p, uint64_t lo, uint64_t hi,
                          const std::function<bool(const Stored&)>& reached) const;
  void applied(const std::string& name, uint64_t next_seq, uint64_t next_offset);
  // The batch that trims `p` below before_seq (nullopt: nothing to trim).
  // Requires mu; updates the in-memory bounds at once.
  Result<std::optional<WriteBatch>> trim_batch(const std::string& name, Partition& p,
                                               uint64_t before_seq) REQUIRES(mu);
};

Status Log::Impl::load() {
  std::vector<std::pair<std::string, Meta>> found;
  Status bad;
  NIMBUS_TRY(metas.each("", [&](Entry& e) {
    std::string name;
    auto m = decode_meta(e.value);
    if (!decode_key(e.key, name) || !m) {
      if (bad) bad = Error::internal("log " + ns + ": malformed partition record");
      return;
    }
    found.emplace_back(std::move(name), *m);
  }));
  NIMBUS_TRY(bad);
  MutexLock lock(mu);
  for (auto& [name, m] : found) {
    auto p = get_or_add(name);
    p->meta = m;
    p->exists = !m.removed;
    p->first_seq = p->next_seq = p->applied_seq = m.floor;
    auto last = records.last(p->prefix);
    if (!last) return last.take_error();
    if (!*last) continue;
    auto seq = seq_of((*last)->key, p->prefix.size());
    auto value = decode_value((*last)->value);
    if (!seq || !value) return Error::internal("log " + ns + ": malformed record in " + name);
    p->next_seq = p->applied_seq = std::max(m.floor, *seq + 1);
    p->next_offset = p->applied_offset = value->offset + value->data.size();
    p->last_arrival_ms = value->arrival_ms;
    auto first = records.scan(p->prefix, 1);
    if (!first) return first.take_error();
    auto first_seq = seq_of(first->front().key, p->prefix.size());
    auto first_value = decode_value(first->front().value);
    if (!first_seq || !first_value) {
      return Error::internal("log " + ns + ": malformed record in " + name);
    }
    p->first_seq = *first_seq;
    p->first_offset = first_value->offset;
  }
  return Status::ok();
}

std::shared_ptr<Log::Impl::Partition> Log::Impl::find(std::string_view name) const {
  auto it = parts.find(name);
  if (it == parts.end() || !it->second->exists) return nullptr;
  return it->second;
}

std::optional<Log::Impl::Bounds> Log::Impl::bounds(std::string_view name) const {
  MutexLock lock(mu);
  auto p = find(name);
  if (!p) return std::nullopt;
  return Bounds{p, p->first_seq, p->applied_seq, p->first_offset, p->applied_offset};
}

std::shared_ptr<Log::Impl::Partition> Log::Impl::get_or_add(std::string_view name) {
  auto it = parts.find(name);
  if (it != parts.end()) return it->second;
  auto p = std::make_shared<Partition>();
  p->prefix = encode_key(name);
  parts.emplace(std::string(name), p);
  return p;
}

Result<std::optional<Stored>> Log::Impl::stored_at(const Partition& p, uint64_t seq) const {
  auto v = records.get(KeyBuilder().tail(p.prefix).u64(seq).bytes());
  if (!v) return v.take_error();
  if (!*v) return std::optional<Stored>();
  auto s = decode_value(**v);
  if (!s) return Error::internal("log " + ns + ": malformed record");
  // The view borrows from the string read: the callers only look at the
  // fixed-size fields.
  s->data = {};
  return s;
}

Result<uint64_t> Log::Impl::search(const Partition& p, uint64_t lo, uint64_t hi,
                                   const std::function<bool(const Stored&)>& reached) const {
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    auto s = stored_at(p, mid);
    if (!s) return s.take_error();
    // Trimmed under us: everything below the new first record is gone.
    if (!*s || reached(**s)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

void Log::Impl::applied(const std::string& name, uint64_t next_seq, uint64_t next_offset) {
  std::vector<Wake> ready;
  {
    MutexLock lock(mu);
    auto it = parts.find(name);
    if (it == parts.end()) return;
    Partition& p = *it->second;
    if (next_seq <= p.applied_seq) return;
    p.applied_seq = next_seq;
    p.applied_offset = next_offset;
    for (auto w = waiters.begin(); w != waiters.end();) {
      if (w->second.partition == name && w->second.after_seq + 1 < next_seq) {
        if (w->second.timer != 0) scheduler.cancel(w->second.timer);
        ready.push_back(std::move(w->second.wake));
        w = waiters.erase(w);
      } else {
        ++w;
      }
    }
  }
  for (auto& wake : ready) wake(WaitOutcome::kReady);
}

Result<std::optional<WriteBatch>> Log::Impl::trim_batch(const std::string& name, Partition& p,
                                                        uint64_t before_seq) {
  // Only what is applied can be trimmed: the offsets of records in flight are
  // not readable yet.
  before_seq = std::min(before_seq, p.applied_seq);
  if (before_seq <= p.first_seq) return std::optional<WriteBatch>();
  uint64_t offset = p.applied_offset;
  if (before_seq < p.applied_seq) {
    auto s = stored_at(p, before_seq);
    if (!s) return s.take_error();
    if (*s) offset = (*s)->offset;
  }
  WriteBatch batch(ns + "/" + name);
  batch.del_range(ns, KeyBuilder().tail(p.prefix).u64(p.first_seq).bytes(),
                  KeyBuilder().tail(p.prefix).u64(before_seq).bytes());
  p.meta.floor = before_seq;
  batch.put(meta_ns, p.prefix, encode_meta(p.meta));
  p.first_seq = before_seq;
  p.first_offset = offset;
  return std::optional<WriteBatch>(std::move(batch));
}

Log::Log(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Log>> Log::open(Storage& storage, std::string ns, const Clock& clock,
                                       Scheduler& scheduler) {
  // Before Impl takes its Records view, which moves the namespace's records
  // into the log family.
  mark_log_namespace(ns);
  auto impl = std::make_unique<Impl>(storage, std::move(ns), clock, scheduler);
  NIMBUS_TRY(impl->load());
  return std::unique_ptr<Log>(new Log(std::move(impl)));
}

Log::~Log() {
  std::vector<Wake> closing;
  {
    MutexLock lock(impl_->mu);
    impl_->closed = true;
    for (auto& [id, w] : impl_->waiters) {
      if (w.timer != 0) impl_->scheduler.cancel(w.timer);
      closing.push_back(std::move(w.wake));
    }
    impl_->waiters.clear();
  }
  for (auto& wake : closing) wake(WaitOutcome::kClosed);
}

void Log::append(std::string_view partition, std::vector<std::string> records, AppendDone done,
                 WriteBatch with) {
  std::vector<PartitionRecords> parts;
  parts.push_back({std::string(partition), std::move(records)});
  append_many(
      std::move(parts),
      [done = std::move(done)](Result<std::vector<Appended>> r) {
        if (!r) return done(r.take_error());
        done(r->front());
      },
      std::move(with));
}

void Log::append(std::string_view partition, std::vector<std::string> records,
                 std::vector<std::string_view> tails, AppendDone done) {
  std::vector<PartitionRecords> parts;
  parts.push_back({std::string(partition), std::move(records), std::move(tails)});
  append_many(std::move(parts), [done = std::move(done)](Result<std::vector<Appended>> r) {
    if (!r) return done(r.take_error());
    done(r->front());
  });
}

// The partitions' `order` locks are taken in a loop (NO_THREAD_SAFETY_ANALYSIS
// on the declaration).
void Log::append_many(std::vector<PartitionRecords> parts, ManyDone done, WriteBatch with) {
  for (const auto& part : parts) {
    if (part.records.empty()) {
      done(Error::internal("log " + impl_->ns + ": append of no records"));
      return;
    }
    if (!part.tails.empty() && part.tails.size() != part.records.size()) {
      done(Error::internal("log " + impl_->ns + ": tails that are not one per record"));
      return;
    }
  }
  // Name order: two appends never wait on each other's `order` in a cycle.
  std::sort(parts.begin(), parts.end(),
            [](const auto& a, const auto& b) { return a.partition < b.partition; });
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].partition == parts[i - 1].partition) {
      done(Error::internal("log " + impl_->ns + ": one partition twice in an append"));
      return;
    }
  }
  Impl& impl = *impl_;
  std::vector<std::shared_ptr<Impl::Partition>> ps;
  {
    MutexLock lock(impl.mu);
    for (const auto& part : parts) ps.push_back(impl.get_or_add(part.partition));
  }
  // `order` keeps sequence order and commit order the same for each
  // partition without holding `mu` across commit(), whose callback may run
  // inline (storage closed) and takes `mu`.
  for (auto& p : ps) p->order.lock();
  WriteBatch batch = std::move(with);
  std::vector<Appended> results;
  std::vector<uint64_t> ends;  // each partition's next offset after this append
  for (size_t i = 0; i < parts.size(); ++i) {
    Impl::Partition& p = *ps[i];
    const auto& records = parts[i].records;
    const auto& tails = parts[i].tails;
    auto size_of = [&](size_t k) {
      return records[k].size() + (tails.empty() ? 0 : tails[k].size());
    };
    batch.add_partition(impl.ns + "/" + parts[i].partition);
    Appended result;
    uint64_t offset = 0;
    {
      MutexLock lock(impl.mu);
      if (!p.exists) {
        // New, or back after remove(): sequences continue above the floor.
        p.exists = true;
        p.meta.removed = false;
        p.meta.created_ms = impl.clock.now_millis();
        p.first_seq = p.applied_seq = p.next_seq = std::max(p.next_seq, p.meta.floor);
        p.first_offset = p.applied_offset = p.next_offset;
        batch.put(impl.meta_ns, p.prefix, encode_meta(p.meta));
      }
      p.last_arrival_ms = std::max(p.last_arrival_ms, impl.clock.now_millis());
      result = Appended{p.next_seq, records.size(), p.last_arrival_ms};
      offset = p.next_offset;
      p.next_seq += records.size();
      for (size_t k = 0; k < records.size(); ++k) p.next_offset += size_of(k);
    }
    // One key and one value buffer for every record: the batch copies
    // each once (a KeyBuilder per record allocated and copied it twice).
    const std::string arrival = KeyBuilder().i64(result.arrival_ms).bytes();
    std::string key;
    std::string value;
    uint64_t seq = result.first_seq;
    for (size_t k = 0; k < records.size(); ++k) {
      key.assign(p.prefix);
      key.append(KeyBuilder().u64(seq++).bytes());
      value.assign(arrival);
      value.append(KeyBuilder().u64(offset).bytes());
      value.append(records[k]);
      if (!tails.empty()) value.append(tails[k]);
      batch.put(impl.ns, key, value);
      offset += size_of(k);
    }
    results.push_back(result);
    ends.push_back(offset);
  }
  std::weak_ptr<Impl> weak = impl_;
  std::vector<std::string> names;
  for (auto& part : parts) names.push_back(std::move(part.partition));
  impl.storage.commit(std::move(batch), [weak, names = std::move(names), results, ends,
                                         done = std::move(done)](Status s) {
    if (s) {
      if (auto impl = weak.lock()) {
        for (size_t i = 0; i < names.size(); ++i) {
          impl->applied(names[i], results[i].first_seq + results[i].count, ends[i]);
        }
      }
      done(results);
    } else {
      done(s.take_error());
    }
  });
  for (auto& p : ps) p->order.unlock();
}

Result<Appended> Log::append_sync(std::string_view partition, std::vector<std::string> records,
                                  WriteBatch with) {
  assert_may_block("Log::append_sync");
  std::promise<Result<Appended>> promise;
  auto future = promise.get_future();
  append(
      partition, std::move(records),
      [&promise](Result<Appended> r) { promise.set_value(std::move(r)); }, std::move(with));
  return future.get();
}

Result<std::vector<LogRecord>> Log::read(std::string_view partition, uint64_t from_seq,
                                         ReadLimits limits) const {
  std::vector<LogRecord> out;
  auto n = read_each(partition, from_seq, limits,
                     [&out](uint64_t seq, int64_t arrival_ms, std::string_view data) {
                       out.push_back(LogRecord{seq, arrival_ms, std::string(data)});
                     });
  if (!n) return n.take_error();
  return out;
}

Result<size_t> Log::read_each(std::string_view partition, uint64_t from_seq, ReadLimits limits,
                              const RecordVisitor& visit) const {
  size_t count = 0;
  auto b = impl_->bounds(partition);
  if (!b) return count;
  const std::string& prefix = b->p->prefix;  // fixed at creation
  from_seq = std::max(from_seq, b->first_seq);
  size_t bytes = 0;
  bool malformed = false;
  std::string after =
      from_seq == 0 ? std::string() : KeyBuilder().tail(prefix).u64(from_seq - 1).bytes();
  auto visited = impl_->records.visit(prefix, limits.max_records, after,
                                      [&](std::string_view key, std::string_view value) {
                                        auto seq = seq_of(key, prefix.size());
                                        auto v = decode_value(value);
                                        if (!seq || !v) {
                                          malformed = true;
                                          return false;
                                        }
                                        if (count > 0 && bytes + v->data.size() > limits.max_bytes)
                                          return false;
                                        bytes += v->data.size();
                                        ++count;
                                        visit(*seq, v->arrival_ms, v->data);
                                        return true;
                                      });
  if (!visited) return visited.take_error();
  if (malformed) return Error::internal("log " + impl_->ns + ": malformed record");
  return count;
}

Result<std::optional<uint64_t>> Log::seq_at_time(std::string_view partition, int64_t ms) const {
  auto b = impl_->bounds(partition);
  if (!b) return std::optional<uint64_t>();
  auto seq = impl_->search(*b->p, b->first_seq, b->applied_seq,
                           [ms](const Stored& s) { return s.arrival_ms >= ms; });
  if (!seq) return seq.take_error();
  return std::optional<uint64_t>(*seq);
}

Log::WaitId Log::wait(std::string_view partition, uint64_t after_seq, Clock::time_point deadline,
                      Wake wake) {
  Impl& impl = *impl_;
  WaitId id = 0;
  {
    MutexLock lock(impl.mu);
    if (impl.closed) {
      id = 0;
    } else {
      auto p = impl.find(partition);
      if (p && after_seq + 1 < p->applied_seq) {
        id = impl.next_wait++;
      } else {
        id = impl.next_wait++;
        Impl::Waiter w{std::string(partition), after_seq, std::move(wake), 0};
        std::weak_ptr<Impl> weak = impl_;
        // Far deadlines (time_point::max() for "no deadline") take no timer.
        auto now = impl.clock.now();
        auto delay = deadline - now > std::chrono::hours(24 * 365)
                         ? std::chrono::milliseconds::max()
                         : std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        if (delay != std::chrono::milliseconds::max()) {
          w.timer = impl.scheduler.after(std::max(delay, std::chrono::milliseconds(0)), [weak, id] {
            auto impl = weak.lock();
            if (!impl) return;
            Wake fire;
            {
              MutexLock lock(impl->mu);
              auto it = impl->waiters.find(id);
              if (it == impl->waiters.end()) return;
              fire = std::move(it->second.wake);
              impl->waiters.erase(it);
            }
            fire(WaitOutcome::kDeadline);
          });
        }
        impl.waiters.emplace(id, std::move(w));
        return id;
      }
    }
  }
  wake(id == 0 ? WaitOutcome::kClosed : WaitOutcome::kReady);
  return id;
}

bool Log::cancel_wait(WaitId id) {
  MutexLock lock(impl_->mu);
  auto it = impl_->waiters.find(id);
  if (it == impl_->waiters.end()) return false;
  if (it->second.timer != 0) impl_->scheduler.cancel(it->second.timer);
  impl_->waiters.erase(it);
  return true;
}

void Log::trim(std::string_view partition, uint64_t before_seq, Done done) {
  auto b = impl_->bounds(partition);
  if (!b) {
    done(Status::ok());
    return;
  }
  auto& p = b->p;
  // `order`, not `mu`, across commit(): its callback may run inline.
  MutexLock order(p->order);
  Result<std::optional<WriteBatch>> batch = std::optional<WriteBatch>();
  {
    MutexLock lock(impl_->mu);
    if (p->exists) batch = impl_->trim_batch(std::string(partition), *p, before_seq);
  }
  if (!batch) {
    done(batch.take_error());
  } else if (!*batch) {
    done(Status::ok());
  } else {
    impl_->storage.commit(std::move(**batch), std::move(done));
  }
}

void Log::trim_older_than(std::string_view partition, int64_t cutoff_ms, Done done) {
  auto b = impl_->bounds(partition);
  if (!b) {
    done(Status::ok());
    return;
  }
  auto seq = impl_->search(*b->p, b->first_seq, b->applied_seq,
                           [cutoff_ms](const Stored& s) { return s.arrival_ms >= cutoff_ms; });
  if (!seq) {
    done(seq.take_error());
    return;
  }
  trim(partition, *seq, std::move(done));
}

void Log::trim_to_bytes(std::string_view partition, uint64_t max_bytes, Done done) {
  auto b = impl_->bounds(partition);
  if (!b || b->applied_offset - b->first_offset <= max_bytes) {
    done(Status::ok());
    return;
  }
  uint64_t keep_from = b->applied_offset - max_bytes;
  auto seq = impl_->search(*b->p, b->first_seq, b->applied_seq,
                           [keep_from](const Stored& s) { return s.offset >= keep_from; });
  if (!seq) {
    done(seq.take_error());
    return;
  }
  trim(partition, *seq, std::move(done));
}

std::optional<PartitionInfo> Log::info(std::string_view partition) const {
  MutexLock lock(impl_->mu);
  auto p = impl_->find(partition);
  if (!p) return std::nullopt;
  return PartitionInfo{std::string(partition), p->first_seq, p->next_seq,
                       p->applied_offset - p->first_offset, p->meta.created_ms};
}

std::vector<std::string> Log::partitions() const {
  MutexLock lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [name, p] : impl_->parts) {
    if (p->exists) out.push_back(name);
  }
  return out;
}

void Log::remove(std::string_view partition, Done done) {
  auto b = impl_->bounds(partition);
  if (!b) {
    done(Status::ok());
    return;
  }
  auto& p = b->p;
  MutexLock order(p->order);
  WriteBatch batch(impl_->ns + "/" + std::string(partition));
  std::vector<Wake> closing;
  {
    MutexLock lock(impl_->mu);
    p->exists = false;
    p->meta.removed = true;
    p->meta.floor = p->next_seq;
    batch.del_range(impl_->ns, p->prefix, prefix_successor(p->prefix));
    batch.put(impl_->meta_ns, p->prefix, encode_meta(p->meta));
    p->next_offset = 0;
    p->last_arrival_ms = 0;
    for (auto w = impl_->waiters.begin(); w != impl_->waiters.end();) {
      if (w->second.partition == partition) {
        if (w->second.timer != 0) impl_->scheduler.cancel(w->second.timer);
        closing.push_back(std::move(w->second.wake));
        w = impl_->waiters.erase(w);
      } else {
        ++w;
      }
    }
  }
  for (auto& wake : closing) wake(WaitOutcome::kClosed);
  impl_->storage.commit(std::move(batch), std::move(done));
}

}  // namespace nimbus::storage
