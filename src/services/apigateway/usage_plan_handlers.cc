// apigateway control handlers: usage plans, their keys and their usage.
// Each plan is one document (kind "plan", usage_plans.h) holding its API
// stages, throttle, quota and keys; answered once durable, the data plane's
// index rebuilt after every change.
#include <algorithm>
#include <cstdlib>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/rest_util.h"
#include "services/apigateway/tags.h"

namespace nimbus::services::apigateway {

namespace {

constexpr int64_t kMaxUsageDays = 366;
// UpdateUsage's largest remaining quota (nimbus's bound: no overflow).
constexpr int64_t kMaxRemaining = 1'000'000'000'000;

Error plan_not_found(const std::string& id) {
  return errors::not_found("Invalid Usage Plan ID specified: " + id);
}

json::object shown(json::object plan) {
  plan.erase("keys");
  return plan;
}

Status check_throttle(const json::value* v) {
  if (v == nullptr || !v->is_object()) return Status::ok();
  const auto& o = v->as_object();
  if (integer(o, "burstLimit").value_or(0) < 0) {
    return errors::bad_request("Invalid burst limit: must be a non-negative integer");
  }
  const auto* rate = o.if_contains("rateLimit");
  if (rate != nullptr && rate->is_number() && rate->to_number<double>() < 0) {
    return errors::bad_request("Invalid rate limit: must be a non-negative number");
  }
  return Status::ok();
}

Status check_quota(const json::value* v) {
  if (v == nullptr || !v->is_object()) return Status::ok();
  const auto& o = v->as_object();
  std::string period = str(o, "period");
  if (period != "DAY" && period != "WEEK" && period != "MONTH") {
    return errors::bad_request("Invalid quota period: must be one of DAY, WEEK, MONTH");
  }
  if (integer(o, "limit").value_or(-1) < 0) {
    return errors::bad_request("Invalid quota limit: must be a non-negative integer");
  }
  int64_t offset = integer(o, "offset").value_or(0);
  int64_t most = period == "DAY" ? 0 : period == "WEEK" ? 6 : 27;
  if (offset < 0 || offset > most) {
    return errors::bad_request("Invalid quota offset for period " + period + ": must be 0 to " +
                               std::to_string(most));
  }
  return Status::ok();
}

bool same_stage(const json::value& a, const json::value& b) {
  return a.is_object() && b.is_object() &&
         str(a.as_object(), "apiId") == str(b.as_object(), "apiId") &&
         str(a.as_object(), "stage") == str(b.as_object(), "stage");
}

bool holds(const json::object& plan, const std::string& key_id) {
  const auto* keys = plan.if_contains("keys");
  return keys != nullptr && keys->is_object() && keys->as_object().contains(key_id);
}

json::object plan_key(const json::object& key) {
  return json::object{{"id", str(key, "id")},
                      {"type", "API_KEY"},
                      {"value", str(key, "value")},
                      {"name", str(key, "name")}};
}

// A patch operation on a plan: replace of /name, /description,
// /throttle/rateLimit, /throttle/burstLimit, /quota/limit, /quota/period,
// /quota/offset; remove of /throttle, /quota; add or remove of /apiStages
// with the value "apiId:stage".
Status patch_plan(json::object& plan, const json::object& op) {
  std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
  auto number = [&](bool whole) -> Result<json::value> {
    char* end = nullptr;
    double d = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !(d >= 0 && d < 1e15)) {
      return Error(errors::bad_request("Invalid value for " + path + ": " + value));
    }
    if (whole) return json::value(static_cast<int64_t>(d));
    return json::value(d);
  };
  auto group = [&](const char* name) -> json::object& {
    auto& g = plan[name];
    if (!g.is_object()) g = json::object();
    return g.as_object();
  };
  if (verb == "replace" && (path == "/name" || path == "/description")) {
    plan[path.substr(1)] = value;
  } else if (verb == "remove" && (path == "/throttle" || path == "/quota")) {
    plan.erase(path.substr(1));
  } else if (verb == "replace" &&
             (path == "/throttle/rateLimit" || path == "/throttle/burstLimit" ||
              path == "/quota/limit" || path == "/quota/offset")) {
    auto n = number(path != "/throttle/rateLimit");
    if (!n) return n.take_error();
    auto slash = path.find('/', 1);
    group(path.substr(1, slash - 1).c_str())[path.substr(slash + 1)] = *n;
  } else if (verb == "replace" && path == "/quota/period") {
    group("quota")["period"] = value;
  } else if ((verb == "add" || verb == "remove") && path == "/apiStages") {
    auto colon = value.find(':');
    if (colon == std::string::npos) {
      return errors::bad_request("Invalid API stage: " + value + " (expected apiId:stage)");
    }
    json::value stage =
        json::object{{"apiId", value.substr(0, colon)}, {"stage", value.substr(colon + 1)}};
    auto& stages = plan["apiStages"];
    if (!stages.is_array()) stages = json::array();
    auto& list = stages.as_array();
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const json::value& s) { return same_stage(s, stage); });
    if (verb == "add" && it == list.end()) list.push_back(std::move(stage));
    if (verb == "remove") {
      if (it == list.end()) return errors::not_found("Invalid API stage: " + value);
      list.erase(it);
    }
  } else {
    return errors::bad_request("Invalid patch path '" + path + "' specified for op '" + verb + "'");
  }
  return Status::ok();
}

}  // namespace

