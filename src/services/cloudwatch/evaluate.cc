// Alarm evaluation: M of N with TreatMissingData, and AWS's wording of the
// state reason (evaluate.h).
#include "services/cloudwatch/evaluate.h"

#include <charconv>
#include <cmath>
#include <ctime>

#include "common/time_format.h"

namespace nimbus::services::cloudwatch {

namespace {

// "(05/12/26 17:30:00)": dd/MM/yy HH:mm:ss, UTC.
std::string reason_time(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%d/%m/%y %H:%M:%S", &tm);
  return buf;
}

std::string relation(const std::string& op) {
  if (op == "GreaterThanOrEqualToThreshold") return "greater than or equal to";
  if (op == "GreaterThanThreshold") return "greater than";
  if (op == "LessThanThreshold") return "less than";
  if (op == "LessThanOrEqualToThreshold") return "less than or equal to";
  return "outside the band of";
}

std::string plural(int64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string java_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  double a = std::fabs(v);
  char buf[64];
  if (a == 0 || (a >= 1e-3 && a < 1e7)) {
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    std::string s(buf, r.ptr);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);  // 1.5e+20
  auto e = s.find('e');
  std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  int exponent = std::stoi(s.substr(e + 1));
  return mantissa + "E" + std::to_string(exponent);
}

bool breaches(const Alarm& a, double v) {
  double t = a.threshold.value_or(0);
  const auto& op = a.comparison;
  if (op == "GreaterThanOrEqualToThreshold") return v >= t;
  if (op == "GreaterThanThreshold") return v > t;
  if (op == "LessThanThreshold") return v < t;
  if (op == "LessThanOrEqualToThreshold") return v <= t;
  return false;
}

std::optional<Verdict> evaluate(const Alarm& a, const std::vector<PeriodValue>& periods,
                                int64_t now_ms) {
  const int64_t n = static_cast<int64_t>(periods.size());
  const int64_t m = a.datapoints();
  const std::string& treat = a.treat_missing;
  int64_t breaching = 0, good = 0, missing = 0;
  for (const auto& p : periods) {
    if (!p.value) {
      ++missing;
      if (treat == "breaching") ++breaching;
      if (treat == "notBreaching") ++good;
    } else if (breaches(a, *p.value)) {
      ++breaching;
    } else {
      ++good;
    }
  }
  if (breaching + good == 0) {
    if (treat == "ignore") return std::nullopt;
    Verdict v{
        std::string(kInsufficient),
        "Insufficient Data: " + plural(n, "datapoint") + (n == 1 ? " was" : " were") + " unknown.",
        ""};
    v.reason_data =
        "{\"version\":\"1.0\",\"queryDate\":\"" + utc_millis(now_ms, "+0000") + "\",\"" +
        std::string(a.statistic.empty() ? "extendedStatistic" : "statistic") + "\":\"" + a.stat() +
        "\",\"period\":" + std::to_string(a.period) +
        ",\"recentDatapoints\":[],\"threshold\":" + java_double(a.threshold.value_or(0)) + "}";
    return v;
  }

  Verdict v;
  v.state = std::string(breaching >= m ? kAlarm : kOk);
  // The datapoints received, most recent first.
  std::string listed;
  std::string recent = "[";
  std::string evaluated = "[";
  int64_t received = 0;
  for (auto it = periods.rbegin(); it != periods.rend(); ++it) {
    if (!it->value) continue;
    if (received > 0) {
      listed += ", ";
      recent += ",";
      evaluated += ",";
    }
    ++received;
    listed += java_double(*it->value) + " (" + reason_time(it->start_ms) + ")";
    recent += java_double(*it->value);
    evaluated += "{\"timestamp\":\"" + utc_millis(it->start_ms, "+0000") +
                 "\",\"sampleCount\":" + java_double(it->sample_count) +
                 ",\"value\":" + java_double(*it->value) + "}";
  }
  recent += "]";
  evaluated += "]";

  std::string rel = relation(a.comparison);
  std::string threshold = java_double(a.threshold.value_or(0));
  bool alarm = v.state == kAlarm;
  if (received == 0) {
    // Only missing periods, counted as treat says.
    v.reason = "Threshold Crossed: no datapoints were received for " + plural(n, "period") +
               " and " + plural(missing, "missing datapoint") + (missing == 1 ? " was" : " were") +
               " treated as [" + (alarm ? "Breaching" : "NonBreaching") + "].";
  } else if (n == 1) {
    v.reason = "Threshold Crossed: 1 datapoint [" + listed + "] was " + (alarm ? "" : "not ") +
               rel + " the threshold (" + threshold + ").";
  } else {
    int64_t shown = alarm ? breaching : good;
    v.reason = "Threshold Crossed: " + std::to_string(shown) + " out of the last " +
               std::to_string(n) + " datapoints [" + listed + "] " +
               (shown == 1 ? "was " : "were ") + (alarm ? "" : "not ") + rel + " the threshold (" +
               threshold + ") (minimum " + plural(alarm ? m : 1, "datapoint") + " for " +
               (alarm ? "OK -> ALARM" : "ALARM -> OK") + " transition).";
  }
  std::string stat_key = a.statistic.empty() ? "extendedStatistic" : "statistic";
  v.reason_data = "{\"version\":\"1.0\",\"queryDate\":\"" + utc_millis(now_ms, "+0000") +
                  "\",\"startDate\":\"" +
                  utc_millis(periods.empty() ? now_ms : periods.front().start_ms, "+0000") +
                  "\",\"" + stat_key + "\":\"" + a.stat() +
                  "\",\"period\":" + std::to_string(a.period) + ",\"recentDatapoints\":" + recent +
                  ",\"threshold\":" + threshold + ",\"evaluatedDatapoints\":" + evaluated + "}";
  return v;
}

}  // namespace nimbus::services::cloudwatch
