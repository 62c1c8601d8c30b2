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

// Input with <aws.scheduler.schedule-arn>, <aws.scheduler.scheduled-time>,
// <aws.scheduler.execution-id> and <aws.scheduler.attempt-number> replaced.
std::string expand_input(std::string_view input, std::string_view schedule_arn,
                         std::string_view scheduled_time, std::string_view execution_id);

::nimbus::events::QueuedDelivery delivery_for(const ScheduleDef& s, int64_t nominal,
                                              const Settings& settings);

}  // namespace nimbus::services::scheduler
