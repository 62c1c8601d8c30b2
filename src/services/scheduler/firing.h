// What one firing of a schedule sends: the delivery for its target (the
// templated targets' payloads, Scheduler's context keywords in Input), with
// the schedule's retry policy and dead-letter queue.
#pragma once

#include <cstdint>
#include <string>

#include "events/target_queue.h"
#include "services/scheduler/schedule_def.h"
#include "services/service.h"

namespace nimbus::services::scheduler {

// The execution id of the firing of `schedule_arn` at `nominal` (UTC
// seconds): the same for the same firing, so a firing repeated after a crash
// carries the same id (a FIFO queue's deduplication id, a Lambda request id).
std::string execution_id(std::string_view schedule_arn, int64_t nominal);

// Input with <aws.scheduler.schedule-arn>, <aws.scheduler.scheduled-time>
// and <aws.scheduler.execution-id> replaced. <aws.scheduler.attempt-number>
// stays: each attempt replaces it (with_attempt), the stored payload keeps it.
std::string expand_input(std::string_view input, std::string_view schedule_arn,
                         std::string_view scheduled_time, std::string_view execution_id);

// The payload attempt number `attempt` (1-based) sends: the stored one with
// <aws.scheduler.attempt-number> replaced (events::TargetQueue::Prepare).
// Input that must be JSON (EventBridge, universal targets) can hold the
// keyword only inside strings, so replacing it in the payload's text is
// replacing it in Input.
void with_attempt(::nimbus::events::Delivery& d, int64_t attempt);

::nimbus::events::QueuedDelivery delivery_for(const ScheduleDef& s, int64_t nominal,
                                              const Settings& settings);

}  // namespace nimbus::services::scheduler
