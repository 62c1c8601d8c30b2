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

}  // namespace nimbus::services::eventbridge
