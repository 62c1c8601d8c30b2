// Bodies that flow in pieces instead of sitting whole in memory: a request
// body the edge streams to its destination (an S3 object on its way to a
// blob), and a response body the edge sends from a file or any producer.
//
// One pull interface for both directions (docs/edge.md says why pull): the
// reader asks for the next piece and gets it through a callback, so nothing
// is produced before it is wanted and memory stays at one piece per body.
// Neither side ever blocks the other: the edge's reads and writes are
// asynchronous on its event loop, and a producer that must block (a file
// read) does so on a worker thread before calling back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace nimbus::http {

class FileSender;  // http/file_body.h

// One piece of a body: a non-empty chunk, an empty chunk at the end of the
// body, or an Error (the body is then unusable).
using BodyChunk = Result<std::string>;
using BodyCallback = std::function<void(BodyChunk)>;

class BodySource {
 public:
  virtual ~BodySource() = default;
  // Bytes in the whole body when known up front. A response body must know
  // it (it becomes the Content-Length); a chunked request body does not.
  virtual std::optional<uint64_t> size() const = 0;
  // Asks for the next piece. `next` is called exactly once, on a thread the
  // source names (the edge's request bodies: the connection's event loop,
  // always later; file bodies: a worker; memory bodies: inside read()). It
  // must not block. One read at a time: call read() again only after `next`
  // ran (calling it from inside `next` is how a reader loops).
  // Dropping the last reference abandons the body (the edge then closes the
  // connection instead of reading the rest).
  virtual void read(BodyCallback next) = 0;
  // The same bytes as a FileSender (http/file_body.h) when they are files
  // as stored, which the edge then sends with sendfile(2) in place of
  // read(); null otherwise.
  virtual FileSender* file_sender() { return nullptr; }
};

// Reads `source` to its end into one string; `done` gets it, or the
// source's error, or 413 RequestEntityTooLarge once more than `limit`
// bytes arrived (the rest is not read). `done` runs where the source
// calls back.
void read_all(std::shared_ptr<BodySource> source, size_t limit,
              std::function<void(Result<std::string>)> done);

// A body held in memory, handed out in pieces of `piece` bytes (tests, and
// code that has a small body where a stream is expected).
std::shared_ptr<BodySource> memory_body(std::string data, size_t piece = 64 * 1024);

}  // namespace nimbus::http
