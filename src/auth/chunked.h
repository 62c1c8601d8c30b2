// aws-chunked bodies (S3 streaming uploads): decoding, with or without
// chained chunk signatures, and trailing headers; plus the encoder the signer
// uses. Pure functions; thread-safe.
//
// Wire format, per chunk: hex-size[;chunk-signature=<64 hex>]\r\n data \r\n,
// ending with a 0-size chunk, then optional trailer lines "name:value\r\n"
// (with x-amz-trailer-signature last when signed) and a blank line.
#pragma once

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

struct DecodedBody {
  std::string payload;
  http::Headers trailers;  // lower-case names, x-amz-trailer-signature removed
};

// Decodes `body`. With `signing`, every chunk signature (and the trailer
// signature, when there are trailers) must verify; without it, chunk
// extensions are ignored. Errors: IncompleteBody (framing),
// SignatureDoesNotMatch (a chunk or trailer signature).
Result<DecodedBody> decode_aws_chunked(std::string_view body, const ChunkSigning* signing);

// Hex signature of one chunk, given the previous signature.
std::string chunk_signature(const ChunkSigning& signing, std::string_view previous,
                            std::string_view data);
// Hex signature of the trailer block, given the final chunk's signature.
std::string trailer_signature(const ChunkSigning& signing, std::string_view previous,
                              const http::Headers& trailers);

// Encodes `payload` as signed aws-chunked (no trailers).
std::string encode_aws_chunked(std::string_view payload, size_t chunk_size,
                               const ChunkSigning& signing);

}  // namespace nimbus::auth::detail
