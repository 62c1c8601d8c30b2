// AWS::CloudWatch::Alarm and AWS::CloudWatch::CompositeAlarm: the
// resources' properties are PutMetricAlarm's and PutCompositeAlarm's input
// (the same member names), so create and update are one call each and
// CloudWatch's checks and errors are the stack's.
#include <cmath>
#include <string>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

// The properties PutMetricAlarm takes; others (none in AWS's schema today)
// are not passed on.
constexpr std::string_view kMembers[] = {"AlarmDescription",
                                         "ActionsEnabled",
                                         "OKActions",
                                         "AlarmActions",
                                         "InsufficientDataActions",
                                         "MetricName",
                                         "Namespace",
                                         "Statistic",
                                         "ExtendedStatistic",
                                         "Dimensions",
                                         "Period",
                                         "Unit",
                                         "EvaluationPeriods",
                                         "DatapointsToAlarm",
                                         "Threshold",
                                         "ComparisonOperator",
                                         "TreatMissingData",
                                         "EvaluateLowSampleCountPercentile",
                                         "Metrics",
                                         "ThresholdMetricId",
                                         "Tags"};
// The properties PutCompositeAlarm takes.
constexpr std::string_view kCompositeMembers[] = {"AlarmRule",
                                                  "AlarmDescription",
                                                  "ActionsEnabled",
                                                  "OKActions",
                                                  "AlarmActions",
                                                  "InsufficientDataActions",
                                                  "ActionsSuppressor",
                                                  "ActionsSuppressorWaitPeriod",
                                                  "ActionsSuppressorExtensionPeriod",
                                                  "Tags"};
// Members whose model type is an integer.
constexpr std::string_view kIntegers[] = {"Period", "EvaluationPeriods", "DatapointsToAlarm",
                                          "ActionsSuppressorWaitPeriod",
                                          "ActionsSuppressorExtensionPeriod"};

std::string alarm_name(const ResourceRequest& r) {
  return r.name_or_generated("AlarmName", 255);
}

template <size_t N>
void put_alarm(const ResourceRequest& r, const std::string& name, const char* operation,
               const std::string_view (&members)[N], ProvideDone done) {
  json::object in{{"AlarmName", name}};
  for (auto member : members) {
    if (const auto* v = r.properties.if_contains(member)) in[member] = *v;
  }
  // Template parameters and YAML scalars arrive as strings: the model's
  // numbers and booleans.
  for (auto member : kIntegers) {
    if (!in.contains(member)) continue;
    if (auto n = integer(r.properties, member)) in[member] = *n;
  }
  if (const auto* t = r.properties.if_contains("Threshold");
      t != nullptr && t->is_string() && in.contains("Threshold")) {
    try {
      double v = std::stod(std::string(t->as_string()));
      if (std::isfinite(v)) in["Threshold"] = v;
    } catch (...) {
      // Left as it is: CloudWatch refuses it with its own message.
    }
  }
  if (auto b = boolean(r.properties, "ActionsEnabled")) in["ActionsEnabled"] = *b;
  std::string arn = r.arn("cloudwatch", "alarm:" + name);
  std::vector<provide::Step> steps{provide::call_step(r, "cloudwatch", operation, std::move(in))};
  // The put takes Tags when it creates the alarm only: an update moves
  // them with TagResource / UntagResource.
  if (!r.physical_id.empty()) {
    for (auto& s : provide::retag_steps(
             r, {"cloudwatch", "TagResource", "UntagResource", "ResourceARN"}, arn)) {
      steps.push_back(std::move(s));
    }
  }
  provide::in_order(std::move(steps), [name, arn, done](Status st) {
    if (!st) return done(st.take_error());
    done(Provided{name, json::object{{"Arn", arn}}});
  });
}

void create_alarm(const ResourceRequest& r, ProvideDone done) {
  put_alarm(r, alarm_name(r), "PutMetricAlarm", kMembers, std::move(done));
}

void update_alarm(const ResourceRequest& r, ProvideDone done) {
  put_alarm(r, r.physical_id, "PutMetricAlarm", kMembers, std::move(done));
}

void create_composite(const ResourceRequest& r, ProvideDone done) {
  put_alarm(r, alarm_name(r), "PutCompositeAlarm", kCompositeMembers, std::move(done));
}

void update_composite(const ResourceRequest& r, ProvideDone done) {
  put_alarm(r, r.physical_id, "PutCompositeAlarm", kCompositeMembers, std::move(done));
}

void delete_alarm(const ResourceRequest& r, RemoveDone done) {
  r.call("cloudwatch", "DeleteAlarms",
         json::object{{"AlarmNames", json::array{json::value(r.physical_id)}}},
         [done = provide::ignoring({"ResourceNotFound"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

}  // namespace

const Provider kAlarm{
    "AWS::CloudWatch::Alarm", create_alarm, update_alarm, delete_alarm, {"AlarmName"}, alarm_name};
const Provider kCompositeAlarm{"AWS::CloudWatch::CompositeAlarm",
                               create_composite,
                               update_composite,
                               delete_alarm,
                               {"AlarmName"},
                               alarm_name};

}  // namespace nimbus::services::cloudformation::providers
