// ScheduleDef: parsing and checking a schedule's input, its records, its
// descriptions and its next firing.
#include "services/scheduler/schedule_def.h"

#include <boost/json.hpp>
#include <cmath>

#include "common/json_fields.h"
#include "services/scheduler/errors.h"
#include "services/scheduler/universal_target.h"

namespace nimbus::services::scheduler {

namespace json = boost::json;

namespace {

std::optional<int64_t> seconds(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_double()) {
    double d = v->as_double();
    if (!std::isfinite(d) || std::fabs(d) > 1e13) return std::nullopt;
    return static_cast<int64_t>(std::floor(d));
  }
  return integer(o, key);
}

Result<ScheduleTarget> parse_target(const json::object& in) {
  ScheduleTarget t;
  t.arn = str(in, "Arn");
  t.role_arn = str(in, "RoleArn");
  if (t.arn.rfind("arn:", 0) != 0 || std::count(t.arn.begin(), t.arn.end(), ':') < 5) {
    return errors::validation("Invalid target ARN " + t.arn + ".");
  }
  if (const auto* v = in.if_contains("Input"); v != nullptr && v->is_string()) {
    t.input = std::string(v->as_string());
  }
  if (const auto* v = in.if_contains("SqsParameters"); v != nullptr && v->is_object()) {
    t.group_id = str(v->as_object(), "MessageGroupId");
  }
  if (const auto* v = in.if_contains("EventBridgeParameters"); v != nullptr && v->is_object()) {
    t.detail_type = str(v->as_object(), "DetailType");
    t.source = str(v->as_object(), "Source");
  }
  if (const auto* v = in.if_contains("RetryPolicy"); v != nullptr && v->is_object()) {
    t.max_retries = integer(v->as_object(), "MaximumRetryAttempts").value_or(185);
    t.max_age_s = integer(v->as_object(), "MaximumEventAgeInSeconds").value_or(86400);
    if (t.max_retries < 0 || t.max_retries > 185) {
      return errors::validation("MaximumRetryAttempts must be between 0 and 185.");
    }
    if (t.max_age_s < 60 || t.max_age_s > 86400) {
      return errors::validation("MaximumEventAgeInSeconds must be between 60 and 86400.");
    }
  }
  if (const auto* v = in.if_contains("DeadLetterConfig"); v != nullptr && v->is_object()) {
    t.dead_letter = str(v->as_object(), "Arn");
    if (!t.dead_letter.empty() &&
        (t.dead_letter.find(":sqs:") == std::string::npos || t.dead_letter.ends_with(".fifo"))) {
      return errors::validation("Invalid DeadLetterConfig ARN " + t.dead_letter +
                                ": only standard SQS queues are supported as dead-letter queues.");
    }
  }
  std::string kind = t.kind();
  if (kind == "sqs" && t.arn.ends_with(".fifo") && t.group_id.empty()) {
    return errors::validation("SqsParameters.MessageGroupId is required for FIFO queue targets.");
  }
  if (kind == "scheduler") {
    if (!UniversalArn::parse(t.arn)) return errors::validation("Invalid target ARN " + t.arn + ".");
    if (!t.input || !parse_object(*t.input)) {
      return errors::validation("Input must be a JSON object for universal targets.");
    }
  }
  if (kind == "events") {
    if (t.detail_type.empty() || t.source.empty()) {
      return errors::validation("EventBridgeParameters is required for EventBridge targets.");
    }
    if (t.source.rfind("aws.", 0) == 0) {
      return errors::validation("EventBridgeParameters.Source must not start with aws.");
    }
    if (t.input) {
      auto detail = parse_object(*t.input);
      if (!detail) {
        return errors::validation("Input must be a JSON object for EventBridge targets.");
      }
    }
  }
  return t;
}

}  // namespace

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string ScheduleTarget::kind() const {
  // arn:partition:service:...
  auto a = arn.find(':');
  auto b = a == std::string::npos ? a : arn.find(':', a + 1);
  auto c = b == std::string::npos ? b : arn.find(':', b + 1);
  if (c == std::string::npos) return "";
  return arn.substr(b + 1, c - b - 1);
}

