// The events::Target for Kinesis stream ARNs: EventBridge rules, schedules
// and other producers append an event to a stream as one record. The
// partition key is the delivery's ordering key (`group_id`: EventBridge's
// KinesisParameters.PartitionKeyPath), else its id.
#pragma once

#include <memory>

#include "events/target.h"
#include "services/kinesis/engine.h"

namespace nimbus::services::kinesis {

// Binds the "kinesis" target kind to `engine` until the binding goes.
std::unique_ptr<events::Binding> bind_target(Engine& engine, events::Targets& targets);

}  // namespace nimbus::services::kinesis
