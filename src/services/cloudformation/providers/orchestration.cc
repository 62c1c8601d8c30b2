// AWS::Events::Rule (with its targets), AWS::StepFunctions::StateMachine.
#include <set>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::Step;
using provide::text;

using provide::call_step;
using provide::status_of;

// ---- AWS::Events::Rule (physical id: the name, "BUS|NAME" on a custom bus)

std::string bus_of(const json::object& props) {
  std::string bus = str(props, "EventBusName");
  // A bus given by ARN is named by its last part.
  if (auto slash = bus.rfind('/'); bus.starts_with("arn:") && slash != std::string::npos) {
    bus = bus.substr(slash + 1);
  }
  return bus;
}

std::set<std::string> target_ids(const json::object& props) {
  std::set<std::string> out;
  const auto* t = props.if_contains("Targets");
  if (t == nullptr || !t->is_array()) return out;
  for (const auto& item : t->as_array()) {
    if (item.is_object()) out.insert(str(item.as_object(), "Id"));
  }
  return out;
}

std::vector<Step> rule_steps(const ResourceRequest& r, const std::string& name,
                             const json::object& was) {
  std::string bus = bus_of(r.properties);
  json::object rule{{"Name", name}};
  provide::copy(r.properties, rule, {"ScheduleExpression", "State", "Description", "RoleArn"});
  if (const auto* p = r.properties.if_contains("EventPattern")) rule["EventPattern"] = text(*p);
  if (!bus.empty()) rule["EventBusName"] = bus;
  std::vector<Step> steps{call_step(r, "events", "PutRule", std::move(rule))};
  json::array targets;
  if (const auto* t = r.properties.if_contains("Targets"); t != nullptr && t->is_array()) {
    targets = t->as_array();
  }
  json::array gone;
  auto now = target_ids(r.properties);
  for (const auto& id : target_ids(was)) {
    if (!now.contains(id)) gone.emplace_back(id);
  }
  if (!gone.empty()) {
    json::object in{{"Rule", name}, {"Ids", std::move(gone)}};
    if (!bus.empty()) in["EventBusName"] = bus;
    steps.push_back(call_step(r, "events", "RemoveTargets", std::move(in)));
  }
  if (!targets.empty()) {
    for (auto& t : targets) {
      if (auto* o = t.if_object(); o != nullptr && o->contains("Input")) {
        (*o)["Input"] = text(o->at("Input"));
      }
    }
    json::object in{{"Rule", name}, {"Targets", std::move(targets)}};
    if (!bus.empty()) in["EventBusName"] = bus;
    steps.push_back(call_step(r, "events", "PutTargets", std::move(in)));
  }
  return steps;
}

Provided rule(const ResourceRequest& r, const std::string& name) {
  std::string bus = bus_of(r.properties);
  std::string resource =
      bus.empty() || bus == "default" ? "rule/" + name : "rule/" + bus + "/" + name;
  return {bus.empty() || bus == "default" ? name : bus + "|" + name,
          json::object{{"Arn", r.arn("events", resource)}}};
}

std::string planned_rule(const ResourceRequest& r) {
  return rule(r, r.name_or_generated("Name", 64)).physical_id;
}

void create_rule(const ResourceRequest& r, ProvideDone done) {
  std::string name = r.name_or_generated("Name", 64);
  provide::in_order(rule_steps(r, name, json::object()), [r, name, done](Status st) {
    if (!st) return done(st.take_error());
    done(rule(r, name));
  });
}

std::string rule_name(const std::string& physical_id) {
  auto bar = physical_id.find('|');
  return bar == std::string::npos ? physical_id : physical_id.substr(bar + 1);
}

void update_rule(const ResourceRequest& r, ProvideDone done) {
  std::string name = rule_name(r.physical_id);
  provide::in_order(rule_steps(r, name, r.old_properties), [r, name, done](Status st) {
    if (!st) return done(st.take_error());
    done(rule(r, name));
  });
}

