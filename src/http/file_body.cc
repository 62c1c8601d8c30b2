#include "http/file_body.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nimbus::http {

namespace {

class FileBody final : public BodySource, public std::enable_shared_from_this<FileBody> {
 public:
  FileBody(int fd, uint64_t offset, uint64_t length, WorkerPool& workers, size_t piece)
      : fd_(fd), pos_(offset), left_(length), length_(length), workers_(workers), piece_(piece) {}
  ~FileBody() override { ::close(fd_); }

  std::optional<uint64_t> size() const override { return length_; }

  void read(BodyCallback next) override {
    workers_.post([self = shared_from_this(), next = std::move(next)]() mutable {
      next(self->read_piece());
    });
  }

 private:
  BodyChunk read_piece() {
    std::string out(static_cast<size_t>(std::min<uint64_t>(piece_, left_)), '\0');
    size_t got = 0;
    while (got < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + got, out.size() - got, static_cast<off_t>(pos_ + got));
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

  int fd_;
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
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error::make("NoSuchFile", path + ": " + std::strerror(errno),
                       errno == ENOENT ? 404 : 500);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Error::make("InternalError", path + ": " + std::strerror(e), 500);
  }
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  uint64_t n = length.value_or(file_size > offset ? file_size - offset : 0);
  if (offset > file_size || n > file_size - offset) {
    ::close(fd);
    return Error::make("InvalidRange", "The requested range is not satisfiable", 416);
  }
  return std::shared_ptr<BodySource>(
      std::make_shared<FileBody>(fd, offset, n, workers, std::max<size_t>(piece, 4096)));
}

}  // namespace nimbus::http
