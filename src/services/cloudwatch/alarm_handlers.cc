// The alarm operations: PutMetricAlarm, DescribeAlarms,
// DescribeAlarmsForMetric, DeleteAlarms, SetAlarmState, Enable/
// DisableAlarmActions, DescribeAlarmHistory, and the tag operations on
// alarm ARNs.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <limits>
#include <memory>
#include <set>

#include "common/countdown.h"
#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/cloudwatch/alarm.h"
#include "services/cloudwatch/alarm_rule.h"
#include "services/cloudwatch/cloudwatch_service.h"
#include "services/cloudwatch/errors.h"
#include "services/cloudwatch/input.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

constexpr int64_t kDescribePage = 50;
constexpr int64_t kHistoryPage = 100;

// The alarm as history data writes it: the MetricAlarm members in
// camelCase ("OKActions" as "okactions", AWS's spelling).
json::value camel(const json::value& v) {
  if (const auto* o = v.if_object()) {
    json::object out;
    for (const auto& [k, val] : *o) {
      std::string key(k);
      if (key == "OKActions") {
        key = "okactions";
      } else if (!key.empty()) {
        key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
      }
      out[key] = camel(val);
    }
    return out;
  }
  if (const auto* a = v.if_array()) {
    json::array out;
    for (const auto& e : *a) out.push_back(camel(e));
    return out;
  }
  return v;
}

json::object history_alarm(const Alarm& a) {
  auto o = alarm_json(a);
  for (const char* state_member : {"StateValue", "StateReason", "StateReasonData",
                                   "StateUpdatedTimestamp", "StateTransitionedTimestamp"}) {
    o.erase(state_member);
  }
  return camel(o).as_object();
}

std::function<void(Status)> then_empty(Respond respond) {
  return [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(json::object{});
  };
}

std::optional<std::string> alarm_of_arn(const std::string& arn) {
  auto at = arn.find(":alarm:");
  if (!arn.starts_with("arn:aws:cloudwatch:") || at == std::string::npos) return std::nullopt;
  return arn.substr(at + 7);
}

std::string token_of(const std::string& s) {
  return base64_encode(s);
}

}  // namespace

void CloudWatchService::put_alarm(Alarm a, Result<Tags> tags, Respond respond) {
  if (!tags) return respond(tags.take_error());
  const int64_t now = env_.clock.now_millis();
  a.configuration_updated_ms = now;
  std::vector<HistoryItem> history;
  if (auto old = alarm_store_->get(a.name)) {
    if (old->composite() != a.composite()) {
      return respond(errors::validation("The alarm " + a.name + " is a " +
                                        (old->composite() ? "composite" : "metric") +
                                        " alarm already."));
    }
    // An update keeps the state and the tags (AWS ignores Tags here).
    a.state = old->state;
    a.state_reason = old->state_reason;
    a.state_reason_data = old->state_reason_data;
    a.state_updated_ms = old->state_updated_ms;
    a.state_transitioned_ms = old->state_transitioned_ms;
    a.tags = old->tags;
    // Actions held back stay so while the suppressor is the same one.
    if (!a.suppressor.empty() && a.suppressor == old->suppressor) {
      a.suppressed_by = old->suppressed_by;
      a.suppressed_reason = old->suppressed_reason;
      a.suppressed_until_ms = old->suppressed_until_ms;
    }
    json::object data{{"type", "Update"},
                      {"updatedAlarm", history_alarm(a)},
                      {"originalAlarm", history_alarm(*old)}};
    history.push_back({a.name, now, 0, "ConfigurationUpdate", "Alarm \"" + a.name + "\" updated",
                       json::serialize(data)});
  } else {
    a.tags = std::move(*tags);
    a.state_reason = "Unchecked: Initial alarm creation";
    a.state_updated_ms = now;
    a.state_transitioned_ms = now;
    json::object data{{"type", "Create"}, {"createdAlarm", history_alarm(a)}};
    history.push_back({a.name, now, 0, "ConfigurationUpdate", "Alarm \"" + a.name + "\" created",
                       json::serialize(data)});
  }
  std::string name = a.name;
  bool composite = a.composite();
  if (!composite) {
    alarm_store_->put(std::move(a), std::move(history), then_empty(std::move(respond)));
    return;
  }
  // The put is applied in memory already; a composite (INSUFFICIENT_DATA
  // when new) is evaluated at once, its state change committed after the
  // put and its actions run on it. The answer waits for both commits, so a
  // DescribeAlarms after it shows the evaluated state.
  auto both = countdown(2, then_empty(std::move(respond)));
  alarm_store_->put(std::move(a), std::move(history), both);
  alarms_->evaluate_composite(name, std::move(both));
}

