// AWS/Scheduler dead-letter metrics (dead_letter_metrics.h).
#include "services/scheduler/dead_letter_metrics.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::services::scheduler {

namespace {

// The group of the schedule a dead letter names (its SCHEDULE_ARN
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

}  // namespace

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
  std::string group = group_of(policy);
  std::vector<cloudwatch::PublishedDatum> data;
  for (const auto& name : names) {
    data.push_back({name, {}, now_ms, 1, "Count"});
    if (!group.empty()) data.push_back({name, {{"ScheduleGroup", group}}, now_ms, 1, "Count"});
  }
  publisher->put("AWS/Scheduler", std::move(data));
}

}  // namespace nimbus::services::scheduler
