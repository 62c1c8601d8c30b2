// The events of an operation whose output is an event stream (Kinesis
// SubscribeToShard): a service produces values (handed over as an
// http::EventPayload, http/event_payload.h), the protocol engine frames
// them (application/vnd.amazon.eventstream) as the client reads, so no event
// is made before the connection can take it and a service never sees the
// wire.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace nimbus {

// One event: the name of its member in the model's event-stream union (its
// `:event-type`, e.g. "SubscribeToShardEvent") and its value.
struct OutputEvent {
  std::string type;
  boost::json::object value;
};

// nullopt ends the stream; an Error ends it with an exception message whose
// `:exception-type` is the error's code.
using EventResult = Result<std::optional<OutputEvent>>;

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Asks for the next event. `next` runs exactly once, on any thread, and
  // may run inside next_event(); it must not block. One request at a time:
  // ask again only after `next` ran. Dropping the last reference ends the
  // stream (the client went away): the source then stops what it waits on.
  virtual void next_event(std::function<void(EventResult)> next) = 0;
};

}  // namespace nimbus