Status RestApiService::check_api_stages(const CallContext& ctx, const json::value* stages) const {
  if (stages == nullptr || !stages->is_array()) return Status::ok();
  for (const auto& s : stages->as_array()) {
    if (!s.is_object()) return errors::bad_request("Invalid API stage");
    std::string api_id = str(s.as_object(), "apiId"), stage = str(s.as_object(), "stage");
    auto api = store_.find(api_id);
    if (!api) return rest_api_not_found(ctx, api_id);
    const auto* st = api->doc.if_contains("stages");
    if (st == nullptr || !st->is_object() || !st->as_object().contains(stage)) {
      return errors::not_found("Invalid stage identifier specified");
    }
    if (const auto* t = s.as_object().if_contains("throttle"); t != nullptr && t->is_object()) {
      for (const auto& [path, settings] : t->as_object()) {
        if (auto bad = check_throttle(&settings); !bad) return bad;
      }
    }
  }
  return Status::ok();
}

void RestApiService::create_usage_plan(const CallContext& ctx, json::object in, Respond respond) {
  if (str(in, "name").empty()) return respond(errors::bad_request("Usage plan name is required"));
  if (auto st = check_new_tags(in, "tags", takes_aws_tags(ctx)); !st)
    return respond(st.take_error());
  if (auto st = check_throttle(in.if_contains("throttle")); !st) return respond(st.take_error());
  if (auto st = check_quota(in.if_contains("quota")); !st) return respond(st.take_error());
  if (auto st = check_api_stages(ctx, in.if_contains("apiStages")); !st) {
    return respond(st.take_error());
  }
  json::object plan{{"apiStages", json::array()}, {"keys", json::object()}};
  for (const char* m : {"name", "description", "apiStages", "throttle", "quota", "tags"}) {
    if (has(in, m)) plan[m] = in[m];
  }
  usage_.plans().create(new_id(6), std::move(plan),
                        [this, respond = std::move(respond)](Result<ApiPtr> r) {
                          if (!r) return respond(r.take_error());
                          usage_.reindex();
                          respond(shown((*r)->doc));
                        });
}

void RestApiService::update_usage_plan(const CallContext& ctx, json::object in, Respond respond) {
  const auto* ops = in.if_contains("patchOperations");
  std::string id = str(in, "usagePlanId");
  usage_.plans().update(
      id,
      [&](json::object& plan) {
        if (ops != nullptr && ops->is_array()) {
          for (const auto& op : ops->as_array()) {
            if (!op.is_object()) continue;
            if (auto st = patch_plan(plan, op.as_object()); !st) return st;
          }
        }
        if (auto st = check_throttle(plan.if_contains("throttle")); !st) return st;
        if (auto st = check_quota(plan.if_contains("quota")); !st) return st;
        return check_api_stages(ctx, plan.if_contains("apiStages"));
      },
      [this, id, respond = std::move(respond)](Result<ApiPtr> r) {
        if (!r) {
          Error e = r.take_error();
          if (e.message == "Invalid API identifier specified") e = plan_not_found(id);
          return respond(std::move(e));
        }
        usage_.reindex();
        respond(shown((*r)->doc));
      });
}

Output RestApiService::get_usage_plan(const CallContext&, const json::object& in) const {
  auto plan = usage_.plans().find(str(in, "usagePlanId"));
  if (!plan) return plan_not_found(str(in, "usagePlanId"));
  return shown(plan->doc);
}

