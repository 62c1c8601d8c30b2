// Tumbling windows of stream event source mappings (TumblingWindowInSeconds),
// as Lambda documents them for Kinesis and DynamoDB Streams: each record
// belongs to the window its arrival time falls in (windows aligned to
// multiples of their length since the epoch); the function gets the state
// it returned last within the window, `window` {start, end}, `shardId`,
// `eventSourceARN`, `isFinalInvokeForWindow` and `isWindowTerminatedEarly`,
// and answers {"state": {...}} (a non-final answer without a state object is
// a failed invocation). The state is kept per shard and stored with the
// shard's checkpoint, so a restart resumes the window where it was.
//
// Pure functions; safe from any thread. Decoders never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/stream_event.h"

namespace nimbus::events {

// A state larger than this ends the window early (AWS: 1 MB per shard).
inline constexpr size_t kMaxWindowState = 1024 * 1024;

struct WindowState {
  int64_t start_ms = -1;     // the open window's start; -1: none open
  std::string state = "{}";  // the function's last state, a JSON object
  bool early = false;        // the last state was too large: the next call starts afresh
  bool open() const { return start_ms >= 0; }
};

// The start of the window a record that arrived at `arrival_ms` belongs to.
int64_t window_start(int64_t arrival_ms, int window_seconds);

// A shard's stored checkpoint: the position, and the open window if any.
std::string encode_checkpoint(const std::string& position, const WindowState& w);
// The reverse; anything that is not a window (an older checkpoint, foreign
// bytes after the newline) leaves `w` closed.
void decode_checkpoint(std::string_view stored, std::string& position, WindowState& w);

// The members a windowed event has besides Records, as JSON text starting
// with a comma: ,"window":{...},"state":{...},"shardId":...
std::string window_members(const StreamEventContext& c, const WindowState& w, int window_seconds,
                           bool final);

// The "state" object of a function's answer, serialized; nullopt when the
// answer is not a JSON object with an object "state".
std::optional<std::string> answered_state(std::string_view response);

}  // namespace nimbus::events
