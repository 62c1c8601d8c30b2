// Storage: the one-machine store every service reaches state through.
// RocksDB (<data_dir>/db) for records and metadata, plain files
// (<data_dir>/blobs) for large blobs. Services see only the narrow views:
// Records (one namespace of key-values), WriteBatch (atomic multi-key,
// multi-namespace mutations) and BlobStore.
//
// Ownership: open() returns the only owner. Records views and the BlobStore
// pointer are borrowed and must not outlive it. One Storage per data
// directory: a second open of the same directory, in this process or
// another, fails with "data directory X is in use by another nimbus (pid N)".
//
// Writes go through one committer thread, in the order they were queued
// (that FIFO order is the single total order of all commits). With
// durability `sync` the committer takes every batch queued while the
// previous fsync ran, writes them as one RocksDB write with a WAL fsync
// (group commit), then completes each caller. With `async` it writes the
// WAL without fsync: acknowledged writes survive kill -9 of the process but
// not a power loss. A batch marked WriteBatch::defer_sync is, in `sync`
// mode, acknowledged without an fsync of its own; the next synced round
// makes it durable.
//
// Threads: all methods are thread-safe. commit() never blocks (event loops);
// commit_sync() blocks until durable (worker pool only). close() is called
// by one owner thread, after which commits fail with "storage is closed".
//
// Failure: an I/O error from RocksDB fails the batch (Error::internal); the
// batch was not applied. RocksDB then refuses further writes until restart.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.h"
#include "common/result.h"
#include "storage/blob_store.h"
#include "storage/records.h"
#include "storage/write_batch.h"

namespace nimbus::storage {

enum class Durability { kSync, kAsync };

struct Options {
  std::string data_dir;
  Durability durability = Durability::kSync;
  // When set, observes every commit round written with a WAL fsync: the
  // RocksDB write and its fsync, in seconds (what a sync write waits for
  // beyond its own turn). Must outlive the Storage.
  Histogram* sync_write_seconds = nullptr;
};

// Counters since open, for tests and /_nimbus/metrics.
struct Stats {
  uint64_t commits = 0;          // batches acknowledged (ok or failed)
  uint64_t groups = 0;           // RocksDB writes issued by the committer
  uint64_t syncs = 0;            // of those, written with a WAL fsync (sync mode)
  uint64_t cross_partition = 0;  // committed batches naming more than one partition
  uint64_t unpartitioned = 0;    // committed batches naming none
};

class Storage {
 public:
  using Done = std::function<void(Status)>;

  static Result<std::unique_ptr<Storage>> open(Options options);
  ~Storage();  // close()
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  Records records(std::string_view ns);
  BlobStore& blobs() { return *blobs_; }
  const Options& options() const { return options_; }

  // Queues `batch`; `done` runs on the committer thread once the batch is
  // durable per the durability setting (or failed). `done` must be quick and
  // must not block: post real work to an event loop or the worker pool.
  void commit(WriteBatch batch, Done done);
  // Blocking form: worker pool only. Called from a `done` callback it would
  // deadlock; it asserts in debug builds and fails in release builds.
  Status commit_sync(WriteBatch batch);

  Stats stats() const;

  // Drains queued commits, flushes memtables to SST files, closes RocksDB and
  // releases the directory lock. Idempotent.
  Status close();

 private:
  friend class Records;
  struct Impl;
  Storage(Options options, std::unique_ptr<Impl> impl, std::unique_ptr<BlobStore> blobs);

  Result<std::optional<std::string>> get_raw(const std::string& key) const;
  Result<std::optional<Entry>> last_raw(const std::string& ns_prefix,
                                        std::string_view prefix) const;
  Result<std::vector<Entry>> scan_raw(const std::string& ns_prefix, std::string_view prefix,
                                      size_t limit, std::string_view start_after) const;
  Result<size_t> visit_raw(const std::string& ns_prefix, std::string_view prefix, size_t limit,
                           std::string_view start_after, const Records::Visitor& visit) const;
  Result<std::vector<Entry>> scan_reverse_raw(const std::string& ns_prefix, std::string_view prefix,
                                              size_t limit, std::string_view start_before) const;

  Options options_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<BlobStore> blobs_;
};

}  // namespace nimbus::storage
