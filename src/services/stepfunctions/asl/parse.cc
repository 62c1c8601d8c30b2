// Reading a definition: the machine (StartAt, States, TimeoutSeconds), the
// checks across states (transition targets, reachability, a terminal
// state), and the typed field readers every state uses.
#include <cctype>
#include <deque>
#include <set>

#include "services/stepfunctions/asl/parse_context.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

constexpr int kMaxDefinitionDepth = 24;

std::string type_word(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return "String";
    case json::kind::object:
      return "Object";
    case json::kind::array:
      return "Array";
    case json::kind::bool_:
      return "Boolean";
    case json::kind::null:
      return "Null";
    default:
      return "Number";
  }
}

// The states a state may go to next.
std::vector<std::pair<std::string, std::string>> targets(const State& s, const std::string& loc) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!s.next.empty()) out.emplace_back(s.next, loc + "/Next");
  if (!s.default_next.empty()) out.emplace_back(s.default_next, loc + "/Default");
  for (size_t i = 0; i < s.choices.size(); ++i) {
    out.emplace_back(s.choices[i].next, loc + "/Choices[" + std::to_string(i) + "]/Next");
  }
  for (size_t i = 0; i < s.conditions.size(); ++i) {
    out.emplace_back(s.conditions[i].next, loc + "/Choices[" + std::to_string(i) + "]/Next");
  }
  for (size_t i = 0; i < s.catchers.size(); ++i) {
    out.emplace_back(s.catchers[i].next, loc + "/Catch[" + std::to_string(i) + "]/Next");
  }
  return out;
}

}  // namespace

std::string_view type_name(StateType t) {
  static constexpr std::string_view kNames[] = {"Pass",    "Task", "Choice",   "Wait",
                                                "Succeed", "Fail", "Parallel", "Map"};
  return kNames[static_cast<int>(t)];
}

void DefinitionParser::only_fields(const json::object& o,
                                   std::initializer_list<std::string_view> allowed,
                                   const std::string& loc) {
  for (const auto& [k, v] : o) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) {
      schema("The field \"" + std::string(k) + "\" is not supported by Step Functions", loc);
    }
  }
}

const json::array* DefinitionParser::nonempty_array(const json::object& o, std::string_view key,
                                                    const std::string& loc) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) {
    schema("These fields are required: [" + std::string(key) + "]", loc);
    return nullptr;
  }
  if (!v->is_array() || v->as_array().empty()) {
    schema("The field '" + std::string(key) + "' must be a non-empty array",
           loc + "/" + std::string(key));
    return nullptr;
  }
  return &v->as_array();
}

std::optional<std::string> DefinitionParser::string_field(const json::object& o,
                                                          std::string_view key,
                                                          const std::string& loc, bool required) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) {
    if (required) schema("These fields are required: [" + std::string(key) + "]", loc);
    return std::nullopt;
  }
  if (!v->is_string()) {
    schema("Expected value of type String but found " + type_word(*v),
           loc + "/" + std::string(key));
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::optional<int64_t> DefinitionParser::integer_field(const json::object& o, std::string_view key,
                                                       const std::string& loc, int64_t min) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  std::optional<int64_t> n;
  if (v->is_int64()) n = v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= 99999999) n = static_cast<int64_t>(v->as_uint64());
  if (!n) {
    schema("Expected value of type Integer but found " + type_word(*v),
           loc + "/" + std::string(key));
    return std::nullopt;
  }
  if (*n < min) {
    schema(
        "The value of the field '" + std::string(key) + "' must be at least " + std::to_string(min),
        loc + "/" + std::string(key));
    return std::nullopt;
  }
  return n;
}

std::optional<double> DefinitionParser::number_field(const json::object& o, std::string_view key,
                                                     const std::string& loc, double min) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    schema("Expected value of type Number but found " + type_word(*v),
           loc + "/" + std::string(key));
    return std::nullopt;
  }
  double d = v->to_number<double>();
  if (d < min) {
    schema("The value of the field '" + std::string(key) + "' must be at least " +
               json::serialize(json::value(min)),
           loc + "/" + std::string(key));
    return std::nullopt;
  }
  return d;
}