Output RestApiService::get_usage_plans(const CallContext&, const json::object& in) const {
  std::string key = str(in, "keyId");
  json::object all;
  for (const auto& plan : usage_.plans().list()) {
    if (!key.empty() && !holds(plan->doc, key)) continue;
    all[str(plan->doc, "id")] = shown(plan->doc);
  }
  return rest_page(all, in);
}

void RestApiService::delete_usage_plan(const CallContext&, json::object in, Respond respond) {
  std::string id = str(in, "usagePlanId");
  usage_.plans().remove(id, [this, id, respond = std::move(respond)](Status st) {
    if (!st) return respond(plan_not_found(id));
    usage_.forget_usage(id);
    usage_.reindex();
    respond(json::object());
  });
}

Status RestApiService::check_plan_key(const ApiPtr& plan, const std::string& key_id,
                                      const std::vector<ApiPtr>& joining) const {
  // A key may be in several plans, but in one plan per API stage.
  std::string plan_id = str(plan->doc, "id");
  const auto* mine = plan->doc.if_contains("apiStages");
  auto others = usage_.plans().list();
  others.erase(std::remove_if(others.begin(), others.end(),
                              [&](const ApiPtr& p) { return !holds(p->doc, key_id); }),
               others.end());
  for (const auto& j : joining) {
    if (std::find(others.begin(), others.end(), j) == others.end()) others.push_back(j);
  }
  for (const auto& other : others) {
    if (other == plan) return errors::conflict("Usage Plan Key already exists");
    const auto* theirs = other->doc.if_contains("apiStages");
    if (mine == nullptr || theirs == nullptr || !mine->is_array() || !theirs->is_array()) continue;
    for (const auto& a : mine->as_array()) {
      for (const auto& b : theirs->as_array()) {
        if (!same_stage(a, b)) continue;
        return errors::conflict("Usage Plan " + plan_id + " cannot be added because API Key " +
                                key_id +
                                " cannot reference multiple Usage Plans with the same API Stage: " +
                                str(a.as_object(), "apiId") + ":" + str(a.as_object(), "stage"));
      }
    }
  }
  return Status::ok();
}

void RestApiService::create_usage_plan_key(const CallContext&, json::object in, Respond respond) {
  std::string plan_id = str(in, "usagePlanId"), key_id = str(in, "keyId");
  if (str(in, "keyType") != "API_KEY") {
    return respond(errors::bad_request("Invalid key type: must be API_KEY"));
  }
  auto key = usage_.keys().find(key_id);
  if (!key) return respond(errors::not_found("Invalid API Key identifier specified"));
  auto plan = usage_.plans().find(plan_id);
  if (!plan) return respond(plan_not_found(plan_id));
  if (auto st = check_plan_key(plan, key_id, {}); !st) return respond(st.take_error());
  json::object out = plan_key(key->doc);
  usage_.plans().update(
      plan_id,
      [&key_id](json::object& doc) {
        auto& keys = doc["keys"];
        if (!keys.is_object()) keys = json::object();
        keys.as_object()[key_id] = true;
        return Status::ok();
      },
      [this, plan_id, out, respond = std::move(respond)](Result<ApiPtr> r) {
        if (!r) return respond(plan_not_found(plan_id));
        usage_.reindex();
        respond(out);
      });
}

Output RestApiService::get_usage_plan_key(const CallContext&, const json::object& in) const {
  auto plan = usage_.plans().find(str(in, "usagePlanId"));
  if (!plan) return plan_not_found(str(in, "usagePlanId"));
  auto key = usage_.keys().find(str(in, "keyId"));
  if (!key || !holds(plan->doc, str(in, "keyId"))) {
    return errors::not_found("Invalid API Key identifier specified");
  }
  return plan_key(key->doc);
}

Output RestApiService::get_usage_plan_keys(const CallContext&, const json::object& in) const {
  auto plan = usage_.plans().find(str(in, "usagePlanId"));
  if (!plan) return plan_not_found(str(in, "usagePlanId"));
  std::string name = str(in, "nameQuery");
  json::object all;
  for (const auto& [id, _] : plan->doc.at("keys").as_object()) {
    auto key = usage_.keys().find(std::string(id));
    if (!key || !str(key->doc, "name").starts_with(name)) continue;
    all[id] = plan_key(key->doc);
  }
  return rest_page(all, in);
}

