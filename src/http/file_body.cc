#include "http/file_body.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nimbus::http {

namespace {

// At most this much per send_to_socket(), so one fast reader does not keep
// a worker from other tasks for long.
constexpr uint64_t kFileSendBatch = 4u << 20;

// sendfile(2) has no MSG_NOSIGNAL: writing to a peer that is gone raises
// SIGPIPE, which nimbus ignores but a host process (a test) may not. It is
// blocked on the threads that send files (once each), and one that became
// pending is taken back after the EPIPE.
void block_sigpipe_on_this_thread() {
  thread_local bool blocked = false;
  if (blocked) return;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  blocked = true;
}

void take_pending_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  timespec zero{};
  sigtimedwait(&set, nullptr, &zero);
}

class FileBody final : public BodySource,
                       public FileSender,
                       public std::enable_shared_from_this<FileBody> {
 public:
  FileBody(UniqueFd fd, uint64_t offset, uint64_t length, WorkerPool& workers, size_t piece)
      : fd_(std::move(fd)),
        pos_(offset),
        left_(length),
        length_(length),
        workers_(workers),
        piece_(piece) {}

  std::optional<uint64_t> size() const override { return length_; }
  FileSender* file_sender() override { return this; }

  void read(BodyCallback next) override {
    workers_.post([self = shared_from_this(), next = std::move(next)]() mutable {
      next(self->read_piece());
    });
  }

  void send_to_socket(std::shared_ptr<const SocketFd> socket, uint64_t max,
                      SocketSendCallback done) override {
    workers_.post([self = shared_from_this(), socket = std::move(socket), max,
                   done = std::move(done)] { done(self->send_piece(socket->get(), max)); });
  }

 private:
  Result<SocketSend> send_piece(int socket, uint64_t max) {
    block_sigpipe_on_this_thread();
    SocketSend out;
    uint64_t want = std::min({left_, max, kFileSendBatch});
    while (out.bytes < want) {
      off_t at = static_cast<off_t>(pos_);
      ssize_t n = ::sendfile(socket, fd_.get(), &at, static_cast<size_t>(want - out.bytes));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        out.would_block = true;
        break;
      }
      if (n < 0) {
        int e = errno;
        if (e == EPIPE) take_pending_sigpipe();
        return Error::make("InternalError", std::string("sendfile: ") + std::strerror(e), 500);
      }
      if (n == 0)
        return Error::make("InternalError", "the file ended before its expected size", 500);
      pos_ += static_cast<uint64_t>(n);
      left_ -= static_cast<uint64_t>(n);
      out.bytes += static_cast<uint64_t>(n);
    }
    return out;
  }

  BodyChunk read_piece() {
    std::string out(static_cast<size_t>(std::min<uint64_t>(piece_, left_)), '\0');
    size_t got = 0;
    while (got < out.size()) {
      ssize_t n =
          ::pread(fd_.get(), out.data() + got, out.size() - got, static_cast<off_t>(pos_ + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return Error::make("InternalError", std::string("read: ") + std::strerror(errno), 500);
      if (n == 0)
        return Error::make("InternalError", "the file ended before its expected size", 500);
      got += static_cast<size_t>(n);
    }
    pos_ += got;
    left_ -= got;
    return out;
  }

  UniqueFd fd_;
  uint64_t pos_;
  uint64_t left_;
  uint64_t length_;
  WorkerPool& workers_;
  size_t piece_;
};

}  // namespace

Result<std::shared_ptr<BodySource>> file_body(const std::string& path, uint64_t offset,
                                              std::optional<uint64_t> length, WorkerPool& workers,
                                              size_t piece) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Error::make("NoSuchFile", path + ": " + std::strerror(errno),
                       errno == ENOENT ? 404 : 500);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    int e = errno;
    return Error::make("InternalError", path + ": " + std::strerror(e), 500);
  }
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  uint64_t n = length.value_or(file_size > offset ? file_size - offset : 0);
  if (offset > file_size || n > file_size - offset) {
    return Error::make("InvalidRange", "The requested range is not satisfiable", 416);
  }
  return std::shared_ptr<BodySource>(
      std::make_shared<FileBody>(std::move(fd), offset, n, workers, std::max<size_t>(piece, 4096)));
}

}  // namespace nimbus::http