void CloudWatchService::put_metric_alarm(const CallContext& ctx, object in, Respond respond) {
  auto read = read_alarm(in, ctx.region, ctx.account_id);
  if (!read) return respond(read.take_error());
  put_alarm(std::move(*read), read_tags(in, takes_aws_tags(ctx)), std::move(respond));
}

void CloudWatchService::put_composite_alarm(const CallContext& ctx, object in, Respond respond) {
  auto read = read_composite(in, ctx.region, ctx.account_id);
  if (!read) return respond(read.take_error());
  // Every alarm the rule names must exist (by name or ARN).
  std::vector<std::string> missing;
  auto all = alarm_store_->list();
  for (const auto& ref : rule_children(read->rule)) {
    bool found = std::any_of(all.begin(), all.end(),
                             [&](const Alarm& a) { return a.name == ref || a.arn == ref; });
    if (!found) missing.push_back(ref);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return respond(errors::validation("Could not save the composite alarm as alarms [" + list +
                                      "] in the alarm rule do not exist"));
  }
  put_alarm(std::move(*read), read_tags(in, takes_aws_tags(ctx)), std::move(respond));
}

Output CloudWatchService::describe_alarms(const CallContext&, const object& in) const {
  auto names = string_list(in, "AlarmNames");
  std::string prefix = str(in, "AlarmNamePrefix");
  if (!names.empty() && !prefix.empty()) {
    return errors::combination(
        "The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.");
  }
  auto types = string_list(in, "AlarmTypes");
  // Without AlarmTypes, only metric alarms (AWS's default).
  bool metric_alarms = types.empty() || std::count(types.begin(), types.end(), "MetricAlarm") > 0;
  bool composites = std::count(types.begin(), types.end(), "CompositeAlarm") > 0;
  std::string state = str(in, "StateValue");
  std::string action_prefix = str(in, "ActionPrefix");
  int64_t page = std::clamp<int64_t>(integer(in, "MaxRecords").value_or(kDescribePage), 1, 100);
  std::string after;
  if (auto t = str(in, "NextToken"); !t.empty()) {
    auto decoded = base64_decode(t);
    if (!decoded || decoded->empty()) return errors::bad_token();
    after = *decoded;
  }
  auto all = alarm_store_->list();
  // ChildrenOfAlarmName / ParentsOfAlarmName: the alarms a composite's rule
  // names, or the composites naming an alarm; both kinds, and only name,
  // ARN, state and its time (as AWS answers these).
  std::string children_of = str(in, "ChildrenOfAlarmName");
  std::string parents_of = str(in, "ParentsOfAlarmName");
  bool relatives = !children_of.empty() || !parents_of.empty();
  if (relatives) {
    bool others = !names.empty() || !prefix.empty() || !types.empty() || !state.empty() ||
                  !action_prefix.empty() || (!children_of.empty() && !parents_of.empty());
    if (others) {
      return errors::combination(
          "ChildrenOfAlarmName and ParentsOfAlarmName take no other parameters but MaxRecords "
          "and NextToken.");
    }
    metric_alarms = composites = true;
  }
  std::vector<std::string> refs;  // children_of's rule
  std::string parent_arn;
  if (!children_of.empty()) {
    auto c = alarm_store_->get(children_of);
    if (c && c->composite()) refs = rule_children(c->rule);
  }
  if (!parents_of.empty()) {
    if (auto a = alarm_store_->get(parents_of)) parent_arn = a->arn;
  }
  auto wanted = [&](const Alarm& a) {
    if (!after.empty() && a.name <= after) return false;
    if (!(a.composite() ? composites : metric_alarms)) return false;
    if (!children_of.empty()) {
      return std::find(refs.begin(), refs.end(), a.name) != refs.end() ||
             std::find(refs.begin(), refs.end(), a.arn) != refs.end();
    }
    if (!parents_of.empty()) {
      if (!a.composite()) return false;
      auto kids = rule_children(a.rule);
      return std::find(kids.begin(), kids.end(), parents_of) != kids.end() ||
             (!parent_arn.empty() && std::find(kids.begin(), kids.end(), parent_arn) != kids.end());
    }
    if (!names.empty() && std::find(names.begin(), names.end(), a.name) == names.end()) {
      return false;
    }
    if (!prefix.empty() && !a.name.starts_with(prefix)) return false;
    if (!state.empty() && a.state != state) return false;
    if (!action_prefix.empty()) {
      bool found = false;
      for (const auto* list : {&a.ok_actions, &a.alarm_actions, &a.insufficient_actions}) {
        for (const auto& arn : *list) found = found || arn.starts_with(action_prefix);
      }
      if (!found) return false;
    }
    return true;
  };
  json::array metric_out, composite_out;
  std::string last;
  bool more = false;
  int64_t count = 0;
  for (const auto& a : all) {
    if (!wanted(a)) continue;
    if (count == page) {
      more = true;
      break;
    }
    ++count;
    json::object o = alarm_json(a);
    if (relatives) {
      o = json::object{{"AlarmName", a.name},
                       {"AlarmArn", a.arn},
                       {"StateValue", a.state},
                       {"StateUpdatedTimestamp", o["StateUpdatedTimestamp"]}};
    }
    (a.composite() ? composite_out : metric_out).push_back(std::move(o));
    last = a.name;
  }
  json::object result;
  if (metric_alarms) result["MetricAlarms"] = std::move(metric_out);
  if (composites) result["CompositeAlarms"] = std::move(composite_out);
  if (more) result["NextToken"] = token_of(last);
  return result;
}

