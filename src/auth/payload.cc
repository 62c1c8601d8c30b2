#include "auth/payload.h"

#include "auth/crypto.h"
#include "auth/errors.h"
#include "http/piece_pool.h"

namespace nimbus::auth::detail {

namespace {

const http::Headers& no_headers() {
  static const http::Headers none;
  return none;
}

}  // namespace

PayloadStream::PayloadStream(std::shared_ptr<http::BodySource> raw, PayloadExpectation expect)
    : raw_(std::move(raw)), expect_(std::move(expect)) {
  if (expect_.chunked) decoder_.emplace(expect_.signing);
  if (expect_.sha256_hex) sha256_.emplace(ChecksumAlgorithm::kSha256);
  if (expect_.checksum) checksum_.emplace(*expect_.checksum);
}

std::optional<uint64_t> PayloadStream::size() const {
  if (expect_.chunked) return expect_.decoded_length;
  return raw_->size();
}

const http::Headers& PayloadStream::trailers() const {
  return decoder_ ? decoder_->trailers() : no_headers();
}

void PayloadStream::read(http::BodyCallback next) {
  if (failed_) return next(errors::incomplete_body("The request body was already refused."));
  raw_->read([self = shared_from_this(), next = std::move(next)](http::BodyChunk chunk) mutable {
    self->on_raw(std::move(chunk), std::move(next));
  });
}

void PayloadStream::on_raw(http::BodyChunk chunk, http::BodyCallback next) {
  if (!chunk) {
    failed_ = true;
    return next(std::move(chunk));
  }
  if (chunk->empty()) {
    Status done = finish();
    if (!done) {
      failed_ = true;
      return next(done.take_error());
    }
    return next(std::string());
  }
  std::string piece;
  if (decoder_) {
    if (Status s = decoder_->feed(*chunk, piece); !s) {
      failed_ = true;
      return next(s.take_error());
    }
    http::recycle_piece(std::move(chunk).value());    // decoded out of it: its buffer is free
    if (piece.empty()) return read(std::move(next));  // framing only: read on
  } else {
    piece = std::move(chunk).value();
  }
  decoded_ += piece.size();
  if (sha256_ && !expect_.chunked) sha256_->update(piece);
  if (checksum_) checksum_->update(piece);
  next(std::move(piece));
}

Status PayloadStream::finish() {
  if (decoder_) NIMBUS_TRY(decoder_->finish());
  if (sha256_ && !expect_.chunked) {
    if (crypto::hex(sha256_->digest()) != http::to_lower(*expect_.sha256_hex)) {
      return errors::content_sha256_mismatch();
    }
  }
  if (expect_.chunked && expect_.decoded_length && *expect_.decoded_length != decoded_) {
    return errors::incomplete_body(
        "You did not provide the number of bytes specified by the "
        "x-amz-decoded-content-length HTTP header.");
  }
  if (checksum_) {
    std::string_view claimed = expect_.checksum_header;
    std::string header = "x-amz-checksum-" + http::to_lower(checksum_name(checksum_->algorithm()));
    for (const auto& [k, v] : trailers()) {
      if (k == header) claimed = v;
    }
    if (claimed.empty()) {
      return errors::incomplete_body("The " + header +
                                     " trailer named by x-amz-trailer was not sent.");
    }
    if (claimed != checksum_->base64())
      return errors::bad_digest(checksum_name(checksum_->algorithm()));
  }
  return Status::ok();
}

}  // namespace nimbus::auth::detail
