// SQS in the event fabric (events/target.h, events/source.h): queues as
// delivery targets (Lambda destinations and dead-letter queues, SNS
// subscriptions, EventBridge rules) and as the sources event source mappings
// poll. Both are thin adapters over Queues' public API.
#pragma once

#include <memory>

#include "events/target.h"

namespace nimbus::services::sqs {

class Queues;

// A Target for queue ARNs: sends the delivery as one message (body, message
// attributes, FIFO group and deduplication ids). A missing queue fails with
// SQS's QueueDoesNotExist; a message SQS refuses, with SQS's error.
std::unique_ptr<events::Target> make_target(Queues& queues);
// A QueueSource over the queues (queue_source.cc).
std::unique_ptr<events::QueueSource> make_queue_source(Queues& queues);

// Binds both under "sqs" in `targets` until the returned Binding is
// destroyed (before `queues`).
std::unique_ptr<events::Binding> bind_events(Queues& queues, events::Targets& targets);

}  // namespace nimbus::services::sqs
