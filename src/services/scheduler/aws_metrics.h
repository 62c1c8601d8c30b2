// Scheduler's AWS/Scheduler metrics, published through CloudWatch's
// MetricPublisher (services/cloudwatch/api.h), each a Count of 1 for the
// account (no dimension) and for the schedule's ScheduleGroup, as Scheduler
// documents them:
//
// - per attempt on a target (publish_attempt): InvocationAttemptCount; a
//   failed one TargetErrorCount, and TargetErrorThrottledCount when the
//   target throttled it; InvocationDroppedCount once the event is given up
//   (the retry policy ran out, or the failure will not change), whether or
//   not a dead-letter queue then takes it.
// - per event whose dead-letter queue was tried (publish_dead_letter):
//   InvocationsSentToDeadLetterCount when the queue took it, else
//   InvocationsFailedToBeSentToDeadLetterCount and
//   InvocationsFailedToBeSentToDeadLetterCount_<error code> (AccessDenied
//   when the schedule's role may not send to it,
//   AWS.SimpleQueueService.NonExistentQueue when it is gone).
//
// InvocationThrottleCount is never published: nimbus sets Scheduler no
// invocation quota of its own to throttle at.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "events/target_queue.h"
#include "services/cloudwatch/api.h"

namespace nimbus::services::scheduler {

// `publisher` may be null (nothing is published).
void publish_attempt(cloudwatch::MetricPublisher* publisher,
                     const ::nimbus::events::QueuedDelivery& policy,
                     const ::nimbus::events::Outcome& outcome, bool given_up, int64_t now_ms);

// `failure` null: sent. `publisher` may be null (nothing is published).
void publish_dead_letter(cloudwatch::MetricPublisher* publisher,
                         const ::nimbus::events::QueuedDelivery& policy, const Error* failure,
                         int64_t now_ms);

}  // namespace nimbus::services::scheduler
