// A response body read from a file, or from a byte range of it, one piece
// per read() on a worker thread, so the edge sends a large file (an S3
// object, a range of one) without ever holding it whole. The edge instead
// has it send itself (send_to_socket: sendfile(2) on a worker, from the
// page cache to the socket, no copy through user space): the body returned
// is also a FileSender (BodySource::file_sender).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"
#include "common/worker_pool.h"
#include "http/body.h"

namespace nimbus::http {

// What one FileSender::send_to_socket did: bytes sent, and whether it
// stopped because the socket's buffer is full (ask again once writable).
struct SocketSend {
  uint64_t bytes = 0;
  bool would_block = false;
};
using SocketSendCallback = std::function<void(Result<SocketSend>)>;

// A duplicate of a connection's socket descriptor, for a sender on another
// thread: the socket stays open, and its number taken, until the last
// holder lets go, even if the connection closes meanwhile.
class SocketFd {
 public:
  explicit SocketFd(int fd) : fd_(fd) {}
  int get() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

// What a response BodySource that is bytes of files as stored can do
// besides read(): be sent by the kernel from the page cache (sendfile(2):
// no copy through user space, no piece handed to the edge). Such a source
// returns itself from BodySource::file_sender(); the edge asks every
// response stream and then uses it in place of read() for the whole body.
class FileSender {
 public:
  virtual ~FileSender() = default;
  // Sends the body's next bytes, at most `max`, to the non-blocking socket
  // `socket`, stopping early when its buffer is full; blocks on the file,
  // never on the socket. `done` runs on a worker. One call at a time.
  virtual void send_to_socket(std::shared_ptr<const SocketFd> socket, uint64_t max,
                              SocketSendCallback done) = 0;
};

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
