// PutMetricAlarm's checks, and an alarm's JSON forms (alarm.h).
#include "services/cloudwatch/alarm.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/cloudwatch/alarm_rule.h"
#include "services/cloudwatch/errors.h"
#include "services/cloudwatch/input.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTags = 50;
constexpr int64_t kMaxEvaluationSeconds = 86400;

const std::set<std::string, std::less<>> kMissingModes = {"breaching", "notBreaching", "ignore",
                                                          "missing"};
const std::set<std::string, std::less<>> kBandOperators = {
    "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold",
    "GreaterThanUpperThreshold"};

// An action: an ARN of a service alarms act on. nimbus carries out SNS and
// Lambda actions; the others (Auto Scaling, EC2, Systems Manager) are kept
// and reported as failed actions in the history.
Status check_action(const std::string& arn) {
  if (!arn.starts_with("arn:")) return errors::validation("Invalid arn syntax: " + arn);
  size_t parts = static_cast<size_t>(std::count(arn.begin(), arn.end(), ':'));
  if (parts < 5) return errors::validation("Invalid arn syntax: " + arn);
  return Status::ok();
}

Status read_actions(const json::object& in, std::string_view key, std::vector<std::string>& out) {
  out = string_list(in, key);
  for (const auto& a : out) {
    if (auto st = check_action(a); !st) return st;
  }
  return Status::ok();
}

}  // namespace

const std::vector<std::string>& Alarm::actions_for(std::string_view s) const {
  if (s == kAlarm) return alarm_actions;
  if (s == kOk) return ok_actions;
  return insufficient_actions;
}

Result<Tags> read_tags(const json::object& in, bool aws_keys) {
  Tags tags;
  const auto* list = input::array(in, "Tags");
  if (list == nullptr) return tags;
  for (const auto& t : *list) {
    const auto* o = t.if_object();
    if (o == nullptr) continue;
    std::string key = str(*o, "Key");
    if (!aws_keys && reserved_tag_key(key)) {
      return errors::invalid("Invalid tag key: tag keys starting with 'aws:' are reserved.");
    }
    auto it = std::find_if(tags.begin(), tags.end(), [&](const auto& p) { return p.first == key; });
    if (it != tags.end()) {
      it->second = str(*o, "Value");
    } else {
      tags.emplace_back(key, str(*o, "Value"));
    }
  }
  if (tags.size() > kMaxTags) {
    return errors::invalid("The list of tags has more than " + std::to_string(kMaxTags) + " tags.");
  }
  return tags;
}

json::array tags_json(const Tags& tags) {
  json::array out;
  for (const auto& [k, v] : tags) out.push_back(json::object{{"Key", k}, {"Value", v}});
  return out;
}

namespace {

// What PutMetricAlarm and PutCompositeAlarm share: the name and its ARN,
// the description, ActionsEnabled and the three action lists.
Result<Alarm> read_common(const json::object& in, const std::string& region,
                          const std::string& account) {
  Alarm a;
  a.name = str(in, "AlarmName");
  if (a.name.empty()) return errors::missing("The parameter AlarmName is required.");
  a.arn = "arn:aws:cloudwatch:" + region + ":" + account + ":alarm:" + a.name;
  a.description = str(in, "AlarmDescription");
  a.actions_enabled = boolean(in, "ActionsEnabled").value_or(true);
  if (auto st = read_actions(in, "OKActions", a.ok_actions); !st) return st.take_error();
  if (auto st = read_actions(in, "AlarmActions", a.alarm_actions); !st) return st.take_error();
  if (auto st = read_actions(in, "InsufficientDataActions", a.insufficient_actions); !st) {
    return st.take_error();
  }
  return a;
}

}  // namespace

