// What an alarm's state change sends, as AWS writes it (pure functions):
// the SNS notification (Message JSON and Subject), the event a Lambda
// function action is invoked with, and the EventBridge "CloudWatch Alarm
// State Change" event.
#pragma once

#include <cstdint>
#include <string>

#include "services/cloudwatch/alarm.h"

namespace nimbus::services::cloudwatch {

struct StateChange {
  Alarm alarm;  // after the change
  std::string old_state;
  std::string old_reason;
  std::string old_reason_data;
  int64_t old_updated_ms = 0;
  std::string old_suppressed_by;  // a composite's ActionsSuppressedBy before
  std::string old_suppressed_reason;
  std::string account;
  std::string region;
};

// "US East (N. Virginia)" for us-east-1; the code for a region it does not know.
std::string region_name(const std::string& region);

// SNS: the Message (AlarmName, ..., Trigger{...}) and the Subject
// (`ALARM: "name" in US East (N. Virginia)`, at most 100 characters).
std::string sns_message(const StateChange& c);
std::string sns_subject(const StateChange& c);
// A Lambda function action's payload ({source, alarmArn, ..., alarmData}).
std::string lambda_event(const StateChange& c);
// The default bus's event (detail-type "CloudWatch Alarm State Change").
std::string eventbridge_event(const StateChange& c, const std::string& id);

}  // namespace nimbus::services::cloudwatch
