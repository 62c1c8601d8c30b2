// Byte layouts of the logs store's keys and values (see store.h). Internal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nimbus::services::logs::codec {

inline constexpr char kMeta[] = "logs.meta";
inline constexpr char kGroups[] = "logs.groups";
inline constexpr char kStreams[] = "logs.streams";
inline constexpr char kEvents[] = "logs.events";
inline constexpr char kPurge[] = "logs.purge";

inline void append_be64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}

inline uint64_t read_be64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

inline std::string be64(uint64_t v) {
  std::string out;
  append_be64(out, v);
  return out;
}

// Timestamps are >= 0 (the model's minimum), so the plain unsigned order is
// the time order.
inline std::string event_key(uint64_t sid, int64_t ts, uint64_t seq) {
  std::string k;
  k.reserve(24);
  append_be64(k, sid);
  append_be64(k, static_cast<uint64_t>(ts));
  append_be64(k, seq);
  return k;
}

inline std::string event_value(int64_t ingestion_ms, std::string_view message) {
  std::string v;
  v.reserve(8 + message.size());
  append_be64(v, static_cast<uint64_t>(ingestion_ms));
  v.append(message);
  return v;
}

inline std::string stream_key(uint64_t gid, std::string_view name) {
  std::string k = be64(gid);
  k.append(name);
  return k;
}

}  // namespace nimbus::services::logs::codec
