// aws-chunked bodies (S3 streaming uploads): an incremental decoder that
// checks chained chunk signatures and the trailer signature as the pieces
// arrive, without ever holding the body, plus the encoder the signer uses.
// Thread-compatible: one decoder per body.
//
// Wire format, per chunk: hex-size[;chunk-signature=<64 hex>]\r\n data \r\n,
// ending with a 0-size chunk, then optional trailer lines "name:value\r\n"
// (with x-amz-trailer-signature last when signed) and a blank line.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"

namespace nimbus::auth::detail {

// What chains the chunk signatures to the request's own signature.
struct ChunkSigning {
  std::string key;       // the request's derived signing key
  std::string amz_date;  // "20130524T000000Z"
  std::string scope;     // "20130524/us-east-1/s3/aws4_request"
  std::string seed;      // hex signature of the request itself
};

class ChunkedDecoder {
 public:
  // With `signing`, every chunk signature (and the trailer signature, when
  // there are trailers) must verify; without it, chunk extensions are
  // ignored (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
  explicit ChunkedDecoder(std::optional<ChunkSigning> signing);
  ~ChunkedDecoder();
  ChunkedDecoder(ChunkedDecoder&&) noexcept;

  // Decodes the next bytes of the body (split anywhere), appending payload
  // bytes to `out`. Errors are final: IncompleteBody (framing),
  // SignatureDoesNotMatch (a chunk or the trailer signature).
  Status feed(std::string_view in, std::string& out);
  // The body ended: the final chunk (and trailers) must be complete.
  Status finish();
  // Trailing headers (lower-case names, x-amz-trailer-signature removed),
  // complete once finish() succeeded.
  const http::Headers& trailers() const { return trailers_; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailers, kDone, kFailed };
  struct Hash;  // SHA-256 of the current chunk's data

  Status fail(Error e);
  Status on_size_line(std::string_view line);
  Status end_chunk();
  Status on_trailer_line(std::string_view line);
  Status end_trailers();

  std::optional<ChunkSigning> signing_;
  std::unique_ptr<Hash> hash_;
  State state_ = State::kSize;
  std::string line_;   // a size or trailer line not yet complete
  uint64_t left_ = 0;  // data bytes of the current chunk still to come
  size_t crlf_seen_ = 0;
  std::string chunk_signature_;  // claimed for the current chunk
  std::string previous_;         // the last verified signature
  bool last_chunk_ = false;
  std::string trailer_signature_;
  http::Headers trailers_;
};

struct DecodedBody {
  std::string payload;
  http::Headers trailers;  // lower-case names, x-amz-trailer-signature removed
};

// Decodes a whole body at once (one ChunkedDecoder).
Result<DecodedBody> decode_aws_chunked(std::string_view body, const ChunkSigning* signing);

// Hex signature of one chunk, given the previous signature and the hex
// SHA-256 of its data.
std::string chunk_signature_of_hash(const ChunkSigning& signing, std::string_view previous,
                                    std::string_view data_sha256_hex);
std::string chunk_signature(const ChunkSigning& signing, std::string_view previous,
                            std::string_view data);
// Hex signature of the trailer block, given the final chunk's signature.
std::string trailer_signature(const ChunkSigning& signing, std::string_view previous,
                              const http::Headers& trailers);

// Encodes `payload` as signed aws-chunked (no trailers).
std::string encode_aws_chunked(std::string_view payload, size_t chunk_size,
                               const ChunkSigning& signing);

}  // namespace nimbus::auth::detail
