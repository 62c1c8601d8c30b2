#include "storage/committer.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/thread_name.h"
#include "common/thread_role.h"
#include "storage/families.h"

namespace nimbus::storage {

Committer::Committer(rocksdb::DB* db, const Families* families, bool sync,
                     Histogram* sync_write_seconds)
    : db_(db), families_(families), sync_(sync), sync_write_seconds_(sync_write_seconds) {
  callbacks_thread_ = std::thread([this] { run_callbacks(); });
  thread_ = std::thread([this] { run(); });
}

Committer::~Committer() {
  stop();
}

void Committer::submit(WriteBatch batch, Done done) {
  {
    MutexLock lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(batch), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Error::internal("storage is closed"));
}

void Committer::stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  {
    MutexLock lock(done_mu_);
    applied_end_ = true;
    done_cv_.notify_one();
  }
  if (callbacks_thread_.joinable()) callbacks_thread_.join();
}

void Committer::run() {
  set_thread_role(ThreadRole::kCommitter);
  set_thread_name("nimbus-commit");
  std::vector<Pending> group;
  for (;;) {
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) lock.wait(cv_);
      if (queue_.empty()) return;  // stopping and drained
      take_group(group);
    }
    Status status = apply(group);
    commits_.fetch_add(group.size(), std::memory_order_relaxed);
    size_t bytes = 0;
    for (const Pending& p : group) {
      bytes += p.batch.bytes();
      size_t n = p.batch.partitions().size();
      if (n == 0) unpartitioned_.fetch_add(1, std::memory_order_relaxed);
      if (n > 1) cross_partition_.fetch_add(1, std::memory_order_relaxed);
    }
    // A large round's callbacks (answers built and serialized, batches
    // freed) run on the other thread when another round waits, so that its
    // write and fsync need not wait for them. Otherwise they run here, as
    // long as that thread has no earlier round left to run: for small
    // rounds (PutItem at 16 connections: ~7 answers of a few bytes) waking
    // it cost more than the callbacks (A/B: 1.4 -> 1.1 context switches
    // per PutItem).
    bool hand_off = false;
    if (bytes >= kHandOffBytes) {
      MutexLock lock(mu_);
      hand_off = !queue_.empty();
    }
    {
      MutexLock lock(done_mu_);
      if (hand_off || callbacks_busy_ || !applied_.empty()) {
        applied_.push_back(Applied{std::move(group), std::move(status)});
        done_cv_.notify_one();
        group = {};
        continue;
      }
    }
    call_back(group, status);
    group.clear();
  }
}

void Committer::call_back(std::vector<Pending>& group, const Status& status) {
  for (Pending& p : group) {
    if (p.done) p.done(status);
  }
}

void Committer::run_callbacks() {
  set_thread_role(ThreadRole::kCommitter);
  set_thread_name("nimbus-commit-cb");
  std::vector<Applied> rounds;
  for (;;) {
    {
      MutexLock lock(done_mu_);
      callbacks_busy_ = false;
      while (!applied_end_ && applied_.empty()) lock.wait(done_cv_);
      if (applied_.empty()) return;  // run() has returned and all ran
      rounds.swap(applied_);
      callbacks_busy_ = true;
    }
    for (Applied& round : rounds) call_back(round.group, round.status);
    rounds.clear();
  }
}

