// The stored documents: namespace `sfn.machines` (key: the state machine
// ARN), `sfn.executions` (key: the execution ARN), `sfn.history` (key:
// (str execution ARN, u64 event id), value: the event as the API shows it).
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "services/stepfunctions/types.h"

namespace nimbus::sfn {

namespace json = boost::json;

json::object StateMachine::encode() const {
  json::object tag_obj;
  for (const auto& [k, v] : tags) tag_obj[k] = v;
  return {{"arn", arn},
          {"name", name},
          {"type", type},
          {"role", role_arn},
          {"definition", definition},
          {"revision", revision_id},
          {"description", description},
          {"created", created},
          {"updated", updated},
          {"logging", logging},
          {"tracing", tracing},
          {"tags", tag_obj}};
}

std::optional<StateMachine> StateMachine::decode(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  StateMachine m;
  m.arn = str(*o, "arn");
  m.name = str(*o, "name");
  m.type = str(*o, "type");
  m.role_arn = str(*o, "role");
  m.definition = str(*o, "definition");
  m.revision_id = str(*o, "revision");
  m.description = str(*o, "description");
  m.created = o->at("created").to_number<double>();
  m.updated = o->at("updated").to_number<double>();
  if (const auto* l = o->if_contains("logging"); l && l->is_object()) m.logging = l->as_object();
  if (const auto* t = o->if_contains("tracing"); t && t->is_object()) m.tracing = t->as_object();
  m.tags = string_map(*o, "tags");
  auto parsed = asl::parse_definition(m.definition);
  if (!parsed.machine) return std::nullopt;
  m.machine = parsed.machine;
  return m;
}

json::object Execution::encode() const {
  return {{"arn", arn},
          {"machine", machine_arn},
          {"name", name},
          {"status", status},
          {"input", input},
          {"output", output},
          {"error", error},
          {"cause", cause},
          {"role", role_arn},
          {"definition", definition},
          {"start", start},
          {"stop", stop},
          {"next_event", next_event},
          {"position", position},
          {"wake_ms", wake_ms}};
}

std::optional<Execution> Execution::decode(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  Execution e;
  e.arn = str(*o, "arn");
  e.machine_arn = str(*o, "machine");
  e.name = str(*o, "name");
  e.status = str(*o, "status");
  e.input = str(*o, "input");
  e.output = str(*o, "output");
  e.error = str(*o, "error");
  e.cause = str(*o, "cause");
  e.role_arn = str(*o, "role");
  e.definition = str(*o, "definition");
  e.start = o->at("start").to_number<double>();
  e.stop = o->at("stop").to_number<double>();
  e.next_event = integer(*o, "next_event").value_or(1);
  e.wake_ms = integer(*o, "wake_ms").value_or(0);
  e.position = o->at("position");
  auto parsed = asl::parse_definition(e.definition);
  if (!parsed.machine) return std::nullopt;
  e.machine = parsed.machine;
  return e;
}

}  // namespace nimbus::sfn
