// Layouts of the logs store's keys and values (schema in store.h), built with
// storage's key codec. Internal.
//
// Timestamps are u64 components: the model's minimum is 0, so the unsigned
// order is the time order, and the bytes are those of data directories written
// before the codec existed. Stream names are a tail component (the rest of the
// key, unescaped) for the same reason: nothing follows them in the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/key_codec.h"

namespace nimbus::services::logs::codec {

inline constexpr char kMeta[] = "logs.meta";
inline constexpr char kGroups[] = "logs.groups";
inline constexpr char kStreams[] = "logs.streams";
inline constexpr char kEvents[] = "logs.events";
inline constexpr char kPurge[] = "logs.purge";

// logs.events prefix of one stream's events; also the logs.purge key.
inline std::string stream_id_key(uint64_t sid) {
  return storage::encode_key(sid);
}

inline std::optional<uint64_t> decode_stream_id_key(std::string_view key) {
  uint64_t sid = 0;
  if (!storage::decode_key(key, sid)) return std::nullopt;
  return sid;
}

inline std::string event_key(uint64_t sid, int64_t ts, uint64_t seq) {
  return storage::encode_key(sid, static_cast<uint64_t>(ts), seq);
}

struct EventKey {
  uint64_t sid = 0;
  int64_t timestamp_ms = 0;
  uint64_t seq = 0;
};

inline std::optional<EventKey> decode_event_key(std::string_view key) {
  uint64_t sid = 0, ts = 0, seq = 0;
  if (!storage::decode_key(key, sid, ts, seq)) return std::nullopt;
  return EventKey{sid, static_cast<int64_t>(ts), seq};
}

inline std::string event_value(int64_t ingestion_ms, std::string_view message) {
  return storage::KeyBuilder().u64(static_cast<uint64_t>(ingestion_ms)).tail(message).bytes();
}

struct EventValue {
  int64_t ingestion_ms = 0;
  std::string_view message;  // borrows from the value read
};

inline std::optional<EventValue> decode_event_value(std::string_view value) {
  storage::KeyReader r(value);
  auto ingestion = r.u64();
  if (!ingestion) return std::nullopt;
  return EventValue{static_cast<int64_t>(*ingestion), r.tail()};
}

inline std::string stream_key(uint64_t gid, std::string_view name) {
  return storage::KeyBuilder().u64(gid).tail(name).bytes();
}

struct StreamKey {
  uint64_t gid = 0;
  std::string_view name;  // borrows from the key read
};

inline std::optional<StreamKey> decode_stream_key(std::string_view key) {
  storage::KeyReader r(key);
  auto gid = r.u64();
  if (!gid) return std::nullopt;
  return StreamKey{*gid, r.tail()};
}

}  // namespace nimbus::services::logs::codec
