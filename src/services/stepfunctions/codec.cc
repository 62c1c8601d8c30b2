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
          {"tags", tag_obj},
          {"version_of", version_of},
          {"version", version},
          {"next_version", next_version}};
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
  m.version_of = str(*o, "version_of");
  m.version = integer(*o, "version").value_or(0);
  m.next_version = integer(*o, "next_version").value_or(1);
  auto parsed = asl::parse_definition(m.definition);
  if (!parsed.machine) return std::nullopt;
  m.machine = parsed.machine;
  return m;
}

std::string Execution::serialize() const {
  json::object doc{{"arn", arn},
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
                   {"wake_ms", wake_ms},
                   {"version_arn", version_arn},
                   {"alias_arn", alias_arn},
                   {"redrive_count", redrive_count},
                   {"redrive_date", redrive_date}};
  if (!redrive_tokens.empty()) {
    json::array tokens;
    for (const auto& [token, date] : redrive_tokens) tokens.push_back(json::array{token, date});
    doc["redrive_tokens"] = std::move(tokens);
  }
  if (!map_run_arn.empty()) {
    doc["map_run"] = map_run_arn;
    doc["parent"] = parent_arn;
    doc["items"] = items;
  }
  // The position, the largest member, is written in place rather than
  // copied into the document.
  std::string text = json::serialize(doc);
  text.pop_back();
  text += ",\"position\":";
  text += json::serialize(position);
  text += '}';
  return text;
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
  e.version_arn = str(*o, "version_arn");
  e.alias_arn = str(*o, "alias_arn");
  e.redrive_count = integer(*o, "redrive_count").value_or(0);
  if (const auto* d = o->if_contains("redrive_date"); d && d->is_number()) {
    e.redrive_date = d->to_number<double>();
  }
  if (const auto* t = o->if_contains("redrive_tokens"); t && t->is_array()) {
    for (const auto& pair : t->as_array()) {
      const auto* a = pair.if_array();
      if (a && a->size() == 2 && (*a)[0].is_string() && (*a)[1].is_number()) {
        e.redrive_tokens.emplace_back(std::string((*a)[0].as_string()),
                                      (*a)[1].to_number<double>());
      }
    }
  }
  e.map_run_arn = str(*o, "map_run");
  e.parent_arn = str(*o, "parent");
  e.items = integer(*o, "items").value_or(0);
  if (!e.map_run_arn.empty()) return e;  // its parent runs it
  auto parsed = asl::parse_definition(e.definition);
  if (!parsed.machine) return std::nullopt;
  e.machine = parsed.machine;
  return e;
}

json::object Alias::encode() const {
  json::array r;
  for (const auto& [v, w] : routes) r.push_back(json::object{{"version", v}, {"weight", w}});
  return {{"arn", arn},
          {"machine", machine_arn},
          {"name", name},
          {"description", description},
          {"routes", std::move(r)},
          {"created", created},
          {"updated", updated}};
}

std::optional<Alias> Alias::decode(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  Alias a;
  a.arn = str(*o, "arn");
  a.machine_arn = str(*o, "machine");
  a.name = str(*o, "name");
  a.description = str(*o, "description");
  if (const auto* r = o->if_contains("routes"); r && r->is_array()) {
    for (const auto& e : r->as_array()) {
      if (!e.is_object()) continue;
      a.routes.emplace_back(str(e.as_object(), "version"),
                            integer(e.as_object(), "weight").value_or(0));
    }
  }
  a.created = o->at("created").to_number<double>();
  a.updated = o->at("updated").to_number<double>();
  return a;
}

bool MachineRef::version() const {
  return !qualifier.empty() && qualifier.size() <= 9 &&
         qualifier.find_first_not_of("0123456789") == std::string::npos;
}

std::optional<MachineRef> machine_ref(const std::string& arn) {
  // arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:QUALIFIER]
  if (!arn.starts_with("arn:aws:states:")) return std::nullopt;
  size_t at = 0;
  for (int i = 0; i < 6; ++i) {
    at = arn.find(':', at);
    if (at == std::string::npos) return std::nullopt;
    ++at;
  }
  if (arn.compare(at - 14, 14, ":stateMachine:") != 0) {
    return std::nullopt;
  }
  auto colon = arn.find(':', at);
  if (colon == at) return std::nullopt;
  if (colon == std::string::npos) return MachineRef{arn, ""};
  if (colon + 1 == arn.size() || arn.find(':', colon + 1) != std::string::npos) return std::nullopt;
  return MachineRef{arn.substr(0, colon), arn.substr(colon + 1)};
}

}  // namespace nimbus::sfn
