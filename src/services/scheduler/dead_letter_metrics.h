// Scheduler's AWS/Scheduler metrics of dead-letter queues, published
// through CloudWatch's MetricPublisher (services/cloudwatch/api.h) once per
// event whose dead-letter queue was tried: InvocationsSentToDeadLetterCount
// when the queue took it, else InvocationsFailedToBeSentToDeadLetterCount
// and InvocationsFailedToBeSentToDeadLetterCount_<error code> (AccessDenied
// when the schedule's role may not send to it,
// AWS.SimpleQueueService.NonExistentQueue when it is gone), each for the
// account (no dimension) and per ScheduleGroup, as Scheduler publishes them.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "events/target_queue.h"
#include "services/cloudwatch/api.h"

namespace nimbus::services::scheduler {

// `failure` null: sent. `publisher` may be null (nothing is published).
void publish_dead_letter(cloudwatch::MetricPublisher* publisher,
                         const ::nimbus::events::QueuedDelivery& policy, const Error* failure,
                         int64_t now_ms);

}  // namespace nimbus::services::scheduler
