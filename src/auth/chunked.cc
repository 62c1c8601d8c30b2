#include "auth/chunked.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include "auth/canonical.h"
#include "auth/crypto.h"
#include "auth/errors.h"

namespace nimbus::auth::detail {
namespace {

constexpr std::string_view kChunkSignature = "chunk-signature=";
constexpr size_t kMaxTrailers = 64;
// A size line is "hex;chunk-signature=<64 hex>"; a trailer line is one
// header. Neither is legitimately anywhere near this.
constexpr size_t kMaxLine = 4096;

bool parse_hex_size(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 15) return false;  // 15 hex digits never overflow
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
    out = out * 16 + static_cast<uint64_t>(v);
  }
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

}  // namespace

struct ChunkedDecoder::Hash {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Hash() { reset(); }
  ~Hash() { EVP_MD_CTX_free(ctx); }
  void reset() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  void update(std::string_view d) { EVP_DigestUpdate(ctx, d.data(), d.size()); }
  std::string hex_and_reset() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, out, &len);
    reset();
    return crypto::hex(std::string_view(reinterpret_cast<const char*>(out), len));
  }
};

ChunkedDecoder::ChunkedDecoder(std::optional<ChunkSigning> signing) : signing_(std::move(signing)) {
  if (signing_) {
    hash_ = std::make_unique<Hash>();
    previous_ = signing_->seed;
  }
}

ChunkedDecoder::~ChunkedDecoder() = default;
ChunkedDecoder::ChunkedDecoder(ChunkedDecoder&&) noexcept = default;

Status ChunkedDecoder::fail(Error e) {
  state_ = State::kFailed;
  line_.clear();
  return e;
}

Status ChunkedDecoder::feed(std::string_view in, std::string& out) {
  while (!in.empty()) {
    switch (state_) {
      case State::kFailed:
        return errors::incomplete_body("The aws-chunked body was already refused.");
      case State::kDone:
        return fail(errors::incomplete_body("Unexpected data after aws-chunked body."));
      case State::kSize:
      case State::kTrailers: {
        size_t nl = in.find('\n');
        std::string_view part = in.substr(0, nl);
        if (line_.size() + part.size() > kMaxLine) {
          return fail(errors::incomplete_body("A line of the aws-chunked body is too long."));
        }
        line_.append(part);
        if (nl == std::string_view::npos) return Status::ok();
        in.remove_prefix(nl + 1);
        std::string line = std::exchange(line_, std::string());
        if (!line.empty() && line.back() == '\r') line.pop_back();
        NIMBUS_TRY(state_ == State::kSize ? on_size_line(line) : on_trailer_line(line));
        break;
      }
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(left_, in.size()));
        std::string_view data = in.substr(0, n);
        if (hash_) hash_->update(data);
        out.append(data);
        left_ -= n;
        in.remove_prefix(n);
        if (left_ == 0) state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd: {
        static constexpr std::string_view kCrlf = "\r\n";
        if (in[0] != kCrlf[crlf_seen_]) {
          return fail(
              errors::incomplete_body("A chunk of the aws-chunked body is not followed by CRLF."));
        }
        in.remove_prefix(1);
        if (++crlf_seen_ == 2) {
          crlf_seen_ = 0;
          NIMBUS_TRY(end_chunk());
        }
        break;
      }
    }
  }
  return Status::ok();
}

Status ChunkedDecoder::on_size_line(std::string_view header) {
  size_t semi = header.find(';');
  uint64_t size = 0;
  if (!parse_hex_size(trim(header.substr(0, semi)), size)) {
    return fail(errors::incomplete_body("Invalid chunk size in aws-chunked body."));
  }
  chunk_signature_.clear();
  if (semi != std::string_view::npos) {
    std::string_view ext = trim(header.substr(semi + 1));
    if (ext.substr(0, kChunkSignature.size()) == kChunkSignature) {
      chunk_signature_ = ext.substr(kChunkSignature.size());
    }
  }
  left_ = size;
  if (size > 0) {
    state_ = State::kData;
    return Status::ok();
  }
  last_chunk_ = true;  // the final chunk has no data and no CRLF of its own
  return end_chunk();
}

