// A schedule as CreateSchedule / UpdateSchedule describe it, checked once
// (ScheduleDef::parse) and kept as that input plus what the service adds
// (ARN, dates, the rate anchor, the client token). Immutable once stored;
// shared between threads as SchedulePtr.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "events/schedule.h"

namespace nimbus::services::scheduler {

// The target of a schedule (templated targets: SQS, Lambda, SNS, Step
// Functions, EventBridge; other ARNs go to whatever events::Targets binds).
struct ScheduleTarget {
  std::string arn;
  std::string role_arn;
  std::optional<std::string> input;  // Input, with Scheduler's context keywords
  std::string group_id;              // SqsParameters.MessageGroupId
  std::string detail_type;           // EventBridgeParameters.DetailType
  std::string source;                // EventBridgeParameters.Source
  int64_t max_retries = 185;         // RetryPolicy.MaximumRetryAttempts
  int64_t max_age_s = 86400;         // RetryPolicy.MaximumEventAgeInSeconds
  std::string dead_letter;           // DeadLetterConfig.Arn
  // The ARN's service field: "sqs", "lambda", "sns", "states", "events", ...
  std::string kind() const;
};

struct ScheduleDef {
  std::string name;
  std::string group = "default";
  std::string arn;
  std::string description;
  std::string state = "ENABLED";
  std::string expression;
  std::string timezone;  // "" = UTC
  std::optional<int64_t> start_s;
  std::optional<int64_t> end_s;
  bool flexible = false;
  int64_t window_min = 0;  // FlexibleTimeWindow.MaximumWindowInMinutes
  std::string after_completion = "NONE";
  std::string kms_key;
  ScheduleTarget target;
  boost::json::object raw_target;  // as given, for GetSchedule

  // Set by the service.
  std::string client_token;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  int64_t anchor_s = 0;  // rate(): fires at anchor + k * period (StartDate, else creation)

  // Compiled from the text.
  std::optional<::nimbus::events::Schedule> schedule;
  std::optional<::nimbus::events::TimeZone> zone;

  // Checks an input of CreateSchedule / UpdateSchedule (its shape; the dates
  // against the current time are the handler's) with Scheduler's messages.
  static Result<ScheduleDef> parse(const boost::json::object& in);

  // GetSchedule's output.
  boost::json::object describe() const;
  // ListSchedules' summary.
  boost::json::object summary() const;
  // The record stored, and back (decoding checks the input again).
  std::string encode() const;
  static std::optional<ScheduleDef> decode(std::string_view text);

  // The next firing (UTC seconds) strictly after the firing `after`, that is
  // not older than `now` minus the flexible window (missed firings are not
  // replayed one by one), within StartDate and EndDate; nullopt: no more.
  std::optional<int64_t> next_firing(int64_t after, int64_t now) const;
  int64_t window_s() const { return flexible ? window_min * 60 : 0; }
  // FlexibleTimeWindow as the API shows it.
  boost::json::object window() const;
};
using SchedulePtr = std::shared_ptr<const ScheduleDef>;

// A schedule or group name: 1-64 of [0-9a-zA-Z-_.].
bool valid_name(const std::string& name);

}  // namespace nimbus::services::scheduler
