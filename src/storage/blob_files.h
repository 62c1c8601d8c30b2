// The files of a BlobStore (blob_store.h) for code that serves them itself:
// an S3 object's body goes out as an http::file_body of its blob's file,
// and S3's start-up garbage collection lists the blobs no record names.
// Only for stores whose root the caller opened (BlobStore::open(root)).
//
// Threads: list_blobs and fsync_dir block (worker pool or start-up only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::storage {

// The file of blob `id` under `root` (it may not exist); NoSuchBlob for a
// malformed id, so no id names a path outside the store.
Result<std::string> blob_path(std::string_view root, std::string_view id);

// The ids of every committed blob under `root`, in no order (temporaries
// in tmp/ are not blobs).
Result<std::vector<std::string>> list_blobs(const std::string& root);

// A fresh random blob id (32 lower-case hex digits) beginning with `prefix`
// (lower-case hex digits, shorter than an id): ids sharing their first two
// digits share a directory.
Result<std::string> new_blob_id(std::string_view prefix = {});

// fsyncs directory `dir`: the entries created or renamed in it are durable
// once it returns. Blocks.
Status fsync_dir(const std::string& dir);

}  // namespace nimbus::storage
