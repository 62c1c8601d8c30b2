// A response body read from a file, or from a byte range of it, one piece
// per read() on a worker thread, so the edge sends a large file (an S3
// object, a range of one) without ever holding it whole.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/worker_pool.h"
#include "http/body.h"

namespace nimbus::http {

// Opens `path` and serves bytes [offset, offset + length) (to the end of the
// file when `length` is empty). Blocks (open, fstat): call it from a worker,
// not an event loop. The file stays open while the body lives, so a file
// renamed over or unlinked meanwhile is still read whole, as it was opened.
// Pieces of `piece` bytes are read on `workers` (which must outlive the
// body); `next` runs there. Errors: NoSuchFile, InvalidRange (the range ends
// past the end of the file); a read failure (or a file that shrank) ends the
// body with an Error.
Result<std::shared_ptr<BodySource>> file_body(const std::string& path, uint64_t offset,
                                              std::optional<uint64_t> length, WorkerPool& workers,
                                              size_t piece = 256 * 1024);

}  // namespace nimbus::http
