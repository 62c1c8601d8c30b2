// Byte encodings of the SQS records kept in storage (namespace "sqs") and of
// receipt handles. Keys are a one-byte kind and components encoded with
// storage/key_codec.h (so they sort by queue generation, then sequence):
//   N                           last queue incarnation number (u64)
//   q str(account) str(name)    queue record (JSON)
//   m u64(gen) u64(seq)         message (immutable after the send)
//   s u64(gen) u64(seq)         receive state (count, first receive, visible at, nonce)
//   d u64(gen) tail(dedup key)  FIFO deduplication entry (message id, seq, expiry)
// `gen` changes when a queue is purged or deleted, which orphans the old
// generation's records in O(1); start-up deletes orphans. Data directories
// from before key_codec used Q/M/S/D with 16 hex digits per number; start-up
// rewrites those keys once (rekey_legacy).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "services/sqs/types.h"

namespace nimbus::services::sqs::codec {

inline constexpr std::string_view kNamespace = "sqs";

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void str(std::string_view s);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t u8();
  uint32_t u32();
  uint64_t u64();
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string str();
  bool ok() const { return ok_; }

 private:
  bool need(size_t n);
  std::string_view in_;
  bool ok_ = true;
};

// The first byte of each kind of key (the scan prefix of that kind).
inline constexpr std::string_view kQueuePrefix = "q";
inline constexpr std::string_view kMessagePrefix = "m";
inline constexpr std::string_view kStatePrefix = "s";
inline constexpr std::string_view kDedupPrefix = "d";
// The prefixes of the hex layout, rewritten at start-up.
inline constexpr std::string_view kLegacyPrefixes[] = {"Q", "M", "S", "D"};

std::string message_key(uint64_t gen, uint64_t seq);
std::string state_key(uint64_t gen, uint64_t seq);
std::string dedup_key(uint64_t gen, std::string_view key);
std::string queue_key(std::string_view account, std::string_view name);
// The generation and sequence number of a message or receive-state key.
bool decode_seq_key(std::string_view key, uint64_t& gen, uint64_t& seq);
bool decode_dedup_key(std::string_view key, uint64_t& gen, std::string& dedup);
// The key a record of the hex layout moves to; nullopt when `key` is not one.
std::optional<std::string> rekey_legacy(std::string_view key);

std::string encode_message(const MessageData& m, int64_t visible_at_ms);
// Returns false on a corrupt record.
bool decode_message(std::string_view in, MessageData& m, int64_t& visible_at_ms);

struct ReceiveState {
  uint32_t receive_count = 0;
  int64_t first_receive_ms = 0;
  int64_t visible_at_ms = 0;
  uint64_t nonce = 0;
};
std::string encode_state(const ReceiveState& s);
bool decode_state(std::string_view in, ReceiveState& s);

struct DedupEntry {
  std::string message_id;
  uint64_t seq = 0;
  int64_t expires_ms = 0;
};
std::string encode_dedup(const DedupEntry& d);
bool decode_dedup(std::string_view in, DedupEntry& d);

// Receipt handle: base64 of (magic, queue id, message seq, receive nonce).
struct Handle {
  uint64_t queue_id = 0;
  uint64_t seq = 0;
  uint64_t nonce = 0;
};
std::string encode_handle(const Handle& h);
std::optional<Handle> decode_handle(std::string_view s);

}  // namespace nimbus::services::sqs::codec
