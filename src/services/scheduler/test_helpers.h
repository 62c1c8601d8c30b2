// Helpers the Scheduler unit tests share: a fixture with Scheduler, SQS (the
// real engine, for targets and dead-letter queues) and a Lambda target
// double (services/testing/target_fixture.h), with schedule shortcuts.
#pragma once

#include <string>

#include "common/time_format.h"
#include "services/scheduler/scheduler_service.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/target_fixture.h"

namespace nimbus::services::scheduler::testing {

namespace json = boost::json;

inline constexpr const char* kRole = "arn:aws:iam::000000000000:role/scheduler";
inline constexpr const char* kFunction = "arn:aws:lambda:us-east-1:000000000000:function:f";

// CreateSchedule's input: `expression` delivering to `target_arn`, flexible
// window OFF; `extra` members are added (or replace) at the top level.
inline json::object schedule_input(const std::string& name, const std::string& expression,
                                   const std::string& target_arn, json::object extra = {}) {
  json::object in{{"Name", name},
                  {"ScheduleExpression", expression},
                  {"FlexibleTimeWindow", json::object{{"Mode", "OFF"}}},
                  {"Target", json::object{{"Arn", target_arn}, {"RoleArn", kRole}}}};
  for (auto& [k, v] : extra) in[k] = v;
  return in;
}

class SchedulerTest
    : public services::testing::WithTargets<services::testing::ServiceTest<SchedulerService>> {
 protected:
  SchedulerTest() : WithTargets({build<sqs::SqsService>(), build<SchedulerService>()}) {}

  static json::object schedule(const std::string& name, const std::string& expression,
                               const std::string& target_arn, json::object extra = {}) {
    return schedule_input(name, expression, target_arn, std::move(extra));
  }
  // at() `seconds` after the simulated clock's current time (UTC).
  std::string at_in(int64_t seconds) const {
    int64_t t = clock.now_millis() / 1000 + seconds;
    std::string iso = utc_millis(t * 1000);
    return "at(" + iso.substr(0, 19) + ")";
  }
  std::string error_message(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    return out ? "(ok)" : out.error().message;
  }
};

}  // namespace nimbus::services::scheduler::testing
