// EventBridge handlers for a rule's targets: put (add or replace by Id),
// remove, list.
#include "common/json_fields.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTargets = 5;

}  // namespace

void EventsService::put_targets(const CallContext&, object in, Respond respond) {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  std::string name = str(in, "Rule");
  auto r = engine_->rule(bus, name);
  if (!r) return respond(errors::rule_not_found(name, bus));
  Rule copy = *r;
  const auto* list = in.if_contains("Targets");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) {
    return respond(errors::validation("Parameter Targets is not valid."));
  }
  for (const auto& v : list->as_array()) {
    if (!v.is_object()) return respond(errors::validation("Parameter Targets is not valid."));
    auto t = RuleTarget::from(v.as_object());
    if (!t) return respond(t.error());
    auto same = std::find_if(copy.targets.begin(), copy.targets.end(),
                             [&](const RuleTarget& x) { return x.id == t->id; });
    if (same != copy.targets.end()) {
      *same = std::move(*t);
    } else {
      copy.targets.push_back(std::move(*t));
    }
  }
  if (copy.targets.size() > kMaxTargets) {
    return respond(errors::limit("The requested resource exceeds the maximum number allowed."));
  }
  engine_->put_rule(std::move(copy), [respond = std::move(respond)](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(json::object{{"FailedEntryCount", 0}, {"FailedEntries", json::array{}}});
  });
}

void EventsService::remove_targets(const CallContext&, object in, Respond respond) {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  std::string name = str(in, "Rule");
  auto r = engine_->rule(bus, name);
  if (!r) return respond(errors::rule_not_found(name, bus));
  Rule copy = *r;
  for (const auto& id : string_list(in, "Ids")) {
    std::erase_if(copy.targets, [&](const RuleTarget& t) { return t.id == id; });
  }
  engine_->put_rule(std::move(copy), [respond = std::move(respond)](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(json::object{{"FailedEntryCount", 0}, {"FailedEntries", json::array{}}});
  });
}

Output EventsService::list_targets_by_rule(const CallContext&, const object& in) const {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  std::string name = str(in, "Rule");
  auto r = engine_->rule(bus, name);
  if (!r) return errors::rule_not_found(name, bus);
  json::array list;
  for (const auto& t : r->targets) list.push_back(t.raw);
  return json::object{{"Targets", std::move(list)}};
}

Output EventsService::list_rule_names_by_target(const CallContext&, const object& in) const {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  std::string target = str(in, "TargetArn");
  if (target.empty()) return errors::validation("Parameter TargetArn is not valid.");
  if (!engine_->bus(bus)) return errors::bus_not_found(bus);
  int64_t limit = integer(in, "Limit").value_or(100);
  if (limit < 1 || limit > 100) return errors::validation("Parameter Limit is not valid.");
  std::string after = str(in, "NextToken");
  json::array names;
  std::string next;
  for (const auto& r : engine_->rules(bus)) {
    if (!after.empty() && r->name <= after) continue;
    bool targets = std::any_of(r->targets.begin(), r->targets.end(),
                               [&](const RuleTarget& t) { return t.arn == target; });
    if (!targets) continue;
    if (static_cast<int64_t>(names.size()) == limit) {
      next = std::string(names.back().as_string());
      break;
    }
    names.push_back(json::string(r->name));
  }
  json::object out{{"RuleNames", std::move(names)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

}  // namespace nimbus::services::eventbridge
