// Key codec: the one order-preserving encoding of record keys for every
// schema. A key is a tuple of components; the byte order of encoded keys
// (what RocksDB sorts by, what Records::scan pages through) is the tuple
// order, compared component by component:
//
//   u64    8 bytes big-endian                       (0 < 1 < ... < 2^64-1)
//   i64    8 bytes big-endian, sign bit flipped     (INT64_MIN < ... < -1 < 0 < 1)
//   str    bytes with 0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x01
//          ("" < "a" < "a\0" < "ab" < "b", and a string's encoding never
//          runs into the next component's)
//   tail   the remaining bytes, as is; only as the last component
//
// The encoding carries no type tags: a schema knows the types of its key's
// components, and decoding reads them back in the same order. Keys stay
// short, and a u64 is the same 8 bytes that hand-written big-endian keys
// already used. The encoding of a tuple is a prefix of the encoding of every
// longer tuple that starts with it, so an encoded tuple is also the
// Records::scan prefix for "every key under these components";
// `str_prefix` gives the scan prefix for "strings starting with these bytes".
//
// Ownership and threads: KeyBuilder and KeyReader are plain values used by one
// thread; KeyReader borrows the bytes it reads, which must outlive it.
//
// Failure: encoding cannot fail. Decoding malformed bytes (truncated, a bad
// escape, a missing terminator, bytes left over) returns nullopt / false,
// never reads out of bounds and never throws, so a stored key from a foreign
// or older layout is detected, not misread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace nimbus::storage {

class KeyBuilder {
 public:
  KeyBuilder& u64(uint64_t v);
  KeyBuilder& i64(int64_t v);
  KeyBuilder& str(std::string_view s);
  // Escaped like str() but without the terminator: the scan prefix of every
  // key whose next string component starts with `s`. Ends the key.
  KeyBuilder& str_prefix(std::string_view s);
  // The remaining bytes unescaped (byte order). Ends the key.
  KeyBuilder& tail(std::string_view s);

  const std::string& bytes() const& { return out_; }
  std::string bytes() && { return std::move(out_); }

 private:
  std::string out_;
};

class KeyReader {
 public:
  explicit KeyReader(std::string_view in) : in_(in) {}

  std::optional<uint64_t> u64();
  std::optional<int64_t> i64();
  std::optional<std::string> str();
  // Everything not read yet (may be empty); the reader is then done.
  std::string_view tail();
  // True when every byte has been read.
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// The smallest byte string greater than every string that starts with
// `prefix`: the exclusive end of a prefix range (WriteBatch::del_range).
// Empty when there is none (`prefix` is empty or all 0xFF bytes).
std::string prefix_successor(std::string_view prefix);

namespace key_codec_detail {
inline void put(KeyBuilder& b, uint64_t v) {
  b.u64(v);
}
inline void put(KeyBuilder& b, int64_t v) {
  b.i64(v);
}
inline void put(KeyBuilder& b, std::string_view v) {
  b.str(v);
}
template <class T>
inline bool assign(std::optional<T> got, T& v) {
  if (!got) return false;
  v = std::move(*got);
  return true;
}
inline bool get(KeyReader& r, uint64_t& v) {
  return assign(r.u64(), v);
}
inline bool get(KeyReader& r, int64_t& v) {
  return assign(r.i64(), v);
}
inline bool get(KeyReader& r, std::string& v) {
  return assign(r.str(), v);
}
}  // namespace key_codec_detail

// encode_key(uint64_t{gid}, std::string_view(name)): each argument is a
// uint64_t, an int64_t or a string (plain int literals are ambiguous on
// purpose: say which integer type the schema uses).
template <class... Parts>
std::string encode_key(const Parts&... parts) {
  KeyBuilder b;
  (key_codec_detail::put(b, parts), ...);
  return std::move(b).bytes();
}

// The inverse of encode_key for the same types; false unless `in` is exactly
// one encoded tuple of those types (outputs are then unspecified).
template <class... Parts>
bool decode_key(std::string_view in, Parts&... parts) {
  KeyReader r(in);
  return (key_codec_detail::get(r, parts) && ...) && r.done();
}

}  // namespace nimbus::storage