Status ChunkedDecoder::end_chunk() {
  if (signing_) {
    std::string expected = chunk_signature_of_hash(*signing_, previous_, hash_->hex_and_reset());
    if (!crypto::equal(chunk_signature_, expected)) {
      return fail(errors::chunk_signature_mismatch());
    }
    previous_ = std::move(expected);
  }
  state_ = last_chunk_ ? State::kTrailers : State::kSize;
  return Status::ok();
}

Status ChunkedDecoder::on_trailer_line(std::string_view line) {
  if (line.empty()) return end_trailers();
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(errors::incomplete_body("Malformed trailing header in aws-chunked body."));
  }
  std::string name = http::to_lower(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  if (name == "x-amz-trailer-signature") {
    trailer_signature_ = std::move(value);
    return Status::ok();
  }
  if (trailers_.size() >= kMaxTrailers) {
    return fail(errors::incomplete_body("Too many trailing headers in aws-chunked body."));
  }
  trailers_.emplace_back(std::move(name), std::move(value));
  return Status::ok();
}

Status ChunkedDecoder::end_trailers() {
  state_ = State::kDone;
  if (signing_ && !trailers_.empty() &&
      !crypto::equal(trailer_signature_, trailer_signature(*signing_, previous_, trailers_))) {
    return fail(errors::chunk_signature_mismatch());
  }
  return Status::ok();
}

Status ChunkedDecoder::finish() {
  switch (state_) {
    case State::kDone:
      return Status::ok();
    case State::kTrailers:
      // The blank line after the trailers may be missing, and so may the
      // newline of the last one.
      if (!line_.empty()) {
        std::string line = std::exchange(line_, std::string());
        if (line.back() == '\r') line.pop_back();
        NIMBUS_TRY(on_trailer_line(line));
      }
      return state_ == State::kDone ? Status::ok() : end_trailers();
    case State::kFailed:
      return errors::incomplete_body("The aws-chunked body was already refused.");
    case State::kSize:
      return fail(errors::incomplete_body("The aws-chunked body ended inside a chunk header."));
    case State::kData:
      return fail(errors::incomplete_body("The aws-chunked body is shorter than its chunk sizes."));
    case State::kDataEnd:
      break;
  }
  return fail(errors::incomplete_body("A chunk of the aws-chunked body is not followed by CRLF."));
}

Result<DecodedBody> decode_aws_chunked(std::string_view body, const ChunkSigning* signing) {
  ChunkedDecoder decoder(signing ? std::optional<ChunkSigning>(*signing) : std::nullopt);
  DecodedBody out;
  NIMBUS_TRY(decoder.feed(body, out.payload));
  NIMBUS_TRY(decoder.finish());
  out.trailers = decoder.trailers();
  return out;
}

std::string chunk_signature_of_hash(const ChunkSigning& signing, std::string_view previous,
                                    std::string_view data_sha256_hex) {
  return signature(signing.key, string_to_sign("AWS4-HMAC-SHA256-PAYLOAD", signing, previous,
                                               kEmptySha256, data_sha256_hex));
}

std::string chunk_signature(const ChunkSigning& signing, std::string_view previous,
                            std::string_view data) {
  return chunk_signature_of_hash(signing, previous, crypto::sha256_hex(data));
}

std::string trailer_signature(const ChunkSigning& signing, std::string_view previous,
                              const http::Headers& trailers) {
  std::string block;
  for (const auto& [k, v] : trailers) block.append(k).append(":").append(v).append("\n");
  return signature(signing.key, string_to_sign("AWS4-HMAC-SHA256-TRAILER", signing, previous, {},
                                               crypto::sha256_hex(block)));
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
