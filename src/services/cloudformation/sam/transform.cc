#include "services/cloudformation/sam/transform.h"

#include <map>
#include <string>

#include "auth/crypto.h"
#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

json::array tag_list(std::string_view key, const json::value* tags) {
  json::array out{json::object{{"Key", key}, {"Value", "SAM"}}};
  if (tags == nullptr || !tags->is_object()) return out;
  for (const auto& [k, v] : tags->as_object()) {
    out.push_back(json::object{{"Key", k}, {"Value", v}});
  }
  return out;
}

json::object trust_policy(std::string_view service) {
  return json::object{
      {"Version", "2012-10-17"},
      {"Statement",
       json::array{json::object{
           {"Action", json::array{"sts:AssumeRole"}},
           {"Effect", "Allow"},
           {"Principal", json::object{{"Service", json::array{json::string(service)}}}}}}}};
}

json::object queue_policy(json::value queue_url, json::object statement) {
  return resource("AWS::SQS::QueuePolicy",
                  json::object{{"PolicyDocument",
                                json::object{{"Version", "2012-10-17"},
                                             {"Statement", json::array{std::move(statement)}}}},
                               {"Queues", json::array{std::move(queue_url)}}});
}

std::string digest(const json::value& v, size_t hex_digits) {
  return auth::crypto::sha256_hex(json::serialize(v)).substr(0, hex_digits);
}

void Expansion::add(std::string_view id, json::object res, std::string_view condition) {
  if (!condition.empty()) res["Condition"] = condition;
  output[id] = std::move(res);
}

const json::value& Expansion::resolve(const json::value& v) const {
  std::string name = ref_target(v);
  const auto* decl = name.empty() ? nullptr : parameters.if_contains(name);
  if (decl == nullptr || !decl->is_object()) return v;
  const auto* d = decl->as_object().if_contains("Default");
  return d != nullptr ? *d : v;
}

std::string Expansion::type_of(std::string_view id) const {
  const auto* r = input.if_contains(id);
  if (r == nullptr || !r->is_object()) return "";
  const auto* t = r->as_object().if_contains("Type");
  return t != nullptr && t->is_string() ? std::string(t->as_string()) : std::string();
}

namespace {

// SAM's resource types that are refused here, with SAM's own words where
// the type exists but is not expanded by nimbus.
Status refuse(std::string_view id, std::string_view type) {
  if (type == "AWS::Serverless::Application") {
    return invalid_resource(id, "Resource type '" + std::string(type) +
                                    "' is not supported by nimbus's SAM transform yet.");
  }
  return invalid_resource(id, "Resource type '" + std::string(type) + "' is not supported.");
}

// Replaces SAM's resource references ("Fn.Alias", "Api.Stage") in Ref,
// Fn::GetAtt (["Fn.Alias", "Name"] and ["Fn", "Alias.Name"]) and Fn::Sub
// ("${Fn.Alias}", "${Fn.Alias.Name}") with the logical ids they stand for;
// a reference SAM did not make is left as written.
void resolve_refs(json::value& v, const std::map<std::string, std::string>& refs) {
  if (v.is_array()) {
    for (auto& item : v.as_array()) resolve_refs(item, refs);
    return;
  }
  if (!v.is_object()) return;
  auto& o = v.as_object();
  if (o.size() == 1) {
    if (auto* r = o.if_contains("Ref"); r != nullptr && r->is_string()) {
      if (auto it = refs.find(std::string(r->as_string())); it != refs.end()) *r = it->second;
      return;
    }
    if (auto* g = o.if_contains("Fn::GetAtt")) {
      if (g->is_string()) {  // "Fn.Alias.Name"
        std::string_view s = g->as_string();
        size_t dot = s.find('.');
        if (dot != std::string_view::npos) {
          *g = json::array{json::string(s.substr(0, dot)), json::string(s.substr(dot + 1))};
        }
      }
      if (g->is_array() && g->as_array().size() == 2 && g->as_array()[0].is_string() &&
          g->as_array()[1].is_string()) {
        auto& a = g->as_array();
        std::string first(a[0].as_string()), second(a[1].as_string());
        if (auto it = refs.find(first); it != refs.end()) {
          a[0] = it->second;
        } else if (size_t dot = second.find('.'); dot != std::string::npos) {
          if (auto it2 = refs.find(first + "." + second.substr(0, dot)); it2 != refs.end()) {
            a[0] = it2->second;
            a[1] = second.substr(dot + 1);
          }
        }
      }
    }
    if (auto* sb = o.if_contains("Fn::Sub")) {
      json::value* text = sb->is_string() ? sb : nullptr;
      if (sb->is_array() && !sb->as_array().empty() && sb->as_array()[0].is_string()) {
        text = &sb->as_array()[0];
      }
      if (text != nullptr) {
        std::string t(text->as_string());
        for (const auto& [from, to] : refs) {
          for (std::string_view end : {"}", "."}) {
            std::string needle = "${" + from + std::string(end);
            for (size_t at = t.find(needle); at != std::string::npos; at = t.find(needle, at)) {
              t.replace(at, needle.size(), "${" + to + std::string(end));
              at += to.size() + 2;
            }
          }
        }
        *text = t;
      }
    }
  }
  for (auto& [k, item] : o) resolve_refs(item, refs);
}

// DependsOn naming a resource whose logical id the expansion changed (a
// layer's) names the new id.
void rename_depends_on(json::value& resources, const std::map<std::string, std::string>& refs) {
  if (!resources.is_object()) return;
  for (auto& [id, res] : resources.as_object()) {
    auto* d = res.is_object() ? res.as_object().if_contains("DependsOn") : nullptr;
    if (d == nullptr) continue;
    auto rename = [&refs](json::value& v) {
      if (!v.is_string()) return;
      if (auto it = refs.find(std::string(v.as_string())); it != refs.end()) v = it->second;
    };
    if (d->is_array()) {
      for (auto& v : d->as_array()) rename(v);
    } else {
      rename(*d);
    }
  }
}

}  // namespace

