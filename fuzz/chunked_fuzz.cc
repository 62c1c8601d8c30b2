// libFuzzer target for the incremental aws-chunked decoder
// (auth/chunked.h). Differential: decoding a body in pieces of any sizes
// must give exactly what decoding it in one piece gives (payload, trailers,
// or the same error code); and a payload the signer encoded must decode
// back to itself, in any pieces.
//
// Input: byte 0 picks the mode (even: the rest is a raw body; odd: the rest
// is a payload to encode, signed), byte 1 seeds the piece sizes, byte 2 the
// encoder's chunk size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/canonical.h"
#include "auth/chunked.h"

namespace {

using namespace nimbus;
using auth::detail::ChunkedDecoder;
using auth::detail::ChunkSigning;

const ChunkSigning& signing() {
  static const ChunkSigning s{
      auth::detail::signing_key("fuzz/secret", "20240102", "us-east-1", "s3"), "20240102T030405Z",
      "20240102/us-east-1/s3/aws4_request", std::string(64, '0')};
  return s;
}

struct Outcome {
  bool ok = false;
  std::string code;
  std::string payload;
  http::Headers trailers;
};

Outcome decode(std::string_view body, bool signed_chunks, uint32_t seed) {
  ChunkedDecoder d(signed_chunks ? std::optional<ChunkSigning>(signing()) : std::nullopt);
  Outcome o;
  uint32_t x = seed * 2654435761u + 1;
  size_t pos = 0;
  while (pos < body.size()) {
    x = x * 1103515245u + 12345u;
    size_t piece = seed == 0 ? body.size() : 1 + (x >> 16) % 97;
    Status s = d.feed(body.substr(pos, piece), o.payload);
    pos += piece;
    if (!s) {
      o.code = s.error().code;
      return o;
    }
  }
  Status s = d.finish();
  if (!s) {
    o.code = s.error().code;
    return o;
  }
  o.ok = true;
  o.trailers = d.trailers();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  uint32_t seed = data[1];
  if (data[0] % 2 == 0) {
    bool signed_chunks = data[0] % 4 == 2;
    Outcome whole = decode(rest, signed_chunks, 0);
    Outcome pieces = decode(rest, signed_chunks, seed + 1);
    if (whole.ok != pieces.ok || whole.code != pieces.code) std::abort();
    if (whole.ok && (whole.payload != pieces.payload || whole.trailers != pieces.trailers)) {
      std::abort();
    }
    return 0;
  }
  std::string encoded = auth::detail::encode_aws_chunked(rest, 1 + data[2] * 7, signing());
  Outcome back = decode(encoded, true, seed);
  if (!back.ok || back.payload != rest) std::abort();
  return 0;
}
