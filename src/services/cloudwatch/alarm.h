// A metric alarm: its configuration (PutMetricAlarm's input, checked as AWS
// checks it) and its state, as one value. Stored as the MetricAlarm shape
// DescribeAlarms answers with, plus its tags (alarm_store.h).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "services/cloudwatch/metric.h"

namespace nimbus::services::cloudwatch {

inline constexpr std::string_view kOk = "OK";
inline constexpr std::string_view kAlarm = "ALARM";
inline constexpr std::string_view kInsufficient = "INSUFFICIENT_DATA";

using Tags = std::vector<std::pair<std::string, std::string>>;  // key, value

struct Alarm {
  std::string name;
  std::string arn;
  std::string description;
  bool actions_enabled = true;
  std::vector<std::string> ok_actions, alarm_actions, insufficient_actions;
  // One metric (empty name when the alarm is on Metrics).
  MetricKey metric;
  std::string statistic;           // SampleCount, Average, Sum, Minimum, Maximum
  std::string extended_statistic;  // pNN.NN
  std::string unit;                // "" = any
  int64_t period = 0;              // seconds
  int64_t evaluation_periods = 0;
  int64_t datapoints_to_alarm = 0;  // 0 = evaluation_periods
  std::optional<double> threshold;
  std::string comparison;
  std::string treat_missing;     // "" = missing
  std::string low_sample_count;  // EvaluateLowSampleCountPercentile
  boost::json::array metrics;    // metric math alarms: stored, not evaluated
  std::string threshold_metric_id;
  // A composite alarm (PutCompositeAlarm): its AlarmRule, and the alarm
  // whose ALARM state holds back its actions (alarms.h says when).
  std::string rule;
  std::string suppressor;
  int64_t suppressor_wait = 0;       // seconds
  int64_t suppressor_extension = 0;  // seconds
  // While its actions are held back: "Alarm", "WaitPeriod" or
  // "ExtensionPeriod" (ActionsSuppressedBy), else "".
  std::string suppressed_by;
  std::string suppressed_reason;
  int64_t suppressed_until_ms = 0;  // the end of a WaitPeriod / ExtensionPeriod
  Tags tags;

  std::string state{kInsufficient};
  std::string state_reason;
  std::string state_reason_data;
  int64_t configuration_updated_ms = 0;
  int64_t state_updated_ms = 0;
  int64_t state_transitioned_ms = 0;

  int64_t datapoints() const {
    return datapoints_to_alarm > 0 ? datapoints_to_alarm : evaluation_periods;
  }
  // The statistic the alarm evaluates: Statistic or ExtendedStatistic.
  const std::string& stat() const { return statistic.empty() ? extended_statistic : statistic; }
  // Whether nimbus evaluates it from a metric (one metric; not metric math).
  bool evaluated() const { return metrics.empty() && !metric.name.empty(); }
  bool composite() const { return !rule.empty(); }
  // The actions for entering `state`.
  const std::vector<std::string>& actions_for(std::string_view state) const;
};

// PutMetricAlarm's input as an Alarm (state fields left default), or AWS's
// error for it. `region` and `account` make its ARN.
Result<Alarm> read_alarm(const boost::json::object& in, const std::string& region,
                         const std::string& account);

// PutCompositeAlarm's input as an Alarm (the rule checked by AlarmRule).
Result<Alarm> read_composite(const boost::json::object& in, const std::string& region,
                             const std::string& account);

// The MetricAlarm shape, or the CompositeAlarm shape for a composite
// (DescribeAlarms).
boost::json::object alarm_json(const Alarm& a);
// Stored form: the MetricAlarm shape plus "Tags"; and back.
std::string encode_alarm(const Alarm& a);
std::optional<Alarm> decode_alarm(std::string_view text);

// A Tags member (list of Key/Value), with AWS's checks; `aws_keys`: aws:
// keys are taken (from CloudFormation, services::takes_aws_tags, and from
// the store), else refused.
Result<Tags> read_tags(const boost::json::object& in, bool aws_keys = false);
boost::json::array tags_json(const Tags& tags);

}  // namespace nimbus::services::cloudwatch
