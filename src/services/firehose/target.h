// The events::Target for Firehose delivery stream ARNs: EventBridge rules,
// SNS firehose subscriptions and other producers append an event to the
// stream's buffer as one record.
#pragma once

#include <memory>
#include <string>

#include "events/target.h"
#include "services/firehose/engine.h"

namespace nimbus::services::firehose {

// Binds the "firehose" target kind to `engine` until the binding goes.
std::unique_ptr<events::Binding> bind_target(Engine& engine, events::Targets& targets);

}  // namespace nimbus::services::firehose
