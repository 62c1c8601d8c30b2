// GetMetricData: MetricStat queries aggregated per period, arithmetic
// expressions over them (expression.h), paged by MaxDatapoints.
#include <algorithm>
#include <charconv>
#include <set>

#include "services/cloudwatch/cloudwatch_service.h"
#include "services/cloudwatch/errors.h"
#include "services/cloudwatch/expression.h"
#include "services/cloudwatch/input.h"
#include "services/cloudwatch/window.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

constexpr size_t kMaxQueries = 500;
constexpr int64_t kDefaultMaxDatapoints = 100'800;
// Far beyond any answer's datapoints (500 queries of 15 days by the second).
constexpr int64_t kMaxOffset = int64_t{1} << 40;

bool valid_id(const std::string& id) {
  if (id.empty() || !std::islower(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

struct Query {
  std::string id;
  std::string label;
  bool return_data = true;
  std::unique_ptr<Expr> expression;  // or a MetricStat:
  std::string metric_id;
  std::string stat;
  std::string unit;
  Window window;
};

}  // namespace

Output CloudWatchService::get_metric_data(const CallContext&, const object& in) const {
  const auto* list = input::array(in, "MetricDataQueries");
  if (list == nullptr || list->empty()) {
    return errors::missing("The parameter MetricDataQueries is required.");
  }
  if (list->size() > kMaxQueries) {
    return errors::invalid(
        "The collection MetricDataQueries must not have a size greater than 500.");
  }
  auto start = input::millis(in, "StartTime");
  auto end = input::millis(in, "EndTime");
  if (!start) return errors::missing("The parameter StartTime is required.");
  if (!end) return errors::missing("The parameter EndTime is required.");
  const std::string scan = has(in, "ScanBy") ? str(in, "ScanBy") : "TimestampDescending";
  if (scan != "TimestampDescending" && scan != "TimestampAscending") {
    return errors::invalid_value(scan, "ScanBy");
  }
  const int64_t max_points = integer(in, "MaxDatapoints").value_or(kDefaultMaxDatapoints);
  if (max_points < 1 || max_points > kMaxOffset) {
    return errors::invalid_value(std::to_string(max_points), "MaxDatapoints");
  }
  int64_t offset = 0;
  if (has(in, "NextToken")) {
    std::string t = str(in, "NextToken");
    auto r = std::from_chars(t.data(), t.data() + t.size(), offset);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() || offset < 0 || offset > kMaxOffset) {
      return errors::bad_token();
    }
  }
  const int64_t now = env_.clock.now_millis();

  std::vector<Query> queries;
  std::set<std::string> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    const auto* q = (*list)[i].if_object();
    const std::string path = "MetricDataQueries.member." + std::to_string(i + 1);
    if (q == nullptr) return errors::missing("The parameter " + path + ".Id is required.");
    Query query;
    query.id = str(*q, "Id");
    if (!valid_id(query.id)) {
      return errors::validation("Invalid metric data query Id " + query.id + " in " + path +
                                ".Id: it must start with a lowercase letter and contain only "
                                "letters, numbers and underscores.");
    }
    if (!ids.insert(query.id).second) {
      return errors::validation("The value " + query.id + " for parameter " + path +
                                ".Id is not unique.");
    }
    query.return_data = boolean(*q, "ReturnData").value_or(true);
    const bool stat = has(*q, "MetricStat");
    const bool expr = has(*q, "Expression");
    if (stat == expr) {
      return errors::validation("Exactly one of the parameters " + path + ".MetricStat and " +
                                path + ".Expression must be specified.");
    }
    if (expr) {
      auto e = parse_expression(str(*q, "Expression"));
      if (!e) return e.take_error();
      query.expression = std::move(*e);
      query.label = has(*q, "Label") ? str(*q, "Label") : query.id;
    } else {
      const auto& ms = q->at("MetricStat").as_object();
      const auto* metric = ms.if_contains("Metric");
      object m = metric != nullptr && metric->is_object() ? metric->as_object() : object{};
      MetricKey key{str(m, "Namespace"), str(m, "MetricName"), input::dimensions(m, "Dimensions")};
      query.metric_id = metric_id(key);
      query.stat = str(ms, "Stat");
      if (!valid_stat(query.stat)) {
        return errors::invalid_value(query.stat, path + ".MetricStat.Stat");
      }
      query.unit = str(ms, "Unit");
      if (!query.unit.empty() && !valid_unit(query.unit)) {
        return errors::invalid_value(query.unit, path + ".MetricStat.Unit");
      }
      auto w = make_window(*start, *end, integer(ms, "Period").value_or(0), now,
                           path + ".MetricStat.Period");
      if (!w) return w.take_error();
      query.window = *w;
      query.label = has(*q, "Label") ? str(*q, "Label") : key.name;
    }
    queries.push_back(std::move(query));
  }

  // MetricStat queries first, then expressions in an order that has every id
  // they read computed before them.
  std::map<std::string, Series> results;
  for (const auto& q : queries) {
    if (q.expression) continue;
    Series& s = results[q.id];
    for (const auto& [ts, st] : aggregate(
             store_->points(q.metric_id, q.window.start_ms, q.window.end_ms), q.window, q.unit)) {
      if (auto v = st.get(q.stat)) s[ts] = *v;
    }
  }
  for (size_t round = 0, left = 1; left > 0; ++round) {
    left = 0;
    size_t done_now = 0;
    for (const auto& q : queries) {
      if (!q.expression || results.count(q.id)) continue;
      std::vector<std::string> reads;
      expression_ids(*q.expression, reads);
      bool ready = true;
      for (const auto& r : reads) {
        if (!ids.count(r)) {
          return errors::validation("Error in expression " + q.id + ": Unrecognized metric id " +
                                    r + ".");
        }
        if (r == q.id || !results.count(r)) ready = false;
      }
      if (!ready) {
        ++left;
        continue;
      }
      Value v = evaluate(*q.expression,
                         [&](const std::string& id) -> const Series& { return results.at(id); });
      results[q.id] = v.scalar ? Series{} : std::move(v.series);
      ++done_now;
    }
    if (left > 0 && done_now == 0) {
      return errors::validation("Error in expression: circular dependency between queries.");
    }
  }

  // One page: MaxDatapoints values across the returned queries, from
  // `offset` on.
  json::array out;
  int64_t skip = offset;
  int64_t room = max_points;
  bool more = false;
  for (const auto& q : queries) {
    if (!q.return_data) continue;
    const Series& s = results[q.id];
    std::vector<std::pair<int64_t, double>> pts(s.begin(), s.end());
    if (scan == "TimestampDescending") std::reverse(pts.begin(), pts.end());
    json::array ts, vals;
    size_t i = 0;
    int64_t drop = std::min<int64_t>(skip, static_cast<int64_t>(pts.size()));
    skip -= drop;
    i = static_cast<size_t>(drop);
    for (; i < pts.size() && room > 0; ++i, --room) {
      ts.push_back(input::seconds(pts[i].first));
      vals.push_back(pts[i].second);
    }
    bool complete = i == pts.size();
    if (!complete) more = true;
    out.push_back(json::object{{"Id", q.id},
                               {"Label", q.label},
                               {"Timestamps", std::move(ts)},
                               {"Values", std::move(vals)},
                               {"StatusCode", complete ? "Complete" : "PartialData"}});
  }
  json::object result{{"MetricDataResults", std::move(out)}, {"Messages", json::array{}}};
  if (more) result["NextToken"] = std::to_string(offset + max_points);
  return result;
}

}  // namespace nimbus::services::cloudwatch
