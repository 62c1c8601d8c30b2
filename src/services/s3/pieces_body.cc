#include "services/s3/pieces_body.h"

#include "http/file_body.h"

namespace nimbus::services::s3 {

namespace {

class PiecesBody : public http::BodySource, public std::enable_shared_from_this<PiecesBody> {
 public:
  PiecesBody(std::vector<FileRange> ranges, std::vector<std::shared_ptr<http::BodySource>> opened,
             WorkerPool& workers)
      : ranges_(std::move(ranges)), opened_(std::move(opened)), workers_(workers) {
    for (const auto& r : ranges_) size_ += r.length;
  }

  std::optional<uint64_t> size() const override { return size_; }

  void read(http::BodyCallback next) override {
    if (index_ >= ranges_.size()) return next(std::string());
    if (index_ < opened_.size() && opened_[index_]) return read_current(std::move(next));
    // A piece past the eager ones: open it on a worker.
    workers_.post([self = shared_from_this(), next = std::move(next)]() mutable {
      const FileRange& r = self->ranges_[self->index_];
      auto body = http::file_body(r.path, r.offset, r.length, self->workers_);
      if (!body) return next(body.take_error());
      if (self->opened_.size() <= self->index_) self->opened_.resize(self->index_ + 1);
      self->opened_[self->index_] = std::move(*body);
      self->read_current(std::move(next));
    });
  }

 private:
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
  size_t index_ = 0;  // one read at a time: only the reader's thread moves it
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
