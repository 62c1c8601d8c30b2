// PutMetricData: AWS's checks on each datum, then one batch of points.
#include <algorithm>
#include <cmath>
#include <set>

#include "services/cloudwatch/cloudwatch_service.h"
#include "services/cloudwatch/errors.h"
#include "services/cloudwatch/input.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

// PutMetricData's quotas (CloudWatch service quotas).
constexpr size_t kMaxData = 1000;
constexpr size_t kMaxValues = 150;
constexpr size_t kMaxDimensions = 30;
constexpr int64_t kMaxPastMs = 14LL * 24 * 3600 * 1000;  // two weeks
constexpr int64_t kMaxFutureMs = 2LL * 3600 * 1000;      // two hours

std::string fmt_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return json::serialize(json::value(v));
}

// CloudWatch refuses NaN, infinities, and magnitudes outside
// [8.515920e-109, 1.174271e+108] other than zero.
bool valid_number(double v) {
  if (!std::isfinite(v)) return false;
  double a = std::fabs(v);
  return a == 0 || (a >= 8.515920e-109 && a <= 1.174271e+108);
}

Result<Datum> parse_datum(const json::object& m, const std::string& path, int64_t now_ms,
                          MetricKey& key) {
  key.name = str(m, "MetricName");
  if (key.name.empty())
    return errors::missing("The parameter " + path + ".MetricName is required.");
  if (const auto* dims = input::array(m, "Dimensions")) {
    if (dims->size() > kMaxDimensions) {
      return errors::invalid("The collection " + path +
                             ".Dimensions must not have a size greater than 30.");
    }
    std::set<std::string> names;
    for (size_t i = 0; i < dims->size(); ++i) {
      const auto* d = (*dims)[i].if_object();
      std::string dpath = path + ".Dimensions.member." + std::to_string(i + 1);
      if (d == nullptr) return errors::missing("The parameter " + dpath + ".Name is required.");
      std::string name = str(*d, "Name");
      std::string value = str(*d, "Value");
      if (name.empty()) return errors::missing("The parameter " + dpath + ".Name is required.");
      if (value.empty()) return errors::missing("The parameter " + dpath + ".Value is required.");
      if (name[0] == ':') return errors::invalid_value(name, dpath + ".Name");
      if (!names.insert(name).second) {
        return errors::invalid("No metric may have more than one dimension named " + name + ".");
      }
      key.dims.emplace_back(std::move(name), std::move(value));
    }
    std::sort(key.dims.begin(), key.dims.end());
  }

  Datum d;
  d.ingest_ms = now_ms;
  d.timestamp_ms = now_ms;
  if (has(m, "Timestamp")) {
    auto ts = input::millis(m, "Timestamp");
    if (!ts) return errors::invalid_value("Timestamp", path + ".Timestamp");
    if (*ts < now_ms - kMaxPastMs) {
      return errors::invalid("The parameter " + path +
                             ".Timestamp must specify a time no more than two weeks in the past.");
    }
    if (*ts > now_ms + kMaxFutureMs) {
      return errors::invalid(
          "The parameter " + path +
          ".Timestamp must specify a time no more than two hours in the future.");
    }
    d.timestamp_ms = *ts;
  }
  if (has(m, "Unit")) {
    d.unit = str(m, "Unit");
    if (!valid_unit(d.unit)) return errors::invalid_value(d.unit, path + ".Unit");
  }
  if (auto res = integer(m, "StorageResolution")) {
    if (*res != 1 && *res != 60) {
      return errors::invalid_value(std::to_string(*res), path + ".StorageResolution");
    }
    d.resolution = static_cast<int>(*res);
  }
  // Standard resolution is stored per minute (AWS aggregates it so).
  if (d.resolution == 60) d.timestamp_ms -= ((d.timestamp_ms % 60000) + 60000) % 60000;

  const bool has_value = has(m, "Value");
  const bool has_set = has(m, "StatisticValues");
  const auto* values = input::array(m, "Values");
  const auto* counts = input::array(m, "Counts");
  const bool has_values = values != nullptr;
  auto exclusive = [&](const char* a, const char* b) {
    return errors::combination("The parameters " + path + "." + a + " and " + path + "." + b +
                               " are mutually exclusive and you have specified both.");
  };
  if (has_value && has_set) return exclusive("Value", "StatisticValues");
  if (has_value && has_values) return exclusive("Value", "Values");
  if (has_set && has_values) return exclusive("StatisticValues", "Values");
  if (counts != nullptr && !has_values) {
    return errors::combination("The parameter " + path + ".Counts requires " + path +
                               ".Values to be specified.");
  }
  if (has_value) {
    double v = input::number(m, "Value").value_or(NAN);
    if (!valid_number(v)) return errors::invalid_value(fmt_double(v), path + ".Value");
    d.values = {v};
    d.counts = {1};
  } else if (has_set) {
    const auto& s = m.at("StatisticValues").as_object();
    const char* names[] = {"SampleCount", "Sum", "Minimum", "Maximum"};
    double got[4];
    for (int i = 0; i < 4; ++i) {
      auto v = input::number(s, names[i]);
      std::string p = path + ".StatisticValues." + names[i];
      if (!v) return errors::missing("The parameter " + p + " is required.");
      if (!valid_number(*v)) return errors::invalid_value(fmt_double(*v), p);
      got[i] = *v;
    }
    if (got[0] <= 0) {
      return errors::invalid_value(fmt_double(got[0]), path + ".StatisticValues.SampleCount");
    }
    if (got[2] > got[3]) {
      return errors::invalid("The parameter " + path +
                             ".StatisticValues.Minimum must not be greater than " + path +
                             ".StatisticValues.Maximum.");
    }
    d.is_set = true;
    d.sample_count = got[0];
    d.sum = got[1];
    d.minimum = got[2];
    d.maximum = got[3];
  } else if (has_values) {
    if (values->size() > kMaxValues) {
      return errors::invalid("The collection " + path +
                             ".Values must not have a size greater than 150.");
    }
    if (counts != nullptr && counts->size() != values->size()) {
      return errors::invalid("The parameters " + path + ".Values and " + path +
                             ".Counts must be of the same size.");
    }
    for (size_t i = 0; i < values->size(); ++i) {
      json::object one{{"v", (*values)[i]}};
      double v = input::number(one, "v").value_or(NAN);
      if (!valid_number(v)) {
        return errors::invalid_value(fmt_double(v),
                                     path + ".Values.member." + std::to_string(i + 1));
      }
      double c = 1;
      if (counts != nullptr) {
        json::object cc{{"c", (*counts)[i]}};
        c = input::number(cc, "c").value_or(NAN);
        if (!std::isfinite(c) || c < 0) {
          return errors::invalid_value(fmt_double(c),
                                       path + ".Counts.member." + std::to_string(i + 1));
        }
      }
      d.values.push_back(v);
      d.counts.push_back(c);
    }
  } else {
    return errors::missing("The parameter " + path + ".Value is required.");
  }
  return d;
}

}  // namespace

