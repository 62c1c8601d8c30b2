// Request bodies the client compressed (Content-Encoding: gzip), as botocore
// and the JS SDK send operations with the requestcompression trait
// (CloudWatch PutMetricData) once the body reaches 10 KiB.
#include <zlib.h>

#include "protocol/input.h"
#include "protocol/input_values.h"

namespace nimbus::protocol::input {

bool gzip_encoded(const http::Request& request) {
  // A list of codings, applied in order ("gzip" alone is what SDKs send;
  // aws-chunked is removed by SigV4 verification before we get here).
  std::string_view codings = request.header("content-encoding");
  while (!codings.empty()) {
    auto comma = codings.find(',');
    auto token = codings.substr(0, comma);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (http::iequals(token, "gzip")) return true;
    codings = comma == std::string_view::npos ? std::string_view{} : codings.substr(comma + 1);
  }
  return false;
}

Result<std::string> gunzip(std::string_view body, size_t max_bytes) {
  z_stream z{};
  // 15 window bits + 16: a gzip member, not a zlib stream.
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    return serialization_error("Request body could not be decompressed");
  }
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  int rc = Z_OK;
  char chunk[16384];
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - z.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&z);
      return serialization_error("Request body is larger than " + std::to_string(max_bytes) +
                                 " bytes when decompressed");
    }
    // No progress with input left means a truncated or corrupt stream.
    if (rc == Z_BUF_ERROR || (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0)) break;
  }
  bool whole = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!whole) return serialization_error("Request body is not valid gzip (Content-Encoding: gzip)");
  return out;
}

}  // namespace nimbus::protocol::input
