#include "services/cloudformation/template/graph.h"

#include "services/cloudformation/template/intrinsics.h"

namespace nimbus::cfn {

namespace json = boost::json;

namespace {

constexpr int kMaxGraphDepth = 200;

// The names one value refers to: Ref and Fn::Sub variables (refs), and
// Fn::GetAtt resources (atts).
struct Names {
  std::set<std::string, std::less<>> refs;
  std::set<std::string, std::less<>> atts;
  bool too_deep = false;
};

void collect_sub(const json::value& arg, Names& names) {
  const json::value* text = &arg;
  const json::object* local = nullptr;
  if (arg.is_array() && arg.as_array().size() == 2) {
    text = &arg.as_array()[0];
    if (arg.as_array()[1].is_object()) local = &arg.as_array()[1].as_object();
  }
  if (!text->is_string()) return;
  for (auto& var : sub_variables(text->as_string())) {
    if (local != nullptr && local->contains(var)) continue;
    auto dot = var.find('.');
    if (dot != std::string::npos && !var.starts_with("AWS::")) {
      names.atts.insert(var.substr(0, dot));
    } else {
      names.refs.insert(var);
    }
  }
}

void collect(const json::value& v, Names& names, int depth) {
  if (depth > kMaxGraphDepth) {
    names.too_deep = true;
    return;
  }
  if (v.is_array()) {
    for (const auto& item : v.as_array()) collect(item, names, depth + 1);
    return;
  }
  if (!v.is_object()) return;
  const auto& o = v.as_object();
  if (o.size() == 1) {
    std::string_view key = o.begin()->key();
    const json::value& arg = o.begin()->value();
    if (key == "Ref" && arg.is_string()) {
      names.refs.emplace(arg.as_string());
      return;
    }
    if (key == "Fn::GetAtt") {
      if (arg.is_array() && !arg.as_array().empty() && arg.as_array()[0].is_string()) {
        names.atts.emplace(arg.as_array()[0].as_string());
        for (size_t i = 1; i < arg.as_array().size(); ++i)
          collect(arg.as_array()[i], names, depth + 1);
      } else if (arg.is_string()) {
        std::string s(arg.as_string());
        names.atts.insert(s.substr(0, s.find('.')));
      }
      return;
    }
    if (key == "Fn::Sub") {
      collect_sub(arg, names);
      if (arg.is_array() && arg.as_array().size() == 2)
        collect(arg.as_array()[1], names, depth + 1);
      return;
    }
  }
  for (const auto& [k, member] : o) collect(member, names, depth + 1);
}

bool is_known(const Template& t, std::string_view name) {
  return name == "AWS::NoValue" || pseudo_parameter(name, Scope{}).has_value() ||
         t.parameter(name) != nullptr || t.resources().contains(name);
}

std::string join_names(const std::set<std::string, std::less<>>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Error unresolved(const std::set<std::string, std::less<>>& names, const char* block) {
  return format_error("Unresolved resource dependencies [" + join_names(names) + "] in the " +
                      block + " block of the template");
}

Error too_deep() {
  return format_error("the template nests values too deeply");
}

}  // namespace

Graph::Ids Graph::dependents(std::string_view id) const {
  Ids out;
  for (const auto& [other, deps] : depends_on) {
    if (deps.contains(id)) out.insert(other);
  }
  return out;
}

Result<Graph> dependency_graph(const Template& t) {
  Graph g;
  std::set<std::string, std::less<>> missing;
  for (const auto& [id, r] : t.resources()) {
    auto& deps = g.depends_on[std::string(id)];
    const auto& o = r.as_object();
    Names names;
    if (const auto* p = o.if_contains("Properties")) collect(*p, names, 0);
    if (names.too_deep) return too_deep();
    for (const auto& name : names.refs) {
      if (!is_known(t, name)) {
        missing.insert(name);
      } else if (t.resources().contains(name)) {
        deps.insert(name);
      }
    }
    for (const auto& name : names.atts) {
      if (!t.resources().contains(name)) {
        return template_error("instance of Fn::GetAtt references undefined resource " + name);
      }
      deps.insert(name);
    }
    if (const auto* d = o.if_contains("DependsOn")) {
      auto add = [&](const json::value& v) {
        if (!v.is_string()) return;
        if (t.resources().contains(v.as_string())) {
          deps.emplace(v.as_string());
        } else {
          missing.emplace(v.as_string());
        }
      };
      if (d->is_array()) {
        for (const auto& item : d->as_array()) add(item);
      } else {
        add(*d);
      }
    }
  }
  if (!missing.empty()) return unresolved(missing, "Resources");
  for (const auto& [name, out] : t.outputs()) {
    Names names;
    collect(out, names, 0);
    if (names.too_deep) return too_deep();
    for (const auto& ref : names.refs) {
      if (!is_known(t, ref)) missing.insert(ref);
    }
    for (const auto& att : names.atts) {
      if (!t.resources().contains(att)) {
        return template_error("instance of Fn::GetAtt references undefined resource " + att);
      }
    }
  }
  if (!missing.empty()) return unresolved(missing, "Outputs");

  // Kahn's algorithm in template order; what is left is on or behind a cycle.
  std::set<std::string, std::less<>> placed;
  bool progress = true;
  while (progress) {
    progress = false;
    for (const auto& [id, r] : t.resources()) {
      if (placed.contains(id)) continue;
      bool ready = true;
      for (const auto& dep : g.depends_on[std::string(id)]) ready = ready && placed.contains(dep);
      if (!ready) continue;
      placed.emplace(id);
      g.order.emplace_back(id);
      progress = true;
    }
  }
  if (g.order.size() != t.resources().size()) {
    std::set<std::string, std::less<>> cycle;
    for (const auto& [id, r] : t.resources()) {
      if (!placed.contains(id)) cycle.emplace(id);
    }
    return Error::validation("Circular dependency between resources: [" + join_names(cycle) + "]");
  }
  return g;
}

}  // namespace nimbus::cfn