void CloudWatchService::put_metric_data(const CallContext&, object in, Respond respond) {
  const std::string ns = str(in, "Namespace");
  if (ns.empty()) return respond(errors::missing("The parameter Namespace is required."));
  // Namespaces starting "AWS/" are reserved for AWS's own services.
  if (ns.rfind("AWS/", 0) == 0) return respond(errors::invalid_value(ns, "Namespace"));
  if (has(in, "EntityMetricData")) {
    return respond(errors::invalid("EntityMetricData is not supported by nimbus."));
  }
  const auto* data = input::array(in, "MetricData");
  if (data == nullptr || data->empty()) {
    return respond(errors::missing("The parameter MetricData is required."));
  }
  if (data->size() > kMaxData) {
    return respond(
        errors::invalid("The collection MetricData must not have a size greater than 1000."));
  }
  const int64_t now = env_.clock.now_millis();
  std::vector<std::pair<MetricKey, Datum>> points;
  points.reserve(data->size());
  for (size_t i = 0; i < data->size(); ++i) {
    std::string path = "MetricData.member." + std::to_string(i + 1);
    const auto* m = (*data)[i].if_object();
    if (m == nullptr) return respond(errors::missing("The parameter " + path + " is required."));
    MetricKey key;
    key.ns = ns;
    auto d = parse_datum(*m, path, now, key);
    if (!d) return respond(d.take_error());
    points.emplace_back(std::move(key), std::move(d).value());
  }
  store_->put(ns, std::move(points), [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(json::object{});
  });
}

}  // namespace nimbus::services::cloudwatch
