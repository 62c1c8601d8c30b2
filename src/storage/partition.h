// PartitionExecutor: runs read-check-write operations one partition key at a
// time (DynamoDB conditional writes on an item, S3 conditional puts on a key,
// a Step Functions execution's state), different keys concurrently.
//
// An operation reads what it needs, checks its condition, builds a WriteBatch
// and commits it. Two operations on one key must not interleave between the
// read and the commit, or both can pass a check that only one should. The
// executor runs an operation only when the previous operation on its key has
// finished, and an operation finishes when the last copy of its Turn is
// released: capture the Turn in the commit's callback, and the next
// operation starts after that commit completed, so it reads what the previous
// one wrote. An operation that writes nothing just returns (its Turn goes
// with it).
//
// Ownership: borrows the WorkerPool (or any post function), which must outlive
// it. Turns keep the executor's internal state alive, so a Turn released after
// the executor is gone is harmless. The destructor drops operations that have
// not started (their Turns never exist); running ones finish normally.
//
// Threads: submit() is thread-safe and never blocks: the operation runs on
// the pool, never on the caller's thread (an event loop stays free), so it may
// read the store and call commit_sync if it must. run_or_submit() runs an
// operation on an idle key on the caller's thread instead, for operations
// that never block. Release may happen on any
// thread (typically the storage committer, from the commit callback).
//
// Failure: none of its own. An operation that fails still finishes (its Turn
// is released when its captures are destroyed), so one failure never wedges a
// key.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace nimbus::storage {

class PartitionExecutor {
 public:
  using Post = std::function<void(std::function<void()>)>;

  // The right to run on one key; copyable. The key is released when release()
  // is called on any copy or the last copy is destroyed.
  class Turn {
   public:
    const std::string& key() const;
    void release();

   private:
    friend class PartitionExecutor;
    struct Token;
    explicit Turn(std::shared_ptr<Token> token) : token_(std::move(token)) {}
    std::shared_ptr<Token> token_;
  };
  using Op = std::function<void(Turn)>;

  explicit PartitionExecutor(Post post);
  ~PartitionExecutor();
  PartitionExecutor(const PartitionExecutor&) = delete;
  PartitionExecutor& operator=(const PartitionExecutor&) = delete;

  // Runs `op` on the pool once every operation submitted before it for `key`
  // has finished.
  void submit(std::string_view key, Op op);
  // The same, except that when nothing runs or waits on `key`, `op` runs at
  // once on the caller's thread (one hand-off to the pool fewer). Only for
  // operations that are safe on every thread their callers use, event loops
  // included: point reads, deciding, an asynchronous commit; no
  // commit_sync, file I/O or waiting. The caller must not hold a lock that
  // `op` takes. Operations that waited behind another run on the pool.
  void run_or_submit(std::string_view key, Op op);

  // Keys with an operation running or queued.
  size_t busy_keys() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace nimbus::storage