std::optional<Path> DefinitionParser::path_field(const json::object& o, std::string_view key,
                                                 const std::string& loc, bool reference) {
  auto text = string_field(o, key, loc, false);
  if (!text) return std::nullopt;
  auto p = Path::parse(*text);
  if (!p || (reference && (!p->reference() || p->context()))) {
    schema("The value for the field '" + std::string(key) + "' must be a valid " +
               (reference ? "ReferencePath" : "JSONPath"),
           loc + "/" + std::string(key));
    return std::nullopt;
  }
  return std::move(*p);
}

OptionalPath DefinitionParser::nullable_path(const json::object& o, std::string_view key,
                                             const std::string& loc, bool reference) {
  const auto* v = o.if_contains(key);
  if (v != nullptr && v->is_null()) return OptionalPath{std::nullopt, true};
  return OptionalPath{path_field(o, key, loc, reference), false};
}

std::optional<Template> DefinitionParser::template_field(const json::object& o,
                                                         std::string_view key,
                                                         const std::string& loc) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  auto t = Template::compile(*v);
  if (!t) {
    schema("The value for the field '" + t.error().message +
               "' must be a valid JSONPath or a valid intrinsic function call",
           loc + "/" + std::string(key));
    return std::nullopt;
  }
  return std::move(*t);
}

namespace {
// A workflow variable's name: a letter or `_`, then letters, digits and
// `_`, at most 80 characters; `states` is Step Functions' own.
bool valid_variable_name(std::string_view name) {
  if (name.empty() || name.size() > 80 || name == "states") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (!(std::isalpha(c) || c == '_' || (i > 0 && std::isdigit(c)))) return false;
  }
  return true;
}
}  // namespace

std::optional<Template> DefinitionParser::assign_field(const json::object& o,
                                                       const std::string& loc) {
  const auto* v = o.if_contains("Assign");
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) {
    schema("The value for the field 'Assign' must be a JSON object", loc + "/Assign");
    return std::nullopt;
  }
  for (const auto& [key, value] : v->as_object()) {
    std::string_view name = key;
    if (name.ends_with(".$")) name.remove_suffix(2);
    if (!valid_variable_name(name)) {
      schema("The variable name '" + std::string(name) + "' is not valid", loc + "/Assign");
      return std::nullopt;
    }
  }
  return template_field(o, "Assign", loc);
}

std::shared_ptr<Machine> DefinitionParser::machine(const json::value& raw, const std::string& loc,
                                                   int depth,
                                                   std::initializer_list<std::string_view> extra) {
  std::string where = loc.empty() ? "/" : loc;
  if (depth > kMaxDefinitionDepth) {
    error("TOO_DEEPLY_NESTED", "The states are too deeply nested", where);
    return nullptr;
  }
  const auto* o = raw.if_object();
  if (o == nullptr) {
    schema("Expected value of type Object but found " + type_word(raw), where);
    return nullptr;
  }
  auto m = std::make_shared<Machine>();
  for (const auto& [k, v] : *o) {
    bool ok = k == "StartAt" || k == "States" || k == "Comment" ||
              (depth == 0 && (k == "Version" || k == "TimeoutSeconds" || k == "QueryLanguage"));
    for (auto e : extra) ok = ok || e == k;
    if (!ok)
      schema("The field \"" + std::string(k) + "\" is not supported by Step Functions", where);
  }
  if (auto ql = string_field(*o, "QueryLanguage", loc, false); ql && depth == 0) {
    if (*ql != "JSONPath" && *ql != "JSONata") {
      schema("The value for the field 'QueryLanguage' must be one of JSONata, JSONPath",
             loc + "/QueryLanguage");
    }
    jsonata = *ql == "JSONata";
  }
  m->timeout_seconds = integer_field(*o, "TimeoutSeconds", loc, 1);
  auto start = string_field(*o, "StartAt", where, true);
  const auto* states = o->if_contains("States");
  if (states == nullptr) {
    schema("These fields are required: [States]", where);
    return nullptr;
  }
  if (!states->is_object()) {
    schema("Expected value of type Object but found " + type_word(*states), loc + "/States");
    return nullptr;
  }
  for (const auto& [name, body] : states->as_object()) {
    std::string sloc = loc + "/States/" + std::string(name);
    if (name.empty() || name.size() > 80) {
      error("INVALID_STATE_NAME", "State names must be 1 to 80 characters long", sloc);
    }
    const auto* so = body.if_object();
    if (so == nullptr) {
      schema("Expected value of type Object but found " + type_word(body), sloc);
      continue;
    }
    State s;
    s.name = std::string(name);
    state(s, *so, sloc, depth);
    m->states.emplace(s.name, std::move(s));
  }
  if (!start) return m;
  m->start_at = *start;
  // As AWS: the graph is checked once the schema holds.
  for (const auto& d : diagnostics) {
    if (d.code == "SCHEMA_VALIDATION_FAILED") return m;
  }
  if (m->find(*start) == nullptr) {
    error("MISSING_TRANSITION_TARGET", "Missing 'Next' target: " + *start, loc + "/StartAt");
  }
  bool terminal = false;
  for (const auto& [name, s] : m->states) {
    terminal = terminal || s.end || s.type == StateType::kSucceed || s.type == StateType::kFail;
    for (const auto& [target, at] : targets(s, loc + "/States/" + name)) {
      if (!target.empty() && m->find(target) == nullptr) {
        error("MISSING_TRANSITION_TARGET", "Missing 'Next' target: " + target, at);
      }
    }
  }
  if (!terminal && !m->states.empty()) {
    error("MISSING_END_STATE", "Workflow has no terminal state", where);
  }
  std::set<std::string, std::less<>> seen{*start};
  std::deque<std::string> todo{*start};
  while (!todo.empty()) {
    const State* s = m->find(todo.front());
    todo.pop_front();
    if (s == nullptr) continue;
    for (const auto& [target, at] : targets(*s, "")) {
      if (seen.insert(target).second) todo.push_back(target);
    }
  }
  for (const auto& [name, s] : m->states) {
    if (!seen.contains(name)) {
      error("MISSING_TRANSITION_TARGET", "State \"" + name + "\" is not reachable.",
            loc + "/States/" + name);
    }
  }
  return m;
}