Result<Alarm> read_alarm(const json::object& in, const std::string& region,
                         const std::string& account) {
  auto common = read_common(in, region, account);
  if (!common) return common.take_error();
  Alarm a = std::move(*common);
  a.metric.ns = str(in, "Namespace");
  a.metric.name = str(in, "MetricName");
  a.metric.dims = input::dimensions(in, "Dimensions");
  a.statistic = str(in, "Statistic");
  a.extended_statistic = str(in, "ExtendedStatistic");
  a.unit = str(in, "Unit");
  a.threshold = input::number(in, "Threshold");
  a.comparison = str(in, "ComparisonOperator");
  a.treat_missing = str(in, "TreatMissingData");
  a.low_sample_count = str(in, "EvaluateLowSampleCountPercentile");
  a.threshold_metric_id = str(in, "ThresholdMetricId");
  if (const auto* m = input::array(in, "Metrics")) a.metrics = *m;
  auto evaluation_periods = integer(in, "EvaluationPeriods");
  auto datapoints = integer(in, "DatapointsToAlarm");
  auto period = integer(in, "Period");

  if (!evaluation_periods) return errors::missing("The parameter EvaluationPeriods is required.");
  if (a.comparison.empty()) return errors::missing("The parameter ComparisonOperator is required.");
  if (*evaluation_periods < 1 || *evaluation_periods > kMaxEvaluationSeconds) {
    return errors::invalid_value(std::to_string(*evaluation_periods), "EvaluationPeriods");
  }
  a.evaluation_periods = *evaluation_periods;
  if (datapoints && *datapoints < 1) {
    return errors::invalid_value(std::to_string(*datapoints), "DatapointsToAlarm");
  }
  if (datapoints) {
    if (*datapoints > a.evaluation_periods) {
      return errors::validation(
          "DatapointsToAlarm must be less than or equal to EvaluationPeriods");
    }
    a.datapoints_to_alarm = *datapoints;
  }
  if (!a.treat_missing.empty() && !kMissingModes.contains(a.treat_missing)) {
    return errors::invalid_value(a.treat_missing, "TreatMissingData");
  }
  if (kBandOperators.contains(a.comparison) && a.threshold_metric_id.empty()) {
    return errors::validation(
        "Comparison operators for band are only supported for anomaly "
        "detection alarms: ThresholdMetricId is required.");
  }
  if (a.threshold && !std::isfinite(*a.threshold)) {
    return errors::invalid_value(str(in, "Threshold"), "Threshold");
  }
  if (!a.threshold && a.threshold_metric_id.empty()) {
    return errors::missing("The parameter Threshold is required.");
  }

  if (!a.metrics.empty()) {
    // A metric math (or anomaly detection) alarm: its queries replace the
    // metric members.
    for (const char* member : {"MetricName", "Namespace", "Dimensions", "Statistic",
                               "ExtendedStatistic", "Period", "Unit"}) {
      if (has(in, member)) {
        return errors::combination(std::string("The parameter ") + member +
                                   " must not be specified when Metrics is specified.");
      }
    }
    if (a.metrics.size() > 20)
      return errors::invalid("The list of Metrics has more than 20 items.");
    size_t returned = 0;
    std::set<std::string> ids;
    for (const auto& q : a.metrics) {
      const auto* o = q.if_object();
      if (o == nullptr) continue;
      if (!ids.insert(str(*o, "Id")).second) {
        return errors::validation("The value " + str(*o, "Id") +
                                  " for parameter Metrics.member.Id is not unique.");
      }
      if (boolean(*o, "ReturnData").value_or(true)) ++returned;
    }
    if (returned != 1 && a.threshold_metric_id.empty()) {
      return errors::validation("Exactly one element of the metrics list should return data.");
    }
    return a;
  }

  if (a.metric.name.empty()) return errors::missing("The parameter MetricName is required.");
  if (a.metric.ns.empty()) return errors::missing("The parameter Namespace is required.");
  if (!period) return errors::missing("The parameter Period is required.");
  if (a.statistic.empty() == a.extended_statistic.empty()) {
    return errors::combination(
        "Exactly one element of the Statistic and ExtendedStatistic parameters must be "
        "specified.");
  }
  if (!a.extended_statistic.empty() && !percentile_of(a.extended_statistic)) {
    return errors::invalid_value(a.extended_statistic, "ExtendedStatistic");
  }
  if (!a.low_sample_count.empty()) {
    if (a.extended_statistic.empty()) {
      return errors::combination(
          "The parameter EvaluateLowSampleCountPercentile requires ExtendedStatistic.");
    }
    if (a.low_sample_count != "evaluate" && a.low_sample_count != "ignore") {
      return errors::invalid_value(a.low_sample_count, "EvaluateLowSampleCountPercentile");
    }
  }
  // Alarms take 10 s, 30 s and whole minutes.
  if (*period != 10 && *period != 30 &&
      (*period <= 0 || *period > kMaxEvaluationSeconds || *period % 60 != 0)) {
    return errors::invalid_value(std::to_string(*period), "Period");
  }
  a.period = *period;
  if (a.period * a.evaluation_periods > kMaxEvaluationSeconds) {
    return errors::validation(
        "Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be "
        "<= 86400)");
  }
  std::set<std::string> names;
  for (const auto& [n, v] : a.metric.dims) {
    if (!names.insert(n).second) return errors::invalid_value(n, "Dimensions.member.Name");
  }
  return a;
}

