// The messages of an alarm's state change (alarm_notice.h).
#include "services/cloudwatch/alarm_notice.h"

#include <boost/json.hpp>
#include <cctype>
#include <map>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "services/cloudwatch/evaluate.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Serializes `o` with the double `v` written as AWS writes it (5.0, not
// 5E0) where the string `marker` stands.
std::string with_number(const json::object& o, const std::string& marker, double v) {
  std::string text = json::serialize(o);
  std::string quoted = "\"" + marker + "\"";
  if (auto at = text.find(quoted); at != std::string::npos) {
    text.replace(at, quoted.size(), java_double(v));
  }
  return text;
}

constexpr const char* kThresholdMarker = "@nimbus-threshold@";

// alarmData of the Lambda event and detail of the EventBridge event.
json::object alarm_data(const StateChange& c) {
  const Alarm& a = c.alarm;
  json::object state{{"value", a.state},
                     {"reason", a.state_reason},
                     {"timestamp", utc_millis(a.state_updated_ms, "+0000")}};
  if (!a.state_reason_data.empty()) state["reasonData"] = a.state_reason_data;
  json::object previous{{"value", c.old_state},
                        {"reason", c.old_reason},
                        {"timestamp", utc_millis(c.old_updated_ms, "+0000")}};
  if (!c.old_reason_data.empty()) previous["reasonData"] = c.old_reason_data;
  if (a.composite()) {
    // Held-back actions: why, in the state and the previous state.
    if (!a.suppressed_by.empty()) {
      state["actionsSuppressedBy"] = a.suppressed_by;
      state["actionsSuppressedReason"] = a.suppressed_reason;
    }
    if (!c.old_suppressed_by.empty()) {
      previous["actionsSuppressedBy"] = c.old_suppressed_by;
      previous["actionsSuppressedReason"] = c.old_suppressed_reason;
    }
    // A composite's configuration is its rule (and suppressor).
    json::object configuration{{"alarmRule", a.rule}};
    if (!a.description.empty()) configuration["description"] = a.description;
    if (!a.suppressor.empty()) {
      configuration["actionsSuppressor"] = a.suppressor;
      configuration["actionsSuppressorWaitPeriod"] = a.suppressor_wait;
      configuration["actionsSuppressorExtensionPeriod"] = a.suppressor_extension;
    }
    return json::object{{"alarmName", a.name},
                        {"state", state},
                        {"previousState", previous},
                        {"configuration", configuration}};
  }
  json::array metrics;
  if (a.evaluated()) {
    json::object dims;
    for (const auto& [n, v] : a.metric.dims) dims[n] = v;
    json::object stat{
        {"metric", {{"namespace", a.metric.ns}, {"name", a.metric.name}, {"dimensions", dims}}},
        {"period", a.period},
        {"stat", a.stat()}};
    if (!a.unit.empty()) stat["unit"] = a.unit;
    metrics.push_back(json::object{{"id", "m1"}, {"metricStat", stat}, {"returnData", true}});
  } else {
    metrics = a.metrics;
  }
  json::object configuration{{"metrics", metrics}};
  if (!a.description.empty()) configuration["description"] = a.description;
  return json::object{{"alarmName", a.name},
                      {"state", state},
                      {"previousState", previous},
                      {"configuration", configuration}};
}

}  // namespace

std::string region_name(const std::string& region) {
  static const std::map<std::string, std::string> kNames = {
      {"us-east-1", "US East (N. Virginia)"},
      {"us-east-2", "US East (Ohio)"},
      {"us-west-1", "US West (N. California)"},
      {"us-west-2", "US West (Oregon)"},
      {"ca-central-1", "Canada (Central)"},
      {"eu-west-1", "EU (Ireland)"},
      {"eu-west-2", "EU (London)"},
      {"eu-west-3", "EU (Paris)"},
      {"eu-central-1", "EU (Frankfurt)"},
      {"eu-north-1", "EU (Stockholm)"},
      {"eu-south-1", "EU (Milan)"},
      {"ap-northeast-1", "Asia Pacific (Tokyo)"},
      {"ap-northeast-2", "Asia Pacific (Seoul)"},
      {"ap-northeast-3", "Asia Pacific (Osaka)"},
      {"ap-southeast-1", "Asia Pacific (Singapore)"},
      {"ap-southeast-2", "Asia Pacific (Sydney)"},
      {"ap-south-1", "Asia Pacific (Mumbai)"},
      {"ap-east-1", "Asia Pacific (Hong Kong)"},
      {"sa-east-1", "South America (Sao Paulo)"},
      {"me-south-1", "Middle East (Bahrain)"},
      {"af-south-1", "Africa (Cape Town)"},
  };
  auto it = kNames.find(region);
  return it != kNames.end() ? it->second : region;
}

