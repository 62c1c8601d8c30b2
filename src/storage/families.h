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

#include <map>
#include <set>
#include <string>
#include <string_view>

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

// One Storage's routing.
class Families {
 public:
  Families(rocksdb::ColumnFamilyHandle* main, rocksdb::ColumnFamilyHandle* log)
      : main_(main), log_(log) {}

  // The family holding the keys of `ns`; nullptr when moving its old keys
  // failed (reads and writes of it then fail).
  rocksdb::ColumnFamilyHandle* of(std::string_view ns) const EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (routed_.empty()) return main_;
    auto it = routed_.find(ns);
    if (it == routed_.end()) return main_;
    return failed_.count(ns) != 0 ? nullptr : log_;
  }
  bool routed(std::string_view ns) const EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return routed_.find(ns) != routed_.end();
  }
  void route(std::string_view ns) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    routed_.emplace(ns);
  }
  void fail(std::string_view ns, std::string why) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    failed_.emplace(std::string(ns), std::move(why));
  }
  // Why moving `ns` failed ("" if it did not).
  std::string failure(std::string_view ns) const EXCLUDES(mu_) {
    MutexLock lock(mu_);
    auto it = failed_.find(ns);
    return it == failed_.end() ? std::string() : it->second;
  }
  rocksdb::ColumnFamilyHandle* main() const { return main_; }
  rocksdb::ColumnFamilyHandle* log() const { return log_; }

 private:
  rocksdb::ColumnFamilyHandle* const main_;
  rocksdb::ColumnFamilyHandle* const log_;
  mutable Mutex mu_;
  std::set<std::string, std::less<>> routed_ GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> failed_ GUARDED_BY(mu_);
};

}  // namespace nimbus::storage
