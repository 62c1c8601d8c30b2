// libFuzzer target for the S3 request parsers nimbus writes itself
// (services/s3/conditions.h, names.h): Range, If-Match lists,
// x-amz-copy-source, bucket names, version ids, checksum algorithm names,
// and the stored record decoders.
// Invariants: a partial range lies inside the object and is not empty; a
// copy source names a bucket and a key; a valid bucket name obeys the
// character rules; a version id reads back as the text it was parsed
// from; decoding never crashes on foreign bytes.
//
// Input: the first 8 bytes are the object size (little-endian, masked to
// 40 bits); the rest is the header text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "auth/checksum.h"
#include "services/s3/checksums.h"
#include "services/s3/codec.h"
#include "services/s3/conditions.h"
#include "services/s3/engine.h"
#include "services/s3/names.h"

using namespace nimbus::services::s3;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint64_t object_size = 0;
  std::memcpy(&object_size, data, 8);
  object_size &= (1ull << 40) - 1;
  std::string_view text(reinterpret_cast<const char*>(data) + 8, size - 8);

  ByteRange r = parse_range(text, object_size);
  if (r.kind == ByteRange::kPart) {
    if (r.length == 0 || r.offset >= object_size || r.length > object_size - r.offset) {
      std::abort();
    }
  }
  if (r.kind == ByteRange::kUnsatisfiable && !text.starts_with("bytes=") &&
      !text.starts_with(" ") && !text.starts_with("\t")) {
    std::abort();
  }
  (void)etag_matches(text, "\"d41d8cd98f00b204e9800998ecf8427e\"");
  if (etag_matches(text, "\"abc\"") != etag_matches(text, "abc") && text.find('"') == text.npos) {
    std::abort();  // quoting the stored ETag does not change an unquoted list's answer
  }
  if (auto c = parse_copy_source(text)) {
    if (c->bucket.empty() || c->key.empty()) std::abort();
  }
  if (valid_bucket_name(text)) {
    if (text.size() < 3 || text.size() > 63) std::abort();
    for (char ch : text) {
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-')) {
        std::abort();
      }
    }
  }
  if (auto seq = seq_of(text)) {
    if (version_id_of(*seq) != text || !valid_version_id(text)) std::abort();
  }
  if (auto a = checksum_algorithm(text)) {
    if (text.size() != nimbus::auth::checksum_name(*a).size()) std::abort();
  }
  (void)codec::decode_object("b", "k", text);
  (void)codec::decode_bucket("b", text);
  (void)codec::decode_upload(text, text);
  (void)codec::decode_part(text, text);
  return 0;
}