void Committer::take_group(std::vector<Pending>& group) {
  // Everything queued, unless that is more than kMaxGroupBytes: one huge
  // round would delay every caller in it (always at least one batch).
  size_t bytes = 0;
  size_t n = 0;
  while (n < queue_.size() && (n == 0 || bytes + queue_[n].batch.bytes() <= kMaxGroupBytes)) {
    bytes += queue_[n].batch.bytes();
    ++n;
  }
  if (n == queue_.size()) {
    group.swap(queue_);
    return;
  }
  group.assign(std::make_move_iterator(queue_.begin()),
               std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
}

std::vector<bool> Committer::overwritten(const std::vector<Pending>& group) {
  std::vector<bool> out;
  if (group.size() < 2) return out;
  // Large rounds (Kinesis PutRecords: thousands of distinct record keys)
  // would pay a hash per op for a few repeated metadata keys: 1% of a
  // PutRecords call's instructions. Small rounds are where keys repeat.
  size_t bytes = 0;
  for (const Pending& p : group) bytes += p.batch.bytes();
  if (bytes >= kHandOffBytes) return out;
  std::unordered_map<std::string_view, size_t> last;
  size_t n = 0;
  for (const Pending& p : group) {
    for (const WriteBatch::Op& op : p.batch.ops()) {
      // A range delete between two writes of a key would be reordered.
      if (op.kind == WriteBatch::Kind::kDeleteRange) return {};
      last[op.key] = n++;
    }
  }
  if (last.size() == n) return out;
  out.assign(n, false);
  size_t i = 0;
  for (const Pending& p : group) {
    for (const WriteBatch::Op& op : p.batch.ops()) {
      out[i] = last[op.key] != i;
      ++i;
    }
  }
  return out;
}

rocksdb::WriteBatch& Committer::round_batch(size_t bytes) {
  // The buffer stays as large as the largest recent round (a PutRecords
  // round of four calls: ~2 MiB); one over 1 MiB is given back after 64
  // rounds in a row that needed under a quarter of it.
  size_t capacity = round_ == nullptr ? 0 : round_->Data().capacity();
  bool oversized = capacity > (1 << 20) && bytes < capacity / 4;
  smaller_rounds_ = oversized ? smaller_rounds_ + 1 : 0;
  if (capacity < bytes || smaller_rounds_ > 64) {
    round_ = std::make_unique<rocksdb::WriteBatch>(
        smaller_rounds_ > 64 ? bytes : std::max(bytes, capacity + capacity / 2));
    smaller_rounds_ = 0;
  } else {
    round_->Clear();
  }
  return *round_;
}

Status Committer::apply(const std::vector<Pending>& group) {
  // An upper bound of the round's encoding: a 12-byte header, and per op a
  // tag, a family id and two lengths (varints of at most 5 bytes each).
  size_t encoded = 12;
  for (const Pending& p : group) {
    for (const WriteBatch::Op& op : p.batch.ops()) encoded += op.key.size() + op.value.size() + 16;
  }
  rocksdb::WriteBatch& wb = round_batch(encoded);
  // The round is one atomic RocksDB write: no reader sees a value between
  // two of its writes of one key, so only the last is written (each PutItem
  // rewrites its table's statistics record: once per round, not per item).
  std::vector<bool> skip = overwritten(group);
  size_t i = 0;
  // Consecutive ops mostly share a namespace: its family is looked up once.
  std::string_view ns;
  rocksdb::ColumnFamilyHandle* family = nullptr;
  for (const Pending& p : group) {
    for (const WriteBatch::Op& op : p.batch.ops()) {
      if (!skip.empty() && skip[i++]) continue;
      std::string_view op_ns = namespace_of(op.key);
      if (family == nullptr || op_ns != ns) {
        ns = op_ns;
        family = families_->of(ns);
        if (family == nullptr) {
          return Error::internal(families_->failure(ns));
        }
      }
      rocksdb::Status s;
      switch (op.kind) {
        case WriteBatch::Kind::kPut:
          s = wb.Put(family, op.key, op.value);
          break;
        case WriteBatch::Kind::kDelete:
          s = wb.Delete(family, op.key);
          break;
        case WriteBatch::Kind::kDeleteRange:
          s = wb.DeleteRange(family, op.key, op.value);
          break;
      }
      if (!s.ok()) return Error::internal("storage: " + s.ToString());
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_ && std::any_of(group.begin(), group.end(),
                                 [](const Pending& p) { return !p.batch.sync_deferred(); });
  // Measured on the machine's clock, not the injected one: a latency of the
  // disk, which no simulated clock moves.
  auto started = std::chrono::steady_clock::now();
  rocksdb::Status s = db_->Write(wo, &wb);
  groups_.fetch_add(1, std::memory_order_relaxed);
  if (wo.sync) {
    syncs_.fetch_add(1, std::memory_order_relaxed);
    if (sync_write_seconds_ != nullptr) {
      sync_write_seconds_->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  }
  if (!s.ok()) return Error::internal("storage: write failed: " + s.ToString());
  return Status::ok();
}

}  // namespace nimbus::storage
