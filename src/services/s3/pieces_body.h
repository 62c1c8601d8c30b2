// The body of an object stored in pieces (a completed multipart upload:
// one file per part) as one stream, or a byte range of it, without copying
// the parts into one file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/worker_pool.h"
#include "http/body.h"

namespace nimbus::services::s3 {

struct FileRange {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// The ranges one after another. The first `eager` files are opened now
// (so a delete or overwrite meanwhile does not cut the read), the rest
// when the stream reaches them. Blocks (opens files): worker pool only.
Result<std::shared_ptr<http::BodySource>> pieces_body(std::vector<FileRange> ranges,
                                                      WorkerPool& workers, size_t eager = 256);

}  // namespace nimbus::services::s3
