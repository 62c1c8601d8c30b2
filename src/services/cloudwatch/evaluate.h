// Alarm evaluation as a pure function: the statistic of each of an alarm's
// last EvaluationPeriods periods in, the state they put it in out, with
// StateReason and StateReasonData as AWS writes them. No clock, no store:
// alarms.cc gathers the periods and applies the verdict.
//
// Rules (README "Alarms"): a period breaches when its value compares with
// the threshold as ComparisonOperator says; a missing period counts as
// breaching (TreatMissingData breaching), not breaching (notBreaching), or
// not at all (missing, ignore). DatapointsToAlarm (M) breaching periods of
// the last EvaluationPeriods (N) → ALARM; otherwise, when any period counts,
// OK; when none does, INSUFFICIENT_DATA (missing) or no change (ignore).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/cloudwatch/alarm.h"

namespace nimbus::services::cloudwatch {

struct PeriodValue {
  int64_t start_ms = 0;
  std::optional<double> value;  // the alarm's statistic; nullopt = no data
  double sample_count = 0;
};

struct Verdict {
  std::string state;
  std::string reason;
  std::string reason_data;  // JSON text
};

// `periods` oldest first, EvaluationPeriods of them, ending before now_ms.
// nullopt: the alarm keeps its state (ignore, with no data).
std::optional<Verdict> evaluate(const Alarm& a, const std::vector<PeriodValue>& periods,
                                int64_t now_ms);

// Whether `v` breaches the alarm's threshold.
bool breaches(const Alarm& a, double v);

// A double as AWS's messages print it (Java's: 5.0, 0.25, 1.0E20).
std::string java_double(double v);

}  // namespace nimbus::services::cloudwatch
