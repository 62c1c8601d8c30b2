// BlobStore: large immutable byte strings (object bodies, function code) as
// plain files under <data_dir>/blobs, outside RocksDB.
//
// Naming: the store assigns each blob a fresh random id (32 hex chars) when it
// is written; blobs are never overwritten. A service keeps the id in a record
// (for example an object's metadata) and commits that record after the blob
// is written. The record commit is then the one atomic switch: a crash before
// it leaves an unreferenced blob, never a record pointing at a half-written
// file, and replacing an object is "write new blob, commit record, delete old
// blob". Why not content addressing: it would need a hash pass over every
// upload and reference counting before any delete, for deduplication that
// object workloads rarely get. See docs/storage.md.
//
// Durability: a blob is written to blobs/tmp/<id>, then (in `sync` mode)
// fsynced, renamed to blobs/<id[0..2]>/<id> and the directory fsynced. In
// `async` mode the fsyncs are skipped (the page cache survives kill -9).
// Temporary files left by a crash are removed when the store opens.
//
// Threads: every method does file I/O and blocks: worker pool only. Methods
// are safe to call concurrently; a BlobWriter belongs to one thread at a time.
//
// Failure: Error::internal with the path and errno text; a missing blob is
// Error code "NoSuchBlob".
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nimbus::storage {

struct BlobInfo {
  std::string id;
  uint64_t size = 0;
};

// Streams one blob to its temporary file. commit() makes it visible under its
// id; destroying a writer that was not committed removes the temporary file.
class BlobWriter {
 public:
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  // The moved-from writer holds nothing and removes nothing.
  BlobWriter(BlobWriter&& other) noexcept = default;
  BlobWriter& operator=(BlobWriter&&) = delete;

  const std::string& id() const { return id_; }
  uint64_t size() const { return size_; }

  Status append(std::string_view data);
  // fsync (sync mode), rename into place. The writer is finished afterwards.
  Result<BlobInfo> commit();
  // Drops the temporary file. Also done by the destructor.
  void abort();

 private:
  friend class BlobStore;
  BlobWriter(UniqueFd fd, std::string id, std::string tmp_path, std::string final_path, bool sync);

  UniqueFd fd_;
  std::string id_;
  std::string tmp_path_;
  std::string final_path_;
  bool sync_ = true;
  uint64_t size_ = 0;
};

class BlobStore {
 public:
  // `root` is <data_dir>/blobs; created if missing; leftover temporaries removed.
  static Result<std::unique_ptr<BlobStore>> open(std::string root, bool sync);

  Result<BlobWriter> create();
  Result<BlobInfo> write(std::string_view data);
  Result<BlobInfo> write(std::istream& in);

  Result<uint64_t> size(std::string_view id) const;
  Result<std::string> read(std::string_view id) const;
  // Bytes [offset, offset + length) clipped to the blob's end; an offset past
  // the end yields an empty string.
  Result<std::string> read_range(std::string_view id, uint64_t offset, uint64_t length) const;
  // Removing a missing blob is not an error (deletes are retried after crashes).
  Status remove(std::string_view id);

  // Number of files in blobs/tmp (tests: no temporaries are left behind).
  size_t temp_files() const;

 private:
  BlobStore(std::string root, bool sync) : root_(std::move(root)), sync_(sync) {}
  Result<std::string> path_of(std::string_view id) const;

  std::string root_;
  bool sync_;
};

}  // namespace nimbus::storage
