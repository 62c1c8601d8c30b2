// Checks a request body against what its signed headers promise, as it is
// read: the payload hash (x-amz-content-sha256), aws-chunked framing with
// its chunk and trailer signatures, x-amz-decoded-content-length, and the
// x-amz-checksum-* value (a header, or a trailer named by x-amz-trailer).
// Internal to nimbus_auth: verify() wraps a streamed body in one, and runs a
// buffered body through one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "auth/checksum.h"
#include "auth/chunked.h"
#include "http/body.h"

namespace nimbus::auth::detail {

struct PayloadExpectation {
  std::optional<std::string> sha256_hex;   // the body's hash, when declared as one
  bool chunked = false;                    // a STREAMING-* mode: aws-chunked framing
  std::optional<ChunkSigning> signing;     // ... with chunk signatures
  std::optional<uint64_t> decoded_length;  // x-amz-decoded-content-length
  std::optional<ChecksumAlgorithm> checksum;
  std::string checksum_header;  // its value when sent as a header; else a trailer carries it
};

// A BodySource yielding the decoded payload of `raw`. A mismatch surfaces
// as the Error of the read that reaches the end of the body (a chunk
// signature or framing error as soon as it is seen): SignatureDoesNotMatch,
// XAmzContentSHA256Mismatch, IncompleteBody, BadDigest. Callbacks run where
// `raw` calls back.
class PayloadStream final : public http::BodySource,
                            public std::enable_shared_from_this<PayloadStream> {
 public:
  PayloadStream(std::shared_ptr<http::BodySource> raw, PayloadExpectation expect);

  std::optional<uint64_t> size() const override;
  void read(http::BodyCallback next) override;
  // Trailing headers of an aws-chunked body, once its end was read.
  const http::Headers& trailers() const;

 private:
  void on_raw(http::BodyChunk chunk, http::BodyCallback next);
  Status finish();

  std::shared_ptr<http::BodySource> raw_;
  PayloadExpectation expect_;
  std::optional<ChunkedDecoder> decoder_;
  std::optional<Checksum> sha256_;
  std::optional<Checksum> checksum_;
  uint64_t decoded_ = 0;
  bool failed_ = false;
};

}  // namespace nimbus::auth::detail
