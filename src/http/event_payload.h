// A response payload made of events (common/event_source.h), for operations
// whose output is an event stream (Kinesis SubscribeToShard). A service sets
// one as services::Payload::response; the router recognises it and has the
// protocol engine frame its events (protocol/event_stream.h) in the call's
// protocol, so the service never writes the wire. Read as a plain body it
// is empty.
#pragma once

#include <memory>
#include <utility>

#include "common/event_source.h"
#include "http/body.h"

namespace nimbus::http {

class EventPayload final : public BodySource {
 public:
  explicit EventPayload(std::shared_ptr<EventSource> events) : events_(std::move(events)) {}
  std::optional<uint64_t> size() const override { return 0; }
  void read(BodyCallback next) override { next(std::string()); }
  const std::shared_ptr<EventSource>& events() const { return events_; }

 private:
  std::shared_ptr<EventSource> events_;
};

}  // namespace nimbus::http