Result<Alarm> read_composite(const json::object& in, const std::string& region,
                             const std::string& account) {
  auto common = read_common(in, region, account);
  if (!common) return common.take_error();
  Alarm a = std::move(*common);
  a.rule = str(in, "AlarmRule");
  auto rule = AlarmRule::parse(a.rule);
  if (!rule) return rule.take_error();
  a.suppressor = str(in, "ActionsSuppressor");
  a.suppressor_wait = integer(in, "ActionsSuppressorWaitPeriod").value_or(0);
  a.suppressor_extension = integer(in, "ActionsSuppressorExtensionPeriod").value_or(0);
  if (a.suppressor_wait < 0) {
    return errors::invalid_value(std::to_string(a.suppressor_wait), "ActionsSuppressorWaitPeriod");
  }
  if (a.suppressor_extension < 0) {
    return errors::invalid_value(std::to_string(a.suppressor_extension),
                                 "ActionsSuppressorExtensionPeriod");
  }
  return a;
}

json::object alarm_json(const Alarm& a) {
  json::object o{{"AlarmName", a.name},
                 {"AlarmArn", a.arn},
                 {"AlarmConfigurationUpdatedTimestamp", input::seconds(a.configuration_updated_ms)},
                 {"ActionsEnabled", a.actions_enabled},
                 {"OKActions", string_array(a.ok_actions)},
                 {"AlarmActions", string_array(a.alarm_actions)},
                 {"InsufficientDataActions", string_array(a.insufficient_actions)},
                 {"StateValue", a.state},
                 {"StateReason", a.state_reason},
                 {"StateUpdatedTimestamp", input::seconds(a.state_updated_ms)},
                 {"StateTransitionedTimestamp", input::seconds(a.state_transitioned_ms)}};
  if (!a.description.empty()) o["AlarmDescription"] = a.description;
  if (!a.state_reason_data.empty()) o["StateReasonData"] = a.state_reason_data;
  if (a.composite()) {
    o["AlarmRule"] = a.rule;
    if (!a.suppressor.empty()) {
      o["ActionsSuppressor"] = a.suppressor;
      o["ActionsSuppressorWaitPeriod"] = a.suppressor_wait;
      o["ActionsSuppressorExtensionPeriod"] = a.suppressor_extension;
    }
    if (!a.suppressed_by.empty()) {
      o["ActionsSuppressedBy"] = a.suppressed_by;
      o["ActionsSuppressedReason"] = a.suppressed_reason;
    }
    return o;
  }
  o["EvaluationPeriods"] = a.evaluation_periods;
  o["ComparisonOperator"] = a.comparison;
  if (!a.metric.name.empty()) o["MetricName"] = a.metric.name;
  if (!a.metric.ns.empty()) o["Namespace"] = a.metric.ns;
  if (a.metrics.empty()) o["Dimensions"] = input::dimensions_json(a.metric.dims);
  if (!a.statistic.empty()) o["Statistic"] = a.statistic;
  if (!a.extended_statistic.empty()) o["ExtendedStatistic"] = a.extended_statistic;
  if (a.period > 0) o["Period"] = a.period;
  if (!a.unit.empty()) o["Unit"] = a.unit;
  if (a.datapoints_to_alarm > 0) o["DatapointsToAlarm"] = a.datapoints_to_alarm;
  if (a.threshold) o["Threshold"] = *a.threshold;
  if (!a.treat_missing.empty()) o["TreatMissingData"] = a.treat_missing;
  if (!a.low_sample_count.empty()) o["EvaluateLowSampleCountPercentile"] = a.low_sample_count;
  if (!a.metrics.empty()) o["Metrics"] = a.metrics;
  if (!a.threshold_metric_id.empty()) o["ThresholdMetricId"] = a.threshold_metric_id;
  return o;
}

