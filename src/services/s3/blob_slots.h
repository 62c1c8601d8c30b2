// Object bodies written into files whose directory entries are already
// durable, so a PUT waits for one fsync (its file) before its record
// commits, instead of fsync + rename + directory fsync.
//
// A slot is an empty file created ahead of time under its final name,
// <root>/<id[0..2]>/<id> (storage::blob_path, the BlobStore's layout), in a
// batch of kBatch files sharing one fan-out directory (the prefix is random
// per batch, so directories stay balanced): one directory fsync makes the
// whole batch's entries durable, shared by the kBatch PUTs that use them
// (group commit of directory syncs). A writer fills its slot and fsyncs the
// file; the record naming it commits after. In `async` durability nothing
// is fsynced.
//
// A slot is an unreferenced blob until a record names it: after a crash,
// unused or half-written slots are removed by the engine's start-up
// collection like any blob no record names; a clean stop (the destructor)
// removes the unused ones. Slot files are empty until written.
//
// Threads: create(), SlotWriter and SlotFlush do file I/O and block (worker
// pool only); create() is safe to call concurrently. docs/storage.md, "S3
// object bodies".
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "storage/blob_store.h"

namespace nimbus::services::s3 {

// How a slot's bytes reach the disk: `flush` for a flush behind the writes
// (fdatasync), `sync` for the commit (fsync). Each takes a descriptor and
// returns 0 or an errno value. The system's calls unless replaced: tests
// make them fail (Engine::set_file_sync).
struct FileSync {
  std::function<int(int fd)> flush = system_fdatasync;
  std::function<int(int fd)> sync = system_fsync;

  static int system_fdatasync(int fd);
  static int system_fsync(int fd);
};

// The flushes behind the writes running at once in the process, at most
// `limit`. Each holds a worker of the pool for the disk's flush (tens of
// milliseconds per 32 MiB) that other blocking work (fsyncs, file reads)
// needs as well; a flush is only an early start of the commit's fsync, so
// one that finds no place is skipped. Thread-safe.
class FlushBudget {
 public:
  explicit FlushBudget(size_t limit) : limit_(limit) {}
  // A place, or false when `limit` flushes run.
  bool take();
  void give_back();
  size_t limit() const { return limit_; }
  size_t running() const { return running_.load(); }

 private:
  const size_t limit_;
  std::atomic<size_t> running_{0};
};

// A flush of a slot's bytes appended so far, for another thread than the
// appending one: a duplicate of the writer's descriptor and a place of the
// budget, both held until run() returns or the flush is destroyed.
class SlotFlush {
 public:
  ~SlotFlush();
  SlotFlush(const SlotFlush&) = delete;
  SlotFlush& operator=(const SlotFlush&) = delete;
  // The moved-from flush holds nothing and gives nothing back.
  SlotFlush(SlotFlush&& other) noexcept = default;
  SlotFlush& operator=(SlotFlush&&) = delete;

  // fdatasync; the descriptor is closed and the place given back before it
  // returns. Its error is the writer's too: the fsync of commit() shares
  // the open file and would not see it again.
  Status run();

 private:
  friend class SlotWriter;
  SlotFlush(UniqueFd fd, std::string path, std::shared_ptr<const FileSync> file_sync,
            std::shared_ptr<FlushBudget> budget);
  void release();

  UniqueFd fd_;
  std::string path_;
  std::shared_ptr<const FileSync> file_sync_;
  std::shared_ptr<FlushBudget> budget_;
};

// One slot being filled. commit() makes it durable (sync mode); destroying
// a writer that was not committed removes the file.
class SlotWriter {
 public:
  ~SlotWriter();
  SlotWriter(const SlotWriter&) = delete;
  SlotWriter& operator=(const SlotWriter&) = delete;
  // The moved-from writer holds nothing and removes nothing.
  SlotWriter(SlotWriter&& other) noexcept = default;
  SlotWriter& operator=(SlotWriter&&) = delete;

  const std::string& id() const { return id_; }
  uint64_t size() const { return size_; }
  Status append(std::string_view data);
  // fsync (sync mode). The writer is finished afterwards.
  Result<storage::BlobInfo> commit();
  // Removes the file. Also done by the destructor.
  void abort();

  // Sync mode, once kFlushBehind more bytes were appended since the last
  // time: a flush of them to run off the appending thread, so the disk makes
  // those bytes durable while the body still arrives and commit()'s fsync
  // waits only for the rest (on a disk that writes at flush time, like a
  // VM's, the final fsync was a quarter of a 256 MiB PUT). None otherwise,
  // nor when the budget has no place left: the next try is kFlushBehind
  // bytes later.
  std::optional<SlotFlush> take_flush();

 private:
  friend class BlobSlots;
  SlotWriter(UniqueFd fd, std::string id, std::string path, bool sync,
             std::shared_ptr<const FileSync> file_sync, std::shared_ptr<FlushBudget> budget);

  UniqueFd fd_;
  std::string id_;
  std::string path_;
  bool sync_ = true;
  std::shared_ptr<const FileSync> file_sync_;
  std::shared_ptr<FlushBudget> budget_;
  uint64_t size_ = 0;
  // Bytes whose write-out append() has started (sync mode), every
  // kWriteBehind bytes.
  static constexpr uint64_t kWriteBehind = 8u << 20;
  uint64_t written_back_ = 0;
  // Bytes handed to a flush by take_flush(), every kFlushBehind bytes.
  static constexpr uint64_t kFlushBehind = 32u << 20;
  uint64_t flushed_ = 0;
};

class BlobSlots {
 public:
  static constexpr size_t kBatch = 32;

  // `root` is the BlobStore's root (<data_dir>/s3/blobs), already open; at
  // most `flushes` flushes behind the writes run at once (FlushBudget).
  BlobSlots(std::string root, bool sync, size_t flushes)
      : root_(std::move(root)),
        sync_(sync),
        budget_(std::make_shared<FlushBudget>(flushes)),
        file_sync_(std::make_shared<const FileSync>()) {}
  ~BlobSlots();  // removes the slots never handed out
  BlobSlots(const BlobSlots&) = delete;
  BlobSlots& operator=(const BlobSlots&) = delete;

  // A fresh slot, making a new batch first when none is left.
  Result<SlotWriter> create();
  // Slots made and not yet handed out (tests).
  size_t spare() const;
  // Replaces how the writers created from now on sync (tests).
  void set_file_sync(FileSync file_sync);
  const FlushBudget& flush_budget() const { return *budget_; }

 private:
  // Creates kBatch empty files in one new fan-out directory and fsyncs it
  // (and the root when the directory is new); their ids.
  Result<std::vector<std::string>> make_batch() const;

  std::string root_;
  bool sync_;
  std::shared_ptr<FlushBudget> budget_;
  mutable Mutex mu_;
  std::vector<std::string> spare_ GUARDED_BY(mu_);
  std::shared_ptr<const FileSync> file_sync_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::s3