Result<json::object> transform(const json::object& doc) {
  json::object out = doc;
  out.erase("Transform");
  Expansion x;
  if (const auto* r = doc.if_contains("Resources"); r != nullptr && r->is_object()) {
    x.input = r->as_object();
  } else {
    return invalid_document(
        "Structure of the SAM template is invalid. 'Resources' section is required");
  }
  NIMBUS_TRY(apply_globals(doc.if_contains("Globals"), x.input));
  if (const auto* ps = doc.if_contains("Parameters"); ps != nullptr && ps->is_object()) {
    x.parameters = ps->as_object();
  }
  if (const auto* g = doc.if_contains("Globals"); g != nullptr && g->is_object()) {
    x.globals = g->as_object();
  }
  out.erase("Globals");
  NIMBUS_TRY(collect_connectors(x));

  // Plain resources first: events change some of them (a bucket's
  // notifications); APIs last: functions' Api events add paths to them.
  for (const auto& [id, res] : x.input) {
    if (!res.is_object()) return invalid_resource(id, "Resource should be a map.");
    if (!x.type_of(id).starts_with("AWS::Serverless::")) x.output[id] = res;
  }
  for (const auto& [id, res] : x.input) {
    std::string type = x.type_of(id);
    if (type == "AWS::Serverless::Function") {
      NIMBUS_TRY(expand_function(id, res.as_object(), x));
    } else if (type == "AWS::Serverless::SimpleTable") {
      NIMBUS_TRY(expand_simple_table(id, res.as_object(), x));
    } else if (type == "AWS::Serverless::StateMachine") {
      NIMBUS_TRY(expand_state_machine(id, res.as_object(), x));
    } else if (type == "AWS::Serverless::LayerVersion") {
      NIMBUS_TRY(expand_layer_version(id, res.as_object(), x));
    } else if (type.starts_with("AWS::Serverless::") && type != "AWS::Serverless::Api" &&
               type != "AWS::Serverless::HttpApi" && type != "AWS::Serverless::Connector") {
      return refuse(id, type);
    }
  }
  for (const auto& [id, res] : x.input) {
    std::string type = x.type_of(id);
    if (type == "AWS::Serverless::Api") NIMBUS_TRY(expand_api(id, res.as_object(), x));
    if (type == "AWS::Serverless::HttpApi") NIMBUS_TRY(expand_http_api(id, res.as_object(), x));
  }
  NIMBUS_TRY(expand_api_events(x));
  NIMBUS_TRY(expand_connectors(x));
  out["Resources"] = std::move(x.output);
  if (!x.refs.empty()) {
    resolve_refs(out["Resources"], x.refs);
    rename_depends_on(out["Resources"], x.refs);
    if (auto* outputs = out.if_contains("Outputs")) resolve_refs(*outputs, x.refs);
  }
  if (!x.conditions.empty()) {
    auto& conditions = out["Conditions"];
    if (!conditions.is_object()) conditions = json::object{};
    for (auto& [name, c] : x.conditions) conditions.as_object()[name] = std::move(c);
  }
  return out;
}

}  // namespace nimbus::cfn::sam