Parsed parse_definition(std::string_view text) {
  Parsed out;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.diagnostics.push_back(
        {"MISSING_DESCRIPTION", "Received a null or empty workflow input", "/"});
    return out;
  }
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 256;
  json::value raw = json::parse(text, ec, {}, opts);
  if (ec) {
    out.diagnostics.push_back({"INVALID_JSON_DESCRIPTION", "Malformed JSON: " + ec.message(), "/"});
    return out;
  }
  DefinitionParser p;
  auto m = p.machine(raw, "", 0);
  out.diagnostics = std::move(p.diagnostics);
  if (out.diagnostics.empty()) out.machine = std::move(m);
  return out;
}

ParsedState parse_state(std::string_view text, std::string_view state_name) {
  ParsedState out;
  if (!state_name.empty()) {
    Parsed whole = parse_definition(text);
    out.diagnostics = std::move(whole.diagnostics);
    if (!whole.machine) return out;
    out.state = whole.machine->find(state_name);
    if (out.state == nullptr) {
      out.diagnostics.push_back(
          {"SCHEMA_VALIDATION_FAILED",
           "The state '" + std::string(state_name) + "' does not exist in the definition",
           "/States"});
      return out;
    }
    out.machine = std::move(whole.machine);
    return out;
  }
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 256;
  json::value raw = json::parse(text, ec, {}, opts);
  if (ec) {
    out.diagnostics.push_back({"INVALID_JSON_DESCRIPTION", "Malformed JSON: " + ec.message(), "/"});
    return out;
  }
  const auto* o = raw.if_object();
  if (o == nullptr) {
    out.diagnostics.push_back({"SCHEMA_VALIDATION_FAILED",
                               "Expected value of type Object but found " + type_word(raw), "/"});
    return out;
  }
  DefinitionParser p;
  auto m = std::make_shared<Machine>();
  State s;
  s.name = "TestState";
  p.state(s, *o, "", 0);
  out.diagnostics = std::move(p.diagnostics);
  if (!out.diagnostics.empty()) return out;
  m->start_at = s.name;
  auto [it, added] = m->states.emplace(s.name, std::move(s));
  out.state = &it->second;
  out.machine = std::move(m);
  return out;
}

std::string invalid_definition_message(const std::vector<Diagnostic>& diagnostics) {
  std::string out = "Invalid State Machine Definition: '";
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    if (i > 0) out += ", ";
    out += diagnostics[i].code + ": " + diagnostics[i].message + " at " + diagnostics[i].location;
  }
  return out + "'";
}

}  // namespace nimbus::sfn::asl
