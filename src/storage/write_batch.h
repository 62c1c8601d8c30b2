// WriteBatch: an ordered list of puts and deletes, across any namespaces,
// applied atomically by one Storage::commit (all or nothing, in order).
//
// A batch is plain data built by one thread; it does not touch the store until
// it is committed, and it carries no reads (no read-modify-write inside the
// store). That is what lets a replicated log replace the one-machine backend
// later: a batch is a command that can be shipped and replayed as is.
//
// Partitions: a batch names the partition(s) its writes belong to (a queue,
// a stream shard, a table item key: see docs/storage.md), either at
// construction or with add_partition(). One machine applies every batch in
// one total order whatever it names; the names are what a partitioned backend
// routes by, and Storage::stats() counts batches naming several partitions
// (cross-partition, which a partitioned log cannot make atomic for free) and
// none (not yet routed). Naming is optional so existing code keeps working.
//
// Namespaces are short names fixed in code ("sqs", "lambda.functions"); they
// must be non-empty and must not contain '\0'. Keys and values are any bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::storage {

class WriteBatch {
 public:
  enum class Kind { kPut, kDelete, kDeleteRange };
  struct Op {
    Kind kind;
    std::string key;    // encoded: namespace '\0' user key (see keys.h)
    std::string value;  // kDeleteRange: the encoded end key (exclusive)
  };

  WriteBatch() = default;
  explicit WriteBatch(std::string_view partition) { add_partition(partition); }

  void put(std::string_view ns, std::string_view key, std::string_view value);
  void del(std::string_view ns, std::string_view key);
  // Deletes every key of `ns` in [begin, end) (RocksDB DeleteRange: one
  // tombstone, whatever the number of keys). `end` <= `begin` deletes nothing.
  void del_range(std::string_view ns, std::string_view begin, std::string_view end);

  // Names a partition this batch writes to (duplicates are ignored).
  void add_partition(std::string_view partition);
  const std::vector<std::string>& partitions() const { return partitions_; }

  // The batch may be acknowledged before it is fsynced: with durability
  // `sync`, a round holding only such batches is written to the WAL without
  // an fsync and becomes durable with the next synced round (which syncs
  // the WAL as a whole). kill -9 cannot lose it (the WAL is in the page
  // cache); a power cut can, together with every commit after it. For data
  // no caller is promised durable: a function's log lines.
  void defer_sync() { defer_sync_ = true; }
  bool sync_deferred() const { return defer_sync_; }

  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  // Payload bytes (keys + values), for metrics and group sizing.
  size_t bytes() const { return bytes_; }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
  std::vector<std::string> partitions_;
  size_t bytes_ = 0;
  bool defer_sync_ = false;
};

}  // namespace nimbus::storage