Output CloudWatchService::describe_alarms_for_metric(const CallContext&, const object& in) const {
  std::string name = str(in, "MetricName");
  std::string ns = str(in, "Namespace");
  std::string statistic = str(in, "Statistic");
  std::string extended = str(in, "ExtendedStatistic");
  std::string unit = str(in, "Unit");
  auto period = integer(in, "Period");
  bool dims_given = has(in, "Dimensions");
  auto dims = input::dimensions(in, "Dimensions");
  json::array out;
  for (const auto& a : alarm_store_->list()) {
    if (a.metric.name != name || a.metric.ns != ns) continue;
    if (!statistic.empty() && a.statistic != statistic) continue;
    if (!extended.empty() && a.extended_statistic != extended) continue;
    if (!unit.empty() && a.unit != unit) continue;
    if (period && a.period != *period) continue;
    if (dims_given && a.metric.dims != dims) continue;
    out.push_back(alarm_json(a));
  }
  return json::object{{"MetricAlarms", std::move(out)}};
}

void CloudWatchService::delete_alarms(const CallContext&, object in, Respond respond) {
  auto names = string_list(in, "AlarmNames");
  std::vector<std::string> missing;
  std::vector<HistoryItem> history;
  const int64_t now = env_.clock.now_millis();
  for (const auto& n : names) {
    auto a = alarm_store_->get(n);
    if (!a) {
      missing.push_back(n);
      continue;
    }
    json::object data{{"type", "Delete"}, {"deletedAlarm", history_alarm(*a)}};
    history.push_back(
        {n, now, 0, "ConfigurationUpdate", "Alarm \"" + n + "\" deleted", json::serialize(data)});
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return respond(errors::alarm_not_found("The following alarms were not found: [" + list + "]"));
  }
  alarm_store_->remove(names, std::move(history), then_empty(std::move(respond)));
}

