// AWS/Scheduler metrics (aws_metrics.h).
#include "services/scheduler/aws_metrics.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::services::scheduler {

namespace {

// The group of the schedule a delivery is for (its SCHEDULE_ARN dead-letter
// attribute, arn:aws:scheduler:REGION:ACCOUNT:schedule/GROUP/NAME).
std::string group_of(const ::nimbus::events::QueuedDelivery& policy) {
  for (const auto& [name, value] : policy.dead_letter_attributes) {
    if (name != "SCHEDULE_ARN") continue;
    constexpr std::string_view kMarker = ":schedule/";
    auto at = value.find(kMarker);
    if (at == std::string::npos) return "";
    auto start = at + kMarker.size();
    return value.substr(start, value.find('/', start) - start);
  }
  return "";
}

// The code in the metric's name: SQS's wire code, as AWS's metric names it.
std::string wire_code(const std::string& code) {
  if (code == "QueueDoesNotExist") return "AWS.SimpleQueueService.NonExistentQueue";
  return code;
}

// Each of `names` once for the account and once for the schedule's group.
void publish(cloudwatch::MetricPublisher* publisher, const ::nimbus::events::QueuedDelivery& policy,
             const std::vector<std::string>& names, int64_t now_ms) {
  std::string group = group_of(policy);
  std::vector<cloudwatch::PublishedDatum> data;
  for (const auto& name : names) {
    data.push_back({name, {}, now_ms, 1, "Count"});
    if (!group.empty()) data.push_back({name, {{"ScheduleGroup", group}}, now_ms, 1, "Count"});
  }
  publisher->put("AWS/Scheduler", std::move(data));
}

}  // namespace

void publish_attempt(cloudwatch::MetricPublisher* publisher,
                     const ::nimbus::events::QueuedDelivery& policy,
                     const ::nimbus::events::Outcome& outcome, bool given_up, int64_t now_ms) {
  if (publisher == nullptr) return;
  std::vector<std::string> names{"InvocationAttemptCount"};
  if (!outcome) {
    names.emplace_back("TargetErrorCount");
    if (outcome.failure() == ::nimbus::events::Failure::kThrottled) {
      names.emplace_back("TargetErrorThrottledCount");
    }
    if (given_up) names.emplace_back("InvocationDroppedCount");
  }
  publish(publisher, policy, names, now_ms);
}

void publish_dead_letter(cloudwatch::MetricPublisher* publisher,
                         const ::nimbus::events::QueuedDelivery& policy, const Error* failure,
                         int64_t now_ms) {
  if (publisher == nullptr) return;
  std::vector<std::string> names;
  if (failure == nullptr) {
    names.emplace_back("InvocationsSentToDeadLetterCount");
  } else {
    names.emplace_back("InvocationsFailedToBeSentToDeadLetterCount");
    names.push_back("InvocationsFailedToBeSentToDeadLetterCount_" + wire_code(failure->code));
  }
  publish(publisher, policy, names, now_ms);
}

}  // namespace nimbus::services::scheduler