std::string encode_alarm(const Alarm& a) {
  auto o = alarm_json(a);
  o["Tags"] = tags_json(a.tags);
  // Timestamps in milliseconds, exactly.
  o["t"] = json::array{a.configuration_updated_ms, a.state_updated_ms, a.state_transitioned_ms};
  if (a.suppressed_until_ms > 0) o["su"] = a.suppressed_until_ms;
  return json::serialize(o);
}

std::optional<Alarm> decode_alarm(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  Alarm a;
  a.name = str(*o, "AlarmName");
  a.arn = str(*o, "AlarmArn");
  if (a.name.empty() || a.arn.empty()) return std::nullopt;
  a.description = str(*o, "AlarmDescription");
  a.actions_enabled = boolean(*o, "ActionsEnabled").value_or(true);
  a.ok_actions = string_list(*o, "OKActions");
  a.alarm_actions = string_list(*o, "AlarmActions");
  a.insufficient_actions = string_list(*o, "InsufficientDataActions");
  a.metric.ns = str(*o, "Namespace");
  a.metric.name = str(*o, "MetricName");
  a.metric.dims = input::dimensions(*o, "Dimensions");
  a.statistic = str(*o, "Statistic");
  a.extended_statistic = str(*o, "ExtendedStatistic");
  a.unit = str(*o, "Unit");
  a.period = integer(*o, "Period").value_or(0);
  a.evaluation_periods = integer(*o, "EvaluationPeriods").value_or(1);
  a.datapoints_to_alarm = integer(*o, "DatapointsToAlarm").value_or(0);
  a.threshold = input::number(*o, "Threshold");
  a.comparison = str(*o, "ComparisonOperator");
  a.treat_missing = str(*o, "TreatMissingData");
  a.low_sample_count = str(*o, "EvaluateLowSampleCountPercentile");
  if (const auto* m = input::array(*o, "Metrics")) a.metrics = *m;
  a.threshold_metric_id = str(*o, "ThresholdMetricId");
  a.rule = str(*o, "AlarmRule");
  a.suppressor = str(*o, "ActionsSuppressor");
  a.suppressor_wait = integer(*o, "ActionsSuppressorWaitPeriod").value_or(0);
  a.suppressor_extension = integer(*o, "ActionsSuppressorExtensionPeriod").value_or(0);
  a.suppressed_by = str(*o, "ActionsSuppressedBy");
  a.suppressed_reason = str(*o, "ActionsSuppressedReason");
  a.suppressed_until_ms = integer(*o, "su").value_or(0);
  if (auto t = read_tags(*o, true)) a.tags = std::move(*t);
  a.state = str(*o, "StateValue");
  if (a.state != kOk && a.state != kAlarm) a.state = std::string(kInsufficient);
  a.state_reason = str(*o, "StateReason");
  a.state_reason_data = str(*o, "StateReasonData");
  if (const auto* t = input::array(*o, "t"); t != nullptr && t->size() == 3) {
    auto at = [&](size_t i) { return (*t)[i].is_int64() ? (*t)[i].as_int64() : int64_t{0}; };
    a.configuration_updated_ms = at(0);
    a.state_updated_ms = at(1);
    a.state_transitioned_ms = at(2);
  }
  return a;
}

}  // namespace nimbus::services::cloudwatch