void CloudWatchService::set_alarm_state(const CallContext&, object in, Respond respond) {
  Verdict v;
  std::string name = str(in, "AlarmName");
  v.state = str(in, "StateValue");
  v.reason = str(in, "StateReason");
  v.reason_data = str(in, "StateReasonData");
  if (!v.reason_data.empty() && !parse_object(v.reason_data)) {
    return respond(errors::invalid_format("StateReasonData is not valid JSON."));
  }
  auto done = then_empty(respond);
  if (!alarms_->set_state(name, v, true, std::move(done))) {
    respond(errors::alarm_not_found("Alarm " + name + " not found"));
  }
}

void CloudWatchService::set_alarm_actions(object in, bool enabled, Respond respond) {
  auto names = string_list(in, "AlarmNames");
  auto left = std::make_shared<std::atomic<size_t>>(names.size() + 1);
  auto failed = std::make_shared<std::atomic<bool>>(false);
  auto finish = [left, failed, respond = std::move(respond)](Status st) {
    if (!st) failed->store(true);
    if (--*left == 0) {
      if (*failed) return respond(Error::internal("An alarm change was not stored."));
      respond(json::object{});
    }
  };
  for (const auto& n : names) {
    auto edited = alarm_store_->edit(
        n,
        [enabled](Alarm& a, std::vector<HistoryItem>&) {
          if (a.actions_enabled == enabled) return false;
          a.actions_enabled = enabled;
          return true;
        },
        finish);
    if (!edited) finish(Status::ok());  // AWS ignores names it does not know
  }
  finish(Status::ok());
}

void CloudWatchService::enable_alarm_actions(const CallContext&, object in, Respond respond) {
  set_alarm_actions(std::move(in), true, std::move(respond));
}

void CloudWatchService::disable_alarm_actions(const CallContext&, object in, Respond respond) {
  set_alarm_actions(std::move(in), false, std::move(respond));
}

Output CloudWatchService::describe_alarm_history(const CallContext&, const object& in) const {
  std::string name = str(in, "AlarmName");
  std::string type = str(in, "HistoryItemType");
  auto types = string_list(in, "AlarmTypes");
  // Without AlarmTypes, metric alarms' history only (AWS's default).
  bool metric_alarms = types.empty() || std::count(types.begin(), types.end(), "MetricAlarm") > 0;
  bool composites = std::count(types.begin(), types.end(), "CompositeAlarm") > 0;
  std::set<std::string> composite_names;
  for (const auto& a : alarm_store_->list()) {
    if (a.composite()) composite_names.insert(a.name);
  }
  auto from = input::millis(in, "StartDate").value_or(std::numeric_limits<int64_t>::min());
  auto to = input::millis(in, "EndDate").value_or(std::numeric_limits<int64_t>::max());
  bool ascending = str(in, "ScanBy") == "TimestampAscending";
  int64_t page = std::clamp<int64_t>(integer(in, "MaxRecords").value_or(kHistoryPage), 1, 100);
  size_t skip = 0;
  if (auto t = str(in, "NextToken"); !t.empty()) {
    auto decoded = base64_decode(t);
    int64_t n = 0;
    if (!decoded || decoded->empty() ||
        std::from_chars(decoded->data(), decoded->data() + decoded->size(), n).ec != std::errc() ||
        n <= 0) {
      return errors::bad_token();
    }
    skip = static_cast<size_t>(n);
  }
  json::array out;
  size_t seen = 0;
  bool more = false;
  {
    for (const auto& h : alarm_store_->history(name, from, to, ascending)) {
      // History of an alarm since deleted counts as a metric alarm's.
      bool composite = composite_names.contains(h.alarm);
      if (!(composite ? composites : metric_alarms)) continue;
      if (!type.empty() && h.type != type) continue;
      if (seen++ < skip) continue;
      if (static_cast<int64_t>(out.size()) == page) {
        more = true;
        break;
      }
      out.push_back(json::object{{"AlarmName", h.alarm},
                                 {"AlarmType", composite ? "CompositeAlarm" : "MetricAlarm"},
                                 {"Timestamp", input::seconds(h.ms)},
                                 {"HistoryItemType", h.type},
                                 {"HistorySummary", h.summary},
                                 {"HistoryData", h.data}});
    }
  }
  json::object result{{"AlarmHistoryItems", std::move(out)}};
  if (more) result["NextToken"] = token_of(std::to_string(skip + static_cast<size_t>(page)));
  return result;
}

