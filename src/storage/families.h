// Column families: which RocksDB column family a namespace's keys live in.
// Internal to storage/ (storage.cc, committer.cc, log.cc).
//
// Log records (Log's `<ns>` namespaces: Kinesis shards, DynamoDB Streams,
// Firehose, the async-invoke queue) are written once, read in order and
// deleted by trims; every other namespace is a table of documents updated
// in place. The records live in the "log" family, whose values go to blob
// files (RocksDB's integrated BlobDB): compaction then rewrites their keys
// only, not the payloads. Everything else stays in the default family,
// tuned as before. One WriteBatch across both families is still one atomic
// write under the one WAL (docs/storage.md).
//
// Which namespaces are log records is known in code (Log::open marks its
// records namespace before it reads), not stored: process-wide. A Storage
// routes a marked namespace to the log family from the first
// Storage::records() call for it, which first moves any of its keys still in
// the default family (data directories from before the log family). The
// move is batches of put-in-log + delete-in-default, each atomic: a crash
// in the middle leaves the rest to the next open.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"

namespace rocksdb {
class ColumnFamilyHandle;
}

namespace nimbus::storage {

// Marks `ns` as a log records namespace, in this process (idempotent).
void mark_log_namespace(std::string_view ns);
bool is_log_namespace(std::string_view ns);

// The namespace of an encoded key (namespace '\0' key; see keys.h).
inline std::string_view namespace_of(std::string_view key) {
  return key.substr(0, key.find('\0'));
}

// One Storage's routing. of() and routed() take no lock (every read of
// every key asks, from every event loop): routes are only ever added, so
// each change publishes a new snapshot and keeps the old ones (one per
// routed namespace, a handful per process) for readers still in them.
class Families {
 public:
  Families(rocksdb::ColumnFamilyHandle* main, rocksdb::ColumnFamilyHandle* log)
      : main_(main), log_(log) {
    all_.push_back(std::make_unique<const Routes>());
    routes_.store(all_.back().get(), std::memory_order_release);
  }

  // The family holding the keys of `ns`; nullptr when moving its old keys
  // failed (reads and writes of it then fail).
  rocksdb::ColumnFamilyHandle* of(std::string_view ns) const {
    const Routes* r = routes_.load(std::memory_order_acquire);
    if (r->routed.empty() || r->routed.find(ns) == r->routed.end()) return main_;
    return r->failed.find(ns) != r->failed.end() ? nullptr : log_;
  }
  bool routed(std::string_view ns) const {
    const Routes* r = routes_.load(std::memory_order_acquire);
    return r->routed.find(ns) != r->routed.end();
  }
  void route(std::string_view ns) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (all_.back()->routed.count(ns) != 0) return;
    auto next = std::make_unique<Routes>(*all_.back());
    next->routed.emplace(ns);
    publish(std::move(next));
  }
  void fail(std::string_view ns, std::string why) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    auto next = std::make_unique<Routes>(*all_.back());
    next->failed.emplace(std::string(ns), std::move(why));
    publish(std::move(next));
  }
  // Why moving `ns` failed ("" if it did not).
  std::string failure(std::string_view ns) const {
    const Routes* r = routes_.load(std::memory_order_acquire);
    auto it = r->failed.find(ns);
    return it == r->failed.end() ? std::string() : it->second;
  }
  rocksdb::ColumnFamilyHandle* main() const { return main_; }
  rocksdb::ColumnFamilyHandle* log() const { return log_; }

 private:
  struct Routes {
    std::set<std::string, std::less<>> routed;
    std::map<std::string, std::string, std::less<>> failed;  // and why
  };
  void publish(std::unique_ptr<Routes> next) REQUIRES(mu_) {
    routes_.store(next.get(), std::memory_order_release);
    all_.push_back(std::move(next));
  }

  rocksdb::ColumnFamilyHandle* const main_;
  rocksdb::ColumnFamilyHandle* const log_;
  std::atomic<const Routes*> routes_{nullptr};
  mutable Mutex mu_;
  std::vector<std::unique_ptr<const Routes>> all_ GUARDED_BY(mu_);
};

}  // namespace nimbus::storage