std::string sns_subject(const StateChange& c) {
  std::string s = c.alarm.state + ": \"" + c.alarm.name + "\" in " + region_name(c.region);
  // SNS subjects are at most 100 characters.
  if (s.size() > 100) s.resize(100);
  return s;
}

std::string sns_message(const StateChange& c) {
  const Alarm& a = c.alarm;
  json::object m{
      {"AlarmName", a.name},
      {"AlarmDescription",
       a.description.empty() ? json::value(nullptr) : json::value(a.description)},
      {"AWSAccountId", c.account},
      {"AlarmConfigurationUpdatedTimestamp", utc_millis(a.configuration_updated_ms, "+0000")},
      {"NewStateValue", a.state},
      {"NewStateReason", a.state_reason},
      {"StateChangeTime", utc_millis(a.state_updated_ms, "+0000")},
      {"Region", region_name(c.region)},
      {"AlarmArn", a.arn},
      {"OldStateValue", c.old_state},
      {"OKActions", string_array(a.ok_actions)},
      {"AlarmActions", string_array(a.alarm_actions)},
      {"InsufficientDataActions", string_array(a.insufficient_actions)}};
  if (a.composite()) {
    // No Trigger: the rule says what a composite watches.
    m["AlarmRule"] = a.rule;
    return json::serialize(m);
  }
  json::object trigger;
  if (a.evaluated()) {
    json::array dims;
    for (const auto& [n, v] : a.metric.dims)
      dims.push_back(json::object{{"value", v}, {"name", n}});
    trigger = json::object{{"MetricName", a.metric.name}, {"Namespace", a.metric.ns}};
    if (a.statistic.empty()) {
      trigger["StatisticType"] = "ExtendedStatistic";
      trigger["ExtendedStatistic"] = a.extended_statistic;
    } else {
      trigger["StatisticType"] = "Statistic";
      trigger["Statistic"] = upper(a.statistic);
    }
    trigger["Unit"] = a.unit.empty() ? json::value(nullptr) : json::value(a.unit);
    trigger["Dimensions"] = std::move(dims);
    trigger["Period"] = a.period;
  } else {
    trigger["Metrics"] = a.metrics;
  }
  trigger["EvaluationPeriods"] = a.evaluation_periods;
  trigger["DatapointsToAlarm"] = a.datapoints();
  trigger["ComparisonOperator"] = a.comparison;
  if (a.threshold) {
    trigger["Threshold"] = kThresholdMarker;
  } else {
    trigger["ThresholdMetricId"] = a.threshold_metric_id;
  }
  trigger["TreatMissingData"] = a.treat_missing;
  trigger["EvaluateLowSampleCountPercentile"] = a.low_sample_count;
  m["Trigger"] = std::move(trigger);
  return with_number(m, kThresholdMarker, a.threshold.value_or(0));
}

std::string lambda_event(const StateChange& c) {
  json::object e{
      {"source", "aws.cloudwatch"}, {"alarmArn", c.alarm.arn},
      {"accountId", c.account},     {"time", utc_millis(c.alarm.state_updated_ms, "+0000")},
      {"region", c.region},         {"alarmData", alarm_data(c)}};
  return json::serialize(e);
}

std::string eventbridge_event(const StateChange& c, const std::string& id) {
  std::string time = utc_millis(c.alarm.state_updated_ms, "Z");
  time.erase(time.size() - 5, 4);  // 2019-10-02T17:04:40Z: EventBridge's whole seconds
  json::object e{{"version", "0"},
                 {"id", id},
                 {"detail-type", "CloudWatch Alarm State Change"},
                 {"source", "aws.cloudwatch"},
                 {"account", c.account},
                 {"time", time},
                 {"region", c.region},
                 {"resources", json::array{json::value(c.alarm.arn)}},
                 {"detail", alarm_data(c)}};
  return json::serialize(e);
}

}  // namespace nimbus::services::cloudwatch
