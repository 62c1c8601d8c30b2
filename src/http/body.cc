#include "http/body.h"

#include <algorithm>

namespace nimbus::http {

namespace {

Error too_large(size_t limit) {
  return Error::make("RequestEntityTooLarge",
                     "The request body is larger than the " + std::to_string(limit) +
                         " bytes this destination accepts.",
                     413);
}

class MemoryBody final : public BodySource {
 public:
  MemoryBody(std::string data, size_t piece)
      : data_(std::move(data)), size_(data_.size()), piece_(std::max<size_t>(piece, 1)) {}
  std::optional<uint64_t> size() const override { return size_; }
  void read(BodyCallback next) override {
    size_t n = std::min(piece_, size_ - pos_);
    // One piece holding everything: hand the string over instead of copying.
    std::string chunk;
    if (n > 0) chunk = pos_ == 0 && n == size_ ? std::move(data_) : data_.substr(pos_, n);
    pos_ += n;
    next(std::move(chunk));
  }

 private:
  std::string data_;
  size_t size_;
  size_t piece_;
  size_t pos_ = 0;
};

struct Collector : std::enable_shared_from_this<Collector> {
  std::shared_ptr<BodySource> source;
  size_t limit;
  std::function<void(Result<std::string>)> done;
  std::string out;

  void next() {
    source->read(
        [self = shared_from_this()](BodyChunk chunk) { self->on_chunk(std::move(chunk)); });
  }
  void on_chunk(BodyChunk chunk) {
    if (!chunk) return finish(chunk.take_error());
    if (chunk->empty()) return finish(std::move(out));
    if (chunk->size() > limit - out.size()) return finish(too_large(limit));
    out.append(*chunk);
    next();
  }
  void finish(Result<std::string> r) {
    source.reset();  // abandon what is left
    auto d = std::move(done);
    d(std::move(r));
  }
};

}  // namespace

void read_all(std::shared_ptr<BodySource> source, size_t limit,
              std::function<void(Result<std::string>)> done) {
  auto c = std::make_shared<Collector>();
  c->limit = limit;
  c->done = std::move(done);
  if (auto n = source->size(); n && *n > limit) {
    return c->finish(too_large(limit));
  }
  if (auto n = source->size()) c->out.reserve(static_cast<size_t>(*n));
  c->source = std::move(source);
  c->next();
}

std::shared_ptr<BodySource> memory_body(std::string data, size_t piece) {
  return std::make_shared<MemoryBody>(std::move(data), piece);
}

}  // namespace nimbus::http
