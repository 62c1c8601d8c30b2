#include "auth/chunked.h"

#include <algorithm>

#include "auth/canonical.h"
#include "auth/crypto.h"
#include "auth/errors.h"

namespace nimbus::auth::detail {
namespace {

constexpr std::string_view kChunkSignature = "chunk-signature=";
constexpr size_t kMaxTrailers = 64;

bool parse_hex_size(std::string_view s, size_t& out) {
  if (s.empty() || s.size() > 15) return false;  // 15 hex digits never overflow size_t
  out = 0;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return false;
    }
    out = out * 16 + static_cast<size_t>(v);
  }
  return true;
}

// Takes one line ending in "\r\n" (or a bare "\n") from `rest`.
bool take_line(std::string_view& rest, std::string_view& line) {
  size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) return false;
  line = rest.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  rest.remove_prefix(nl + 1);
  return true;
}

std::string string_to_sign(std::string_view kind, const ChunkSigning& s, std::string_view previous,
                           std::string_view middle, std::string_view last) {
  std::string out(kind);
  out.append("\n").append(s.amz_date).append("\n").append(s.scope).append("\n");
  out.append(previous).append("\n");
  if (!middle.empty()) out.append(middle).append("\n");
  out.append(last);
  return out;
}

Status parse_trailers(std::string_view rest, const ChunkSigning* signing, std::string_view previous,
                      DecodedBody& out) {
  std::string trailer_sig;
  std::string_view line;
  while (!rest.empty()) {
    if (!take_line(rest, line)) line = std::exchange(rest, std::string_view{});
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return errors::incomplete_body("Malformed trailing header in aws-chunked body.");
    }
    std::string name = http::to_lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (name == "x-amz-trailer-signature") {
      trailer_sig = std::move(value);
      continue;
    }
    if (out.trailers.size() >= kMaxTrailers) {
      return errors::incomplete_body("Too many trailing headers in aws-chunked body.");
    }
    out.trailers.emplace_back(std::move(name), std::move(value));
  }
  if (!rest.empty()) return errors::incomplete_body("Unexpected data after aws-chunked body.");
  if (signing && !out.trailers.empty()) {
    if (!crypto::equal(trailer_sig, trailer_signature(*signing, previous, out.trailers))) {
      return errors::chunk_signature_mismatch();
    }
  }
  return Status::ok();
}

}  // namespace

std::string chunk_signature(const ChunkSigning& signing, std::string_view previous,
                            std::string_view data) {
  return signature(signing.key, string_to_sign("AWS4-HMAC-SHA256-PAYLOAD", signing, previous,
                                               kEmptySha256, crypto::sha256_hex(data)));
}

std::string trailer_signature(const ChunkSigning& signing, std::string_view previous,
                              const http::Headers& trailers) {
  std::string block;
  for (const auto& [k, v] : trailers) block.append(k).append(":").append(v).append("\n");
  return signature(signing.key, string_to_sign("AWS4-HMAC-SHA256-TRAILER", signing, previous, {},
                                               crypto::sha256_hex(block)));
}

Result<DecodedBody> decode_aws_chunked(std::string_view body, const ChunkSigning* signing) {
  DecodedBody out;
  std::string previous = signing ? signing->seed : std::string();
  std::string_view rest = body;
  for (;;) {
    std::string_view header;
    if (!take_line(rest, header)) {
      return errors::incomplete_body("The aws-chunked body ended inside a chunk header.");
    }
    size_t semi = header.find(';');
    size_t size = 0;
    if (!parse_hex_size(trim(header.substr(0, semi)), size)) {
      return errors::incomplete_body("Invalid chunk size in aws-chunked body.");
    }
    std::string_view sig;
    if (semi != std::string_view::npos) {
      std::string_view ext = trim(header.substr(semi + 1));
      if (ext.substr(0, kChunkSignature.size()) == kChunkSignature) {
        sig = ext.substr(kChunkSignature.size());
      }
    }
    if (size > rest.size()) {
      return errors::incomplete_body("The aws-chunked body is shorter than its chunk sizes.");
    }
    std::string_view data = rest.substr(0, size);
    rest.remove_prefix(size);
    if (signing) {
      std::string expected = chunk_signature(*signing, previous, data);
      if (!crypto::equal(sig, expected)) return errors::chunk_signature_mismatch();
      previous = std::move(expected);
    }
    if (size == 0) break;
    if (rest.substr(0, 2) != "\r\n") {
      return errors::incomplete_body("A chunk of the aws-chunked body is not followed by CRLF.");
    }
    rest.remove_prefix(2);
    out.payload.append(data);
  }
  NIMBUS_TRY(parse_trailers(rest, signing, previous, out));
  return out;
}

std::string encode_aws_chunked(std::string_view payload, size_t chunk_size,
                               const ChunkSigning& signing) {
  chunk_size = std::max<size_t>(chunk_size, 1);
  std::string out;
  std::string previous = signing.seed;
  size_t pos = 0;
  for (;;) {
    std::string_view data = payload.substr(pos, std::min(chunk_size, payload.size() - pos));
    pos += data.size();
    previous = chunk_signature(signing, previous, data);
    char size_hex[24];
    snprintf(size_hex, sizeof size_hex, "%zx", data.size());
    out.append(size_hex).append(";").append(kChunkSignature).append(previous).append("\r\n");
    out.append(data).append("\r\n");
    if (data.empty()) break;
  }
  return out;
}

}  // namespace nimbus::auth::detail