void RestApiService::delete_usage_plan_key(const CallContext&, json::object in, Respond respond) {
  std::string plan_id = str(in, "usagePlanId"), key_id = str(in, "keyId");
  usage_.plans().update(
      plan_id,
      [&key_id](json::object& doc) {
        if (!holds(doc, key_id)) {
          return Status(errors::not_found("Invalid API Key identifier specified"));
        }
        doc["keys"].as_object().erase(key_id);
        return Status::ok();
      },
      [this, plan_id, key_id, respond = std::move(respond)](Result<ApiPtr> r) {
        if (!r) {
          Error e = r.take_error();
          if (e.message == "Invalid API identifier specified") e = plan_not_found(plan_id);
          return respond(std::move(e));
        }
        usage_.forget_usage(plan_id, key_id);
        usage_.reindex();
        respond(json::object());
      });
}

Output RestApiService::get_usage(const CallContext&, const json::object& in) const {
  auto plan = usage_.plans().find(str(in, "usagePlanId"));
  if (!plan) return plan_not_found(str(in, "usagePlanId"));
  auto from = day_from_date(str(in, "startDate")), to = day_from_date(str(in, "endDate"));
  if (!from || !to) return errors::bad_request("Invalid date: dates are YYYY-MM-DD");
  if (*to < *from) return errors::bad_request("The end date must not be before the start date");
  if (*to - *from >= kMaxUsageDays) {
    return errors::bad_request("The date range must not exceed " + std::to_string(kMaxUsageDays) +
                               " days");
  }
  auto quota = quota_of(plan->doc.if_contains("quota"));
  std::string only = str(in, "keyId");
  json::object items;
  for (const auto& [id, _] : plan->doc.at("keys").as_object()) {
    if (!only.empty() && id != only) continue;
    json::array days;
    for (auto [used, remaining] :
         usage_.meter().usage(str(plan->doc, "id"), std::string(id), quota, *from, *to)) {
      days.push_back(json::array{used, remaining});
    }
    items[id] = std::move(days);
  }
  return json::object{{"usagePlanId", str(plan->doc, "id")},
                      {"startDate", str(in, "startDate")},
                      {"endDate", str(in, "endDate")},
                      {"items", std::move(items)}};
}

// UpdateUsage: `replace` of `/remaining` grants the key what remains of its
// quota in the current period (the meter's, meter.h); the answer is the
// key's usage today, as GetUsage reports it.
void RestApiService::update_usage(const CallContext&, json::object in, Respond respond) {
  std::string plan_id = str(in, "usagePlanId"), key_id = str(in, "keyId");
  auto plan = usage_.plans().find(plan_id);
  if (!plan) return respond(plan_not_found(plan_id));
  if (!usage_.keys().find(key_id) || !holds(plan->doc, key_id)) {
    return respond(errors::not_found("Invalid API Key identifier specified"));
  }
  auto quota = quota_of(plan->doc.if_contains("quota"));
  std::optional<int64_t> remaining;
  const auto* ops = in.if_contains("patchOperations");
  if (ops != nullptr && ops->is_array()) {
    for (const auto& op_v : ops->as_array()) {
      if (!op_v.is_object()) continue;
      const auto& op = op_v.as_object();
      std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
      if (verb != "replace" || path != "/remaining") {
        return respond(errors::bad_request("Invalid patch path '" + path + "' specified for op '" +
                                           verb + "'. Must be one of: [/remaining]"));
      }
      char* end = nullptr;
      long long n = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || end != value.c_str() + value.size() || n < 0 || n > kMaxRemaining) {
        return respond(errors::bad_request("Invalid value for /remaining: " + value +
                                           " (a whole number from 0 to " +
                                           std::to_string(kMaxRemaining) + ")"));
      }
      remaining = n;
    }
  }
  if (!quota) {
    return respond(errors::bad_request("Usage plan " + plan_id + " has no quota to update"));
  }
  int64_t now = env_.clock.now_millis();
  int64_t today = day_of(now);
  auto answer = [this, plan_id, key_id, quota = *quota, today] {
    auto [used, left] = usage_.meter().usage(plan_id, key_id, quota, today, today).front();
    json::array days;
    days.push_back(json::array{used, left});
    return json::object{{"usagePlanId", plan_id},
                        {"startDate", date_of(today)},
                        {"endDate", date_of(today)},
                        {"items", json::object{{key_id, std::move(days)}}}};
  };
  if (!remaining) return respond(answer());
  // The grant is durable before the answer says it is made.
  usage_.meter().set_remaining(plan_id, key_id, *quota, *remaining, now);
  usage_.save_usage(plan_id, key_id, [answer, respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(answer());
  });
}

}  // namespace nimbus::services::apigateway
