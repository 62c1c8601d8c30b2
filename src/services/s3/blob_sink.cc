#include "services/s3/blob_sink.h"

#include <openssl/evp.h>

#include "common/mutex.h"
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
    // A body kept in memory needs no file: its pieces are taken where they
    // arrive (for a body that came whole, all at once, on the caller's
    // thread), with no hop to a worker.
    if (data_) return read_next();
    workers_.post([self = shared_from_this()] {
      auto w = self->slots_.create();
      if (!w) {
        self->finish(w.take_error());
        return;
      }
      self->writer_.emplace(std::move(*w));
      self->read_next();
    });
  }

 private:
  // One read is kept ahead of the worker: the next piece comes off the
  // socket (and through the signature's hash) on the event loop while this
  // one is hashed and written here. Pieces are taken in order, one at a
  // time; a piece that arrives while the last is still being taken waits in
  // `arrived_` for it.
  void read_next() {
    body_->read(
        [self = shared_from_this()](http::BodyChunk piece) { self->arrive(std::move(piece)); });
  }

  void arrive(http::BodyChunk piece) {
    {
      MutexLock lock(mu_);
      if (taking_) {
        arrived_.emplace(std::move(piece));
        return;
      }
      taking_ = true;
    }
    if (data_) return take_in_order(std::move(piece));
    workers_.post([self = shared_from_this(), piece = std::move(piece)]() mutable {
      self->take_in_order(std::move(piece));
    });
  }

  void take_in_order(http::BodyChunk piece) {
    while (true) {
      if (!take(std::move(piece))) return;  // finished: taking_ stays set, later pieces are dropped
      MutexLock lock(mu_);
      if (!arrived_) {
        taking_ = false;
        return;
      }
      piece = std::move(*arrived_);
      arrived_.reset();
    }
  }

  // Takes one piece; false once the body is finished (its end or an error).
  bool take(http::BodyChunk piece) {
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
    }
    read_next();  // the next piece is read while this one is taken
    if (data_) {
      data_->append(*piece);
    } else if (auto st = writer_->append(*piece); !st) {
      return finish(st.take_error());
    }
    md5_.update(*piece);
    if (checksum_) checksum_->update(*piece);
    return true;
  }

  // Always false: the body is finished (take()'s answer).
  bool finish(Result<WrittenBlob> r) {
    if (!r && writer_) writer_->abort();
    body_.reset();  // an abandoned body closes the connection after the answer
    auto done = std::move(done_);
    done(std::move(r));
    return false;
  }

  std::shared_ptr<http::BodySource> body_;
  BlobSlots& slots_;
  WorkerPool& workers_;
  std::optional<uint64_t> expected_;
  uint64_t limit_;
  std::function<void(Result<WrittenBlob>)> done_;
  uint64_t size() const { return data_ ? data_->size() : writer_->size(); }

  Mutex mu_;
  bool taking_ GUARDED_BY(mu_) = false;  // a worker is taking pieces
  std::optional<http::BodyChunk> arrived_ GUARDED_BY(mu_);

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
