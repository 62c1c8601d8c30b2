// Event-stream responses (application/vnd.amazon.eventstream), the framing
// AWS uses for operations whose output streams events (Kinesis
// SubscribeToShard): each message is a prelude (total and header lengths,
// CRC32 of both), headers (name, type 7 = string, value), the payload and a
// CRC32 of everything before it, all big-endian.
//
// Thread-safety: the body is read by one reader at a time (http::BodySource);
// the functions are pure.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/event_source.h"
#include "http/body.h"
#include "protocol/engine.h"

namespace nimbus::protocol {

using EventHeaders = std::vector<std::pair<std::string, std::string>>;

// One message with string-valued headers.
std::string event_stream_message(const EventHeaders& headers, std::string_view payload);

// The body of `call`'s event-stream response, of unknown size: first the
// `initial-response` event carrying `initial` (the output's non-event
// members as serialize_output wrote them), then each event of `events`,
// serialized in the call's protocol as the model's event shape (JSON for
// awsJson, CBOR for its CBOR form), then the end. An Error from `events` is
// sent as an exception message (`:exception-type` its code, the message in
// the payload) and ends the body.
std::shared_ptr<http::BodySource> event_stream_body(const Call& call, std::string initial,
                                                    std::shared_ptr<EventSource> events);

// The value of `call`'s output member that is an event stream, if any
// ("EventStream" for SubscribeToShard).
std::string event_stream_member(const Call& call);

}  // namespace nimbus::protocol