void CloudWatchService::tag_resource(const CallContext& ctx, object in, Respond respond) {
  std::string arn = str(in, "ResourceARN");
  auto name = alarm_of_arn(arn);
  if (!name) return respond(errors::resource_not_found(arn));
  auto tags = read_tags(in, takes_aws_tags(ctx));
  if (!tags) return respond(tags.take_error());
  auto refused = std::make_shared<std::optional<Error>>();
  auto edited = alarm_store_->edit(
      *name,
      [&](Alarm& a, std::vector<HistoryItem>&) {
        if (a.arn != arn) {
          *refused = errors::resource_not_found(arn);
          return false;
        }
        Tags merged = a.tags;
        for (const auto& tag : *tags) {
          auto it = std::find_if(merged.begin(), merged.end(),
                                 [&](const auto& p) { return p.first == tag.first; });
          if (it != merged.end()) {
            it->second = tag.second;
          } else {
            merged.push_back(tag);
          }
        }
        if (merged.size() > 50) {
          *refused = errors::invalid("The resource has more than 50 tags.");
          return false;
        }
        a.tags = std::move(merged);
        return true;
      },
      [respond, refused](Status st) {
        if (*refused) return respond(**refused);
        if (!st) return respond(st.take_error());
        respond(json::object{});
      });
  if (!edited) respond(errors::resource_not_found(arn));
}

void CloudWatchService::untag_resource(const CallContext& ctx, object in, Respond respond) {
  std::string arn = str(in, "ResourceARN");
  auto name = alarm_of_arn(arn);
  if (!name) return respond(errors::resource_not_found(arn));
  auto keys = string_list(in, "TagKeys");
  if (!takes_aws_tags(ctx) && std::any_of(keys.begin(), keys.end(), [](const std::string& k) {
        return reserved_tag_key(k);
      })) {
    return respond(errors::invalid("Invalid tag key: tag keys starting with 'aws:' are reserved."));
  }
  auto refused = std::make_shared<bool>(false);
  auto edited = alarm_store_->edit(
      *name,
      [&](Alarm& a, std::vector<HistoryItem>&) {
        if (a.arn != arn) {
          *refused = true;
          return false;
        }
        auto before = a.tags.size();
        std::erase_if(a.tags, [&](const auto& p) {
          return std::find(keys.begin(), keys.end(), p.first) != keys.end();
        });
        return a.tags.size() != before;
      },
      [respond, arn, refused](Status st) {
        if (*refused) return respond(errors::resource_not_found(arn));
        if (!st) return respond(st.take_error());
        respond(json::object{});
      });
  if (!edited) respond(errors::resource_not_found(arn));
}

Output CloudWatchService::list_tags_for_resource(const CallContext&, const object& in) const {
  std::string arn = str(in, "ResourceARN");
  auto name = alarm_of_arn(arn);
  if (!name) return errors::resource_not_found(arn);
  auto a = alarm_store_->get(*name);
  if (!a || a->arn != arn) return errors::resource_not_found(arn);
  return json::object{{"Tags", tags_json(a->tags)}};
}

}  // namespace nimbus::services::cloudwatch
