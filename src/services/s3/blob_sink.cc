#include "services/s3/blob_sink.h"

#include <openssl/evp.h>

#include "services/s3/errors.h"

namespace nimbus::services::s3 {

namespace {

struct Md5 {
  Md5() : ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx, EVP_md5(), nullptr); }
  ~Md5() { EVP_MD_CTX_free(ctx); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void update(std::string_view d) { EVP_DigestUpdate(ctx, d.data(), d.size()); }
  std::string final() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
  }
  EVP_MD_CTX* ctx;
};

class Sink : public std::enable_shared_from_this<Sink> {
 public:
  Sink(std::shared_ptr<http::BodySource> body, BlobSlots& slots, WorkerPool& workers,
       std::optional<uint64_t> expected, uint64_t limit, uint64_t inline_limit,
       std::optional<auth::ChecksumAlgorithm> checksum,
       std::function<void(Result<WrittenBlob>)> done)
      : body_(std::move(body)),
        slots_(slots),
        workers_(workers),
        expected_(expected),
        limit_(limit),
        done_(std::move(done)) {
    if (checksum) checksum_.emplace(*checksum);
    if (expected && *expected <= inline_limit) {
      data_.emplace();
      data_->reserve(*expected);
    }
  }

  void start() {
    workers_.post([self = shared_from_this()] {
      if (self->data_) return self->pull();
      auto w = self->slots_.create();
      if (!w) return self->finish(w.take_error());
      self->writer_.emplace(std::move(*w));
      self->pull();
    });
  }

 private:
  void pull() {
    body_->read([self = shared_from_this()](http::BodyChunk piece) {
      self->workers_.post(
          [self, piece = std::move(piece)]() mutable { self->on_piece(std::move(piece)); });
    });
  }

  void on_piece(http::BodyChunk piece) {
    if (!piece) return finish(piece.take_error());
    if (piece->empty()) {
      if (expected_ && size() < *expected_) return finish(errors::incomplete_body());
      WrittenBlob out;
      if (data_) {
        out.blob.size = data_->size();
        out.data = std::move(data_);
      } else {
        auto info = writer_->commit();
        if (!info) return finish(info.take_error());
        out.blob = std::move(*info);
      }
      out.md5 = md5_.final();
      if (checksum_) out.checksum = checksum_->base64();
      return finish(std::move(out));
    }
    if (size() + piece->size() > limit_) {
      return finish(errors::entity_too_large(size() + piece->size(), limit_));
    }
    if (data_) {
      // Only a body of a declared length is kept in memory, and it never
      // grows past it: more bytes than declared is a length mismatch.
      if (data_->size() + piece->size() > *expected_) return finish(errors::incomplete_body());
      data_->append(*piece);
    } else if (auto st = writer_->append(*piece); !st) {
      return finish(st.take_error());
    }
    md5_.update(*piece);
    if (checksum_) checksum_->update(*piece);
    pull();
  }

  void finish(Result<WrittenBlob> r) {
    if (!r && writer_) writer_->abort();
    body_.reset();  // an abandoned body closes the connection after the answer
    auto done = std::move(done_);
    done(std::move(r));
  }

  std::shared_ptr<http::BodySource> body_;
  BlobSlots& slots_;
  WorkerPool& workers_;
  std::optional<uint64_t> expected_;
  uint64_t limit_;
  std::function<void(Result<WrittenBlob>)> done_;
  uint64_t size() const { return data_ ? data_->size() : writer_->size(); }

  std::optional<SlotWriter> writer_;
  std::optional<std::string> data_;  // the body, when it is kept in memory
  Md5 md5_;
  std::optional<auth::Checksum> checksum_;
};

}  // namespace

void write_blob(std::shared_ptr<http::BodySource> body, BlobSlots& slots, WorkerPool& workers,
                std::optional<uint64_t> expected, uint64_t limit, uint64_t inline_limit,
                std::optional<auth::ChecksumAlgorithm> checksum,
                std::function<void(Result<WrittenBlob>)> done) {
  std::make_shared<Sink>(std::move(body), slots, workers, expected, limit, inline_limit, checksum,
                         std::move(done))
      ->start();
}

std::string md5_of(std::string_view data) {
  Md5 m;
  m.update(data);
  return m.final();
}

}  // namespace nimbus::services::s3
