// Shard iterators: opaque tokens naming a position in one shard of one
// stream, issued by GetShardIterator and GetRecords and good for 5 minutes.
//
// A token is base64 of
//   version byte 1 | u64 stream id | u32 shard index | u64 log sequence to
//   read next | i64 issue time (ms) | 16 bytes of HMAC-SHA256
// all big-endian, the MAC over the bytes before it, keyed with a 32-byte
// secret the server keeps in storage (kinesis.meta). A client can read the
// fields but not change them or make new ones: a token that does not decode
// or whose MAC does not match is refused as a whole, so a forged iterator
// never reads another stream or shard. The stream id (never reused) makes a
// token of a deleted stream useless for a new one of the same name.
//
// Threads: an IteratorCodec is immutable after construction; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus::services::kinesis {

struct ShardPosition {
  uint64_t stream_id = 0;
  uint32_t shard = 0;
  uint64_t next_seq = 0;  // the Log sequence to read from (0: the oldest)
  int64_t issued_ms = 0;
};

class IteratorCodec {
 public:
  static constexpr size_t kKeyBytes = 32;
  // `key` must hold kKeyBytes bytes (shorter keys are used as given).
  explicit IteratorCodec(std::string key) : key_(std::move(key)) {}

  std::string encode(const ShardPosition& p) const;
  // nullopt for anything encode() did not make with this key.
  std::optional<ShardPosition> decode(std::string_view token) const;

 private:
  std::string mac(std::string_view bytes) const;
  std::string key_;
};

}  // namespace nimbus::services::kinesis
