// EventBridge handlers for rules: put (create or update, keeping targets),
// describe, delete, list, enable, disable.
#include "common/json_fields.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"
#include "services/events/tags.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

bool valid_rule_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

json::object describe(const Rule& r, const std::string& account) {
  json::object o{{"Name", r.name}, {"Arn", r.arn}, {"State", r.state}, {"EventBusName", r.bus}};
  if (!r.pattern_text.empty()) o["EventPattern"] = r.pattern_text;
  if (!r.schedule_text.empty()) o["ScheduleExpression"] = r.schedule_text;
  if (!r.description.empty()) o["Description"] = r.description;
  if (!r.role_arn.empty()) o["RoleArn"] = r.role_arn;
  o["CreatedBy"] = account;
  return o;
}

}  // namespace

void EventsService::put_rule(const CallContext& ctx, object in, Respond respond) {
  Rule r;
  r.name = str(in, "Name");
  r.bus = Engine::bus_name(str(in, "EventBusName"));
  if (!valid_rule_name(r.name)) return respond(errors::validation("Parameter Name is not valid."));
  if (!engine_->bus(r.bus)) return respond(errors::bus_not_found(r.bus));
  r.pattern_text = str(in, "EventPattern");
  r.schedule_text = str(in, "ScheduleExpression");
  if (r.pattern_text.empty() && r.schedule_text.empty()) {
    return respond(
        errors::validation("Parameter(s) EventPattern or ScheduleExpression must be specified."));
  }
  if (!r.pattern_text.empty()) {
    auto p = ::nimbus::events::EventPattern::parse(r.pattern_text);
    if (!p) return respond(p.error());
    r.pattern = std::move(*p);
  }
  if (!r.schedule_text.empty()) {
    if (r.bus != "default") {
      return respond(
          errors::validation("ScheduleExpression is supported only on the default event bus."));
    }
    auto s = ::nimbus::events::Schedule::parse(r.schedule_text, false);
    if (!s) return respond(errors::schedule_invalid());
    r.schedule = std::move(*s);
  }
  std::string state = str(in, "State");
  if (!state.empty()) {
    if (state != "ENABLED" && state != "DISABLED" &&
        state != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") {
      return respond(errors::validation("Parameter State is not valid."));
    }
    r.state = state;
  }
  r.description = str(in, "Description");
  r.role_arn = str(in, "RoleArn");
  r.arn = engine_->rule_arn(r.bus, r.name);
  r.anchor_s = env_.clock.now_millis() / 1000;
  auto old = engine_->rule(r.bus, r.name);
  if (old) r.tags = old->tags;
  if (auto st = merge_tags(in, r.tags, takes_aws_tags(ctx)); !st) return respond(st.error());
  if (old) {
    r.targets = old->targets;
    if (state.empty()) r.state = old->state;
    if (old->schedule_text == r.schedule_text) r.anchor_s = old->anchor_s;
  }
  (void)ctx;
  std::string arn = r.arn;
  engine_->put_rule(std::move(r), answer(std::move(respond), json::object{{"RuleArn", arn}}));
}

Output EventsService::describe_rule(const CallContext& ctx, const object& in) const {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  std::string name = str(in, "Name");
  auto r = engine_->rule(bus, name);
  if (!r) return errors::rule_not_found(name, bus);
  return describe(*r, ctx.account_id);
}

void EventsService::delete_rule(const CallContext&, object in, Respond respond) {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  std::string name = str(in, "Name");
  auto r = engine_->rule(bus, name);
  if (!r) return respond(json::object{});
  if (!r->targets.empty()) {
    return respond(errors::validation("Rule can't be deleted since it has targets."));
  }
  engine_->delete_rule(bus, name, answer(std::move(respond)));
}

Output EventsService::list_rules(const CallContext& ctx, const object& in) const {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  if (!engine_->bus(bus)) return errors::bus_not_found(bus);
  std::string prefix = str(in, "NamePrefix");
  int64_t limit = integer(in, "Limit").value_or(100);
  std::string after = str(in, "NextToken");
  json::array list;
  std::string next;
  for (const auto& r : engine_->rules(bus)) {
    if (r->name.rfind(prefix, 0) != 0 || (!after.empty() && r->name <= after)) continue;
    if (static_cast<int64_t>(list.size()) == limit) {
      next = std::string(list.back().as_object().at("Name").as_string());
      break;
    }
    list.push_back(describe(*r, ctx.account_id));
  }
  json::object out{{"Rules", std::move(list)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

void EventsService::set_state(const object& in, const char* state, Respond respond) {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  std::string name = str(in, "Name");
  auto r = engine_->rule(bus, name);
  if (!r) return respond(errors::rule_not_found(name, bus));
  Rule copy = *r;
  copy.state = state;
  engine_->put_rule(std::move(copy), answer(std::move(respond)));
}

void EventsService::enable_rule(const CallContext&, object in, Respond respond) {
  set_state(in, "ENABLED", std::move(respond));
}

void EventsService::disable_rule(const CallContext&, object in, Respond respond) {
  set_state(in, "DISABLED", std::move(respond));
}

}  // namespace nimbus::services::eventbridge
