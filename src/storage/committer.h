// Committer: the one thread that applies WriteBatches to RocksDB, in queue
// order, with group commit. Internal to storage/; services use Storage.
//
// Loop: wait for work; take *every* queued batch (all those that arrived
// while the previous write and fsync ran); write them as one RocksDB
// WriteBatch (sync=true in sync mode, unless every batch of the round
// deferred its sync: WriteBatch::defer_sync); then run each caller's callback
// with the shared outcome, in commit order (a round is capped at
// kMaxGroupBytes). A round of at least kHandOffBytes with another round
// queued behind it is handed to a second thread, which runs its callbacks
// and frees its batches while the next round's write and fsync start: large
// batches have large answers to build (500-record Kinesis PutRecords). A
// smaller round's callbacks (a PutItem's answer is a few bytes) run on the
// committer itself unless the second thread still has rounds to run
// (commit order): waking that thread cost more than the callbacks. Under
// load, N concurrent writers cost about one fsync per round instead of N.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "common/mutex.h"
#include "common/result.h"
#include "storage/write_batch.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace nimbus::storage {

class Families;

class Committer {
 public:
  using Done = std::function<void(Status)>;

  // `families` routes each key to its column family (families.h); it must
  // outlive the committer.
  // `sync_write_seconds` (may be null) observes each round written with a
  // WAL fsync.
  Committer(rocksdb::DB* db, const Families* families, bool sync,
            Histogram* sync_write_seconds = nullptr);
  ~Committer();  // stop()
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Thread-safe, never blocks on I/O. After stop(), `done` runs inline with an error.
  void submit(WriteBatch batch, Done done);
  // Applies everything already queued, then joins the thread. Idempotent.
  void stop();
  // True when called from a commit callback (or the committer itself):
  // blocking on a commit there would wait for this very thread.
  bool on_committer_thread() const {
    auto me = std::this_thread::get_id();
    return me == thread_.get_id() || me == callbacks_thread_.get_id();
  }

  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  uint64_t groups() const { return groups_.load(std::memory_order_relaxed); }
  uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }
  uint64_t cross_partition() const { return cross_partition_.load(std::memory_order_relaxed); }
  uint64_t unpartitioned() const { return unpartitioned_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    WriteBatch batch;
    Done done;
  };
  static constexpr size_t kMaxGroupBytes = 16 << 20;
  // Rounds of at least this many payload bytes hand their callbacks to the
  // callbacks thread when another round is queued, and are written without
  // looking for keys written twice.
  static constexpr size_t kHandOffBytes = 64 << 10;
  // A round applied, waiting for its callbacks.
  struct Applied {
    std::vector<Pending> group;
    Status status;
  };
  void run();
  void run_callbacks();
  static void call_back(std::vector<Pending>& group, const Status& status);
  void take_group(std::vector<Pending>& group) REQUIRES(mu_);
  Status apply(const std::vector<Pending>& group);
  // The RocksDB batch a round is encoded into, sized for `bytes` (an upper
  // bound of the encoding). Kept from round to round: a fresh one grew by
  // doubling from empty, copying itself at each step onto new pages, and
  // its page faults (4 KiB each, a VM exit on this kind of host) cost a
  // 500-record PutRecords round more than the encoding itself.
  rocksdb::WriteBatch& round_batch(size_t bytes);
  // Per op of the round (in order), whether a later op of the round writes
  // the same key; empty when none does, the round has a range delete, or
  // it is kHandOffBytes or larger (not looked for).
  static std::vector<bool> overwritten(const std::vector<Pending>& group);

  rocksdb::DB* db_;
  const Families* families_;
  const bool sync_;
  Histogram* const sync_write_seconds_;
  // Committer thread only (apply).
  std::unique_ptr<rocksdb::WriteBatch> round_;
  size_t smaller_rounds_ = 0;  // rounds in a row needing under a quarter of it

  Mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
  Mutex done_mu_;
  std::condition_variable done_cv_;
  std::vector<Applied> applied_ GUARDED_BY(done_mu_);
  bool applied_end_ GUARDED_BY(done_mu_) = false;  // run() has returned
  // The callbacks thread is running rounds it took from applied_.
  bool callbacks_busy_ GUARDED_BY(done_mu_) = false;
  std::thread callbacks_thread_;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> cross_partition_{0};
  std::atomic<uint64_t> unpartitioned_{0};
};

}  // namespace nimbus::storage