void delete_rule(const ResourceRequest& r, RemoveDone done) {
  std::string name = rule_name(r.physical_id);
  std::string bus = bus_of(r.properties);
  std::vector<Step> steps;
  json::array ids;
  for (const auto& id : target_ids(r.properties)) ids.emplace_back(id);
  json::object remove{{"Rule", name}, {"Ids", ids}};
  json::object del{{"Name", name}};
  if (!bus.empty()) {
    remove["EventBusName"] = bus;
    del["EventBusName"] = bus;
  }
  if (!ids.empty()) steps.push_back(call_step(r, "events", "RemoveTargets", std::move(remove)));
  steps.push_back(call_step(r, "events", "DeleteRule", std::move(del)));
  provide::in_order(std::move(steps),
                    provide::ignoring({"ResourceNotFoundException"}, std::move(done)));
}

// ---- AWS::StepFunctions::StateMachine (physical id: the ARN)

std::string definition(const json::object& props) {
  std::string text_def;
  if (const auto* d = props.if_contains("Definition"); d != nullptr && !d->is_null()) {
    text_def = json::serialize(*d);
  } else {
    text_def = str(props, "DefinitionString");
  }
  if (const auto* subs = props.if_contains("DefinitionSubstitutions"); subs && subs->is_object()) {
    for (const auto& [key, value] : subs->as_object()) {
      std::string pattern = "${" + std::string(key) + "}";
      std::string replacement = text(value);
      for (size_t at = text_def.find(pattern); at != std::string::npos;
           at = text_def.find(pattern, at + replacement.size())) {
        text_def.replace(at, pattern.size(), replacement);
      }
    }
  }
  return text_def;
}

json::object machine_settings(const json::object& props) {
  json::object in{{"definition", definition(props)}};
  if (has(props, "RoleArn")) in["roleArn"] = str(props, "RoleArn");
  if (const auto* l = props.if_contains("LoggingConfiguration")) in["loggingConfiguration"] = *l;
  if (const auto* t = props.if_contains("TracingConfiguration")) in["tracingConfiguration"] = *t;
  return in;
}

void create_machine(const ResourceRequest& r, ProvideDone done) {
  std::string name = r.name_or_generated("StateMachineName", 80);
  json::object in = machine_settings(r.properties);
  in["name"] = name;
  if (has(r.properties, "StateMachineType")) in["type"] = str(r.properties, "StateMachineType");
  json::array tags;
  for (const auto& [k, v] : provide::tag_map(r.properties.if_contains("Tags"))) {
    tags.push_back(json::object{{"key", k}, {"value", v}});
  }
  if (!tags.empty()) in["tags"] = std::move(tags);
  r.call("stepfunctions", "CreateStateMachine", std::move(in), [name, done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(*out, "stateMachineArn");
    done(Provided{arn, json::object{{"Arn", arn}, {"Name", name}}});
  });
}

void update_machine(const ResourceRequest& r, ProvideDone done) {
  json::object in = machine_settings(r.properties);
  in["stateMachineArn"] = r.physical_id;
  std::vector<Step> steps{call_step(r, "stepfunctions", "UpdateStateMachine", std::move(in))};
  for (auto& s :
       provide::retag_steps(r,
                            {"stepfunctions", "TagResource", "UntagResource", "resourceArn", "tags",
                             "tagKeys", provide::TagApi::kLowerKeyValue},
                            r.physical_id)) {
    steps.push_back(std::move(s));
  }
  provide::in_order(std::move(steps), [r, done](Status st) {
    if (!st) return done(st.take_error());
    done(Provided{r.physical_id, r.attributes});
  });
}

void delete_machine(const ResourceRequest& r, RemoveDone done) {
  r.call("stepfunctions", "DeleteStateMachine", json::object{{"stateMachineArn", r.physical_id}},
         [done = provide::ignoring({"StateMachineDoesNotExist"}, done)](Output out) {
           done(status_of(out));
         });
}

}  // namespace

const Provider kRule{"AWS::Events::Rule",      create_rule, update_rule, delete_rule,
                     {"Name", "EventBusName"}, planned_rule};
const Provider kStateMachine{"AWS::StepFunctions::StateMachine",
                             create_machine,
                             update_machine,
                             delete_machine,
                             {"StateMachineName", "StateMachineType"}};

}  // namespace nimbus::services::cloudformation::providers
