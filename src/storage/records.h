// Records: the key-value view of one namespace ("sqs.messages", "lambda").
//
// Ownership: a Records is a small value (a namespace name and a pointer to its
// Storage); copy it freely. It must not outlive the Storage it came from.
//
// Threads: every method may be called from any thread concurrently.
//   - get/scan read committed state and do not wait for the committer; they
//     are cheap enough for an event loop (memtable or block cache, at worst a
//     page read).
//   - put/del are blocking conveniences (one-op batch through commit_sync):
//     worker pool only. On an event loop, build a WriteBatch and use
//     Storage::commit with a callback instead.
//
// Visibility: a write is visible to get/scan as soon as its commit
// has been acknowledged (and never before it is applied).
//
// Failure: reads fail only on an I/O or corruption error from RocksDB
// (Error::internal); a missing key is std::nullopt, not an error.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::storage {

class Storage;

struct Entry {
  std::string key;  // the user key, without the namespace
  std::string value;
};

class Records {
 public:
  Records(Storage* storage, std::string ns);

  const std::string& ns() const { return ns_; }

  Result<std::optional<std::string>> get(std::string_view key) const;

  // Up to `limit` entries whose key starts with `prefix`, in ascending byte
  // order of the key. For paging, pass the last key of the previous page as
  // `start_after`; entries with keys <= start_after are skipped.
  Result<std::vector<Entry>> scan(std::string_view prefix, size_t limit,
                                  std::string_view start_after = {}) const;
  // The same in descending key order (DynamoDB's ScanIndexForward=false):
  // entries whose key starts with `prefix` and, when `start_before` is not
  // empty, is < start_before.
  Result<std::vector<Entry>> scan_reverse(std::string_view prefix, size_t limit,
                                          std::string_view start_before = {}) const;
  // The entry with the greatest key that starts with `prefix` (nullopt when
  // none does): the newest record of an ordered log, a high-water mark.
  Result<std::optional<Entry>> last(std::string_view prefix) const;
  // Every entry whose key starts with `prefix`, in key order, read `page`
  // entries at a time (start-up recovery). Stops at the first read error.
  Status each(std::string_view prefix, const std::function<void(Entry&)>& visit,
              size_t page = 4096) const;
  // scan() without a copy of each entry: `visit(key, value)` for up to
  // `limit` entries whose key starts with `prefix` and is > `start_after`
  // (when not empty), in ascending key order, through one RocksDB iterator.
  // Lifetime: `key` (without the namespace) and `value` point into the
  // iterator's buffers and are valid only during that call; copy what you
  // keep. `visit` returns false to stop early. It runs on the calling thread
  // with the iterator open: it must be quick and must not block or commit.
  // Returns how many entries were visited (including the one that stopped).
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  Result<size_t> visit(std::string_view prefix, size_t limit, std::string_view start_after,
                       const Visitor& visit) const;

  // Blocking (worker pool only): one-op batch, durable per the server setting.
  Status put(std::string_view key, std::string_view value);
  Status del(std::string_view key);

 private:
  Storage* storage_;
  std::string ns_;
  std::string prefix_;  // ns '\0'
};

}  // namespace nimbus::storage
