#include "services/s3/pieces_body.h"

#include "http/file_body.h"

namespace nimbus::services::s3 {

namespace {

class PiecesBody : public http::BodySource,
                   public http::FileSender,
                   public std::enable_shared_from_this<PiecesBody> {
 public:
  PiecesBody(std::vector<FileRange> ranges, std::vector<std::shared_ptr<http::BodySource>> opened,
             WorkerPool& workers)
      : ranges_(std::move(ranges)), opened_(std::move(opened)), workers_(workers) {
    for (const auto& r : ranges_) size_ += r.length;
  }

  std::optional<uint64_t> size() const override { return size_; }
  http::FileSender* file_sender() override { return this; }

  // Every piece is a file's bytes as stored: the edge may send them with
  // sendfile, one piece after the other.
  void send_to_socket(std::shared_ptr<const http::SocketFd> socket, uint64_t max,
                      http::SocketSendCallback done) override {
    if (index_ >= ranges_.size()) {
      return done(Error::internal("the object ended before its size"));
    }
    if (index_ < opened_.size() && opened_[index_]) {
      return send_current(std::move(socket), max, std::move(done));
    }
    workers_.post([self = shared_from_this(), socket = std::move(socket), max,
                   done = std::move(done)]() mutable {
      if (auto opened = self->open_current(); !opened) return done(opened.take_error());
      self->send_current(std::move(socket), max, std::move(done));
    });
  }

  void read(http::BodyCallback next) override {
    if (index_ >= ranges_.size()) return next(std::string());
    if (index_ < opened_.size() && opened_[index_]) return read_current(std::move(next));
    // A piece past the eager ones: open it on a worker.
    workers_.post([self = shared_from_this(), next = std::move(next)]() mutable {
      if (auto opened = self->open_current(); !opened) return next(opened.take_error());
      self->read_current(std::move(next));
    });
  }

 private:
  // Opens the current piece's file (a worker: it blocks).
  Status open_current() {
    const FileRange& r = ranges_[index_];
    auto body = http::file_body(r.path, r.offset, r.length, workers_);
    if (!body) return body.take_error();
    if (opened_.size() <= index_) opened_.resize(index_ + 1);
    opened_[index_] = std::move(*body);
    return Status::ok();
  }

  void send_current(std::shared_ptr<const http::SocketFd> socket, uint64_t max,
                    http::SocketSendCallback done) {
    uint64_t piece_left = ranges_[index_].length - sent_in_piece_;
    auto* sender = opened_[index_]->file_sender();  // a file_body
    if (!sender) return done(Error::internal("a piece is not a file"));
    sender->send_to_socket(
        std::move(socket), std::min(max, piece_left),
        [self = shared_from_this(), done = std::move(done)](Result<http::SocketSend> sent) mutable {
          if (sent) {
            self->sent_in_piece_ += sent->bytes;
            if (self->sent_in_piece_ == self->ranges_[self->index_].length) {
              self->opened_[self->index_].reset();  // this piece is done: on to the next
              ++self->index_;
              self->sent_in_piece_ = 0;
            }
          }
          done(std::move(sent));
        });
  }

  void read_current(http::BodyCallback next) {
    opened_[index_]->read(
        [self = shared_from_this(), next = std::move(next)](http::BodyChunk piece) mutable {
          if (piece && piece->empty()) {  // this piece is done: on to the next
            self->opened_[self->index_].reset();
            ++self->index_;
            return self->read(std::move(next));
          }
          next(std::move(piece));
        });
  }

  std::vector<FileRange> ranges_;
  std::vector<std::shared_ptr<http::BodySource>> opened_;
  WorkerPool& workers_;
  uint64_t size_ = 0;
  size_t index_ = 0;            // one read at a time: only the reader's thread moves it
  uint64_t sent_in_piece_ = 0;  // send_to_socket: bytes of the current piece sent
};

}  // namespace

Result<std::shared_ptr<http::BodySource>> pieces_body(std::vector<FileRange> ranges,
                                                      WorkerPool& workers, size_t eager) {
  std::erase_if(ranges, [](const FileRange& r) { return r.length == 0; });
  std::vector<std::shared_ptr<http::BodySource>> opened;
  for (size_t i = 0; i < ranges.size() && i < eager; ++i) {
    auto body = http::file_body(ranges[i].path, ranges[i].offset, ranges[i].length, workers);
    if (!body) return body.take_error();
    opened.push_back(std::move(*body));
  }
  return std::shared_ptr<http::BodySource>(
      std::make_shared<PiecesBody>(std::move(ranges), std::move(opened), workers));
}

}  // namespace nimbus::services::s3