Result<ScheduleDef> ScheduleDef::parse(const json::object& in) {
  ScheduleDef d;
  d.name = str(in, "Name");
  if (has(in, "GroupName")) d.group = str(in, "GroupName");
  if (!valid_name(d.name)) return errors::validation("Invalid schedule name " + d.name + ".");
  if (!valid_name(d.group)) return errors::validation("Invalid group name " + d.group + ".");
  d.description = str(in, "Description");
  if (has(in, "State")) d.state = str(in, "State");
  if (d.state != "ENABLED" && d.state != "DISABLED") {
    return errors::validation("Invalid State " + d.state + ".");
  }
  d.expression = str(in, "ScheduleExpression");
  auto s = ::nimbus::events::Schedule::parse(d.expression, true);
  if (!s) {
    return errors::validation("Invalid Schedule Expression " + d.expression + ". " +
                              s.error().message);
  }
  d.schedule = std::move(*s);
  d.timezone = str(in, "ScheduleExpressionTimezone");
  if (d.timezone.empty()) {
    d.zone = ::nimbus::events::TimeZone::utc();
  } else {
    d.zone = ::nimbus::events::TimeZone::named(d.timezone);
    if (!d.zone) {
      return errors::validation("Invalid Schedule Expression Timezone " + d.timezone + ".");
    }
  }
  d.start_s = seconds(in, "StartDate");
  d.end_s = seconds(in, "EndDate");
  if (d.start_s && d.end_s && *d.start_s >= *d.end_s) {
    return errors::validation("The StartDate must come before the EndDate.");
  }
  if (const auto* v = in.if_contains("FlexibleTimeWindow"); v != nullptr && v->is_object()) {
    const auto& w = v->as_object();
    std::string mode = str(w, "Mode");
    auto minutes = integer(w, "MaximumWindowInMinutes");
    if (mode == "FLEXIBLE") {
      if (!minutes) {
        return errors::validation(
            "MaximumWindowInMinutes must be provided when FlexibleTimeWindow Mode is FLEXIBLE.");
      }
      if (*minutes < 1 || *minutes > 1440) {
        return errors::validation("MaximumWindowInMinutes must be between 1 and 1440.");
      }
      d.flexible = true;
      d.window_min = *minutes;
    } else if (mode == "OFF") {
      if (minutes) {
        return errors::validation(
            "MaximumWindowInMinutes must not be provided when FlexibleTimeWindow Mode is OFF.");
      }
    } else {
      return errors::validation("Invalid FlexibleTimeWindow Mode " + mode + ".");
    }
  } else {
    return errors::validation("FlexibleTimeWindow is required.");
  }
  if (has(in, "ActionAfterCompletion")) d.after_completion = str(in, "ActionAfterCompletion");
  if (d.after_completion != "NONE" && d.after_completion != "DELETE") {
    return errors::validation("Invalid ActionAfterCompletion " + d.after_completion + ".");
  }
  d.kms_key = str(in, "KmsKeyArn");
  const auto* target = in.if_contains("Target");
  if (target == nullptr || !target->is_object()) return errors::validation("Target is required.");
  auto t = parse_target(target->as_object());
  if (!t) return t.error();
  d.target = std::move(*t);
  d.raw_target = target->as_object();
  return d;
}

json::object ScheduleDef::describe() const {
  json::object out{{"Arn", arn},
                   {"Name", name},
                   {"GroupName", group},
                   {"State", state},
                   {"ScheduleExpression", expression},
                   {"ScheduleExpressionTimezone", timezone.empty() ? "UTC" : timezone},
                   {"ActionAfterCompletion", after_completion},
                   {"CreationDate", static_cast<double>(created_ms) / 1000.0},
                   {"LastModificationDate", static_cast<double>(modified_ms) / 1000.0}};
  if (!description.empty()) out["Description"] = description;
  if (start_s) out["StartDate"] = *start_s;
  if (end_s) out["EndDate"] = *end_s;
  if (!kms_key.empty()) out["KmsKeyArn"] = kms_key;
  out["FlexibleTimeWindow"] = window();
  json::object t = raw_target;
  t["RetryPolicy"] = json::object{{"MaximumEventAgeInSeconds", target.max_age_s},
                                  {"MaximumRetryAttempts", target.max_retries}};
  out["Target"] = std::move(t);
  return out;
}

json::object ScheduleDef::window() const {
  json::object w{{"Mode", flexible ? "FLEXIBLE" : "OFF"}};
  if (flexible) w["MaximumWindowInMinutes"] = window_min;
  return w;
}

json::object ScheduleDef::summary() const {
  return json::object{{"Arn", arn},
                      {"Name", name},
                      {"GroupName", group},
                      {"State", state},
                      {"CreationDate", static_cast<double>(created_ms) / 1000.0},
                      {"LastModificationDate", static_cast<double>(modified_ms) / 1000.0},
                      {"Target", json::object{{"Arn", target.arn}}}};
}

std::string ScheduleDef::encode() const {
  json::object input{{"Name", name},
                     {"GroupName", group},
                     {"State", state},
                     {"ScheduleExpression", expression},
                     {"ActionAfterCompletion", after_completion},
                     {"Target", raw_target}};
  if (!timezone.empty()) input["ScheduleExpressionTimezone"] = timezone;
  if (!description.empty()) input["Description"] = description;
  if (start_s) input["StartDate"] = *start_s;
  if (end_s) input["EndDate"] = *end_s;
  if (!kms_key.empty()) input["KmsKeyArn"] = kms_key;
  input["FlexibleTimeWindow"] = window();
  return json::serialize(json::object{{"input", std::move(input)},
                                      {"arn", arn},
                                      {"token", client_token},
                                      {"created_ms", created_ms},
                                      {"modified_ms", modified_ms},
                                      {"anchor_s", anchor_s}});
}

std::optional<ScheduleDef> ScheduleDef::decode(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  const auto* in = o->if_contains("input");
  if (in == nullptr || !in->is_object()) return std::nullopt;
  auto d = parse(in->as_object());
  if (!d) return std::nullopt;
  d->arn = str(*o, "arn");
  d->client_token = str(*o, "token");
  d->created_ms = integer(*o, "created_ms").value_or(0);
  d->modified_ms = integer(*o, "modified_ms").value_or(0);
  d->anchor_s = integer(*o, "anchor_s").value_or(0);
  return std::move(*d);
}

std::optional<int64_t> ScheduleDef::next_firing(int64_t after, int64_t now) const {
  int64_t from = std::max(after, now - window_s() - 1);
  bool once = schedule->kind() == ::nimbus::events::Schedule::Kind::kAt;
  if (!once && start_s) from = std::max(from, *start_s - 1);
  auto next = schedule->next_after(from, anchor_s, *zone);
  if (!next || (!once && end_s && *next > *end_s)) return std::nullopt;
  return next;
}

}  // namespace nimbus::services::scheduler
