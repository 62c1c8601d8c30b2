// Streams a request body into a new blob, never holding it whole: each
// piece is written on one worker and hashed (the ETag's MD5, the checksum)
// on another while the next ones are read, and no further piece is asked
// for while twelve are in flight, so a slow disk holds the client back
// instead of growing memory. Every 32 MiB written is fdatasynced on a third
// worker behind the writes, so the commit's fsync waits only for the tail.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/checksum.h"
#include "auth/crypto.h"
#include "common/result.h"
#include "common/worker_pool.h"
#include "http/body.h"
#include "services/s3/blob_slots.h"
#include "storage/blob_store.h"

namespace nimbus::services::s3 {

struct WrittenBlob {
  storage::BlobInfo blob;  // committed: fsynced into its slot (sync durability)
  // Instead of `blob`: the body, when it was kept in memory (`inline_limit`).
  std::optional<std::string> data;
  std::string md5;       // the body's MD5, 16 raw bytes
  std::string checksum;  // base64 of the asked checksum of the body; empty when none asked
};

// Reads `body` to its end into a new blob in a slot of `slots`. `done` gets the
// committed blob, or the body's error (a bad chunk signature or checksum),
// IncompleteBody when fewer than `expected` bytes came, EntityTooLarge past
// `limit` bytes; no file is left behind on failure. `done` runs on a worker,
// or, for a body kept in memory, where its last piece arrived (the caller's
// thread, for a body that arrived whole).
// With `checksum`, the body is also digested with that algorithm.
// A body whose `expected` length is at most `inline_limit` is read into
// memory (WrittenBlob::data) instead of a slot, for its record to carry.
void write_blob(std::shared_ptr<http::BodySource> body, BlobSlots& slots, WorkerPool& workers,
                std::optional<uint64_t> expected, uint64_t limit, uint64_t inline_limit,
                std::optional<auth::ChecksumAlgorithm> checksum,
                std::function<void(Result<WrittenBlob>)> done);

// MD5 of a string (16 raw bytes); lowercase hex of raw bytes (auth's).
std::string md5_of(std::string_view data);
using ::nimbus::auth::crypto::hex;

}  // namespace nimbus::services::s3
