// AWS::Serverless::Connector and the Connectors attribute of any resource
// (an embedded connector: its id is the resource's id + its name, its
// Source the resource). Each connector, once every other resource is
// expanded, becomes per destination what its profile names
// (connector_profiles.h): a managed policy on the role of one end, a Lambda
// permission, or a queue or topic policy. An end is given by Id (a logical
// id of the template: its ARN, name, role, ... read from the expanded
// resource) or by Type and the properties themselves (Arn, Name, RoleName,
// QueueUrl, ResourceId, Qualifier).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/cloudformation/sam/connector_profiles.h"
#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

namespace {

// The CloudFormation type a SAM type expands to, for the profile lookup.
std::string_view profile_type(std::string_view type) {
  if (type == "AWS::Serverless::Function") return "AWS::Lambda::Function";
  if (type == "AWS::Serverless::StateMachine") return "AWS::StepFunctions::StateMachine";
  if (type == "AWS::Serverless::SimpleTable") return "AWS::DynamoDB::Table";
  if (type == "AWS::Serverless::Api") return "AWS::ApiGateway::RestApi";
  if (type == "AWS::Serverless::HttpApi") return "AWS::ApiGatewayV2::Api";
  return type;
}

// One end of a connector.
struct End {
  std::string id;  // logical id when given by Id
  // By Id: the resource's type as written (a SAM type kept); by Type: its
  // CloudFormation type. Named so in the Metadata and the errors.
  std::string type;
  std::map<std::string, json::value> props;  // Arn, Name, RoleName, QueueUrl, ResourceId, Qualifier
};

// {"Ref": X} for a role given as GetAtt X.Arn (either form) or Ref X;
// nullopt otherwise.
std::optional<json::value> role_name(const json::value* role_arn) {
  if (role_arn == nullptr || !is_intrinsic(*role_arn)) return std::nullopt;
  const auto& o = role_arn->as_object();
  if (o.contains("Ref")) return *role_arn;
  if (const auto* g = o.if_contains("Fn::GetAtt")) {
    if (g->is_string() && g->as_string().ends_with(".Arn")) {
      std::string_view s = g->as_string();
      return ref_to(s.substr(0, s.size() - 4));
    }
    if (g->is_array() && g->as_array().size() == 2 && g->as_array()[0].is_string() &&
        g->as_array()[1] == "Arn") {
      return ref_to(g->as_array()[0].as_string());
    }
  }
  return std::nullopt;
}

// The properties of a resource given by Id, read from what it expanded to.
void describe(End& end, const json::object& res) {
  const auto& p = properties_of(res);
  std::string_view t = profile_type(end.type);
  auto& v = end.props;
  if (t == "AWS::Lambda::Function") {
    v["Arn"] = get_att(end.id, "Arn");
    if (auto r = role_name(p.if_contains("Role"))) v["RoleName"] = *r;
  } else if (t == "AWS::StepFunctions::StateMachine") {
    v["Arn"] = ref_to(end.id);
    v["Name"] = get_att(end.id, "Name");
    if (auto r = role_name(p.if_contains("RoleArn"))) v["RoleName"] = *r;
  } else if (t == "AWS::SQS::Queue") {
    v["Arn"] = get_att(end.id, "Arn");
    v["QueueUrl"] = ref_to(end.id);
  } else if (t == "AWS::SNS::Topic") {
    v["Arn"] = ref_to(end.id);
  } else if (t == "AWS::Events::Rule") {
    v["Arn"] = get_att(end.id, "Arn");
    if (const auto* targets = p.if_contains("Targets"); targets && targets->is_array()) {
      for (const auto& target : targets->as_array()) {
        if (!target.is_object()) continue;
        if (auto r = role_name(target.as_object().if_contains("RoleArn"))) {
          v["RoleName"] = *r;
          break;
        }
      }
    }
  } else if (t == "AWS::ApiGateway::RestApi" || t == "AWS::ApiGatewayV2::Api") {
    v["ResourceId"] = ref_to(end.id);
  } else if (t == "AWS::AppSync::GraphQLApi") {
    v["ResourceId"] = get_att(end.id, "ApiId");
    v["Arn"] = get_att(end.id, "Arn");
  } else if (t == "AWS::AppSync::DataSource") {
    v["Arn"] = get_att(end.id, "DataSourceArn");
    if (auto r = role_name(p.if_contains("ServiceRoleArn"))) v["RoleName"] = *r;
  } else {
    v["Arn"] = get_att(end.id, "Arn");  // tables, buckets, buses, place indexes
  }
  if (!v.contains("Qualifier") && v.contains("ResourceId")) v["Qualifier"] = "*";
}

constexpr std::string_view kGiven[] = {"Arn",      "Name",       "RoleName",
                                       "QueueUrl", "ResourceId", "Qualifier"};

// Source or Destination as written, resolved against the expanded resources.
Result<End> read_end(std::string_view connector, std::string_view side, const json::value& v,
                     const Expansion& x) {
  if (!v.is_object())
    return invalid_resource(connector, "'" + std::string(side) + "' should be a map.");
  const auto& o = v.as_object();
  End end;
  if (const auto* id = o.if_contains("Id")) {
    for (const auto& [k, _] : o) {
      if (k != "Id" && k != "Qualifier") {
        return invalid_resource(
            connector,
            "Must provide 'Id' (with optional 'Qualifier') or a supported combination of other "
            "properties.");
      }
    }
    if (!id->is_string()) return invalid_resource(connector, "'Id' is missing or not a string.");
    end.id = std::string(id->as_string());
    const auto* res = x.output.if_contains(end.id);
    if (x.input.if_contains(end.id) == nullptr || res == nullptr || !res->is_object()) {
      return invalid_resource(connector,
                              "Unable to find resource with logical ID '" + end.id + "'.");
    }
    end.type = x.type_of(end.id);
    if (const auto* q = o.if_contains("Qualifier")) end.props["Qualifier"] = *q;
    describe(end, res->as_object());
    return end;
  }
  const auto* type = o.if_contains("Type");
  if (type == nullptr || !type->is_string()) {
    return invalid_resource(connector, "'Type' is missing or not a string.");
  }
  end.type = std::string(profile_type(type->as_string()));
  for (auto key : kGiven) {
    if (const auto* p = o.if_contains(key)) end.props[std::string(key)] = *p;
  }
  return end;
}

// A profile template string with the ends' properties: "%{Destination.Arn}"
// alone is the value; inside text each becomes a Fn::Sub variable
// ("DestinationArn"); other text with "${" is a Fn::Sub of its own.
Result<json::value> fill(std::string_view connector, std::string_view text, const End& source,
                         const End& destination) {
  json::object vars;
  std::string out;
  size_t at = 0;
  while (true) {
    size_t open = text.find("%{", at);
    if (open == std::string_view::npos) break;
    size_t close = text.find('}', open);
    std::string_view name = text.substr(open + 2, close - open - 2);  // "Destination.Arn"
    size_t dot = name.find('.');
    std::string_view side = name.substr(0, dot), prop = name.substr(dot + 1);
    const End& end = side == "Source" ? source : destination;
    auto it = end.props.find(std::string(prop));
    if (it == end.props.end()) {
      return invalid_resource(connector, std::string(name) + " is missing.");
    }
    if (open == 0 && close + 1 == text.size()) return it->second;
    std::string var = std::string(side) + std::string(prop);
    vars[var] = it->second;
    out += text.substr(at, open - at);
    out += "${" + var + "}";
    at = close + 1;
  }
  out += text.substr(at);
  if (!vars.empty()) return sub(out, std::move(vars));
  if (out.find("${") != std::string::npos) return sub(out);
  return json::value(json::string(out));
}

// The Permissions as written, checked against the profile; returned in the
// profile's order.
Result<std::vector<const ConnectorCategory*>> categories(std::string_view connector,
                                                         const json::value* permissions,
                                                         const ConnectorProfile& profile,
                                                         const End& source, const End& dest) {
  if (permissions == nullptr) {
    return invalid_resource(connector, "Missing required property 'Permissions'.");
  }
  std::string valid_values;
  for (const auto& c : profile.categories) {
    valid_values += (valid_values.empty() ? "" : ", ") + std::string(c.name);
  }
  if (!permissions->is_array() || permissions->as_array().empty()) {
    return invalid_resource(connector,
                            "'Permissions' cannot be empty; valid values are: Read, Write.");
  }
  std::string route = "connector from " + source.type + " to " + dest.type;
  std::set<std::string> asked;
  for (const auto& p : permissions->as_array()) {
    bool known = false;
    for (const auto& c : profile.categories) known |= p.is_string() && p.as_string() == c.name;
    if (!known) {
      return invalid_resource(connector, "Unsupported 'Permissions' provided for " + route +
                                             "; valid values are: " + valid_values + ".");
    }
    asked.insert(std::string(p.as_string()));
  }
  std::vector<const ConnectorCategory*> out;
  std::vector<std::string_view> names;
  for (const auto& c : profile.categories) {
    if (asked.contains(std::string(c.name))) {
      out.push_back(&c);
      names.push_back(c.name);
    }
  }
  if (!profile.valid.empty()) {
    bool ok = false;
    std::string combos;
    for (const auto& combo : profile.valid) {
      std::set<std::string_view> want(combo.begin(), combo.end());
      ok |= want == std::set<std::string_view>(names.begin(), names.end());
      std::string text;
      for (auto n : combo) text += (text.empty() ? "" : " + ") + std::string(n);
      combos += (combos.empty() ? "" : ", ") + text;
    }
    if (!ok) {
      return invalid_resource(connector, "Unsupported 'Permissions' provided for " + route +
                                             "; valid combinations are: " + combos + ".");
    }
  }
  return out;
}

json::object document(json::array statements) {
  return json::object{{"Version", "2012-10-17"}, {"Statement", std::move(statements)}};
}

// The resource one connector makes for one destination, without attributes.
Result<std::pair<std::string, json::object>> generate(
    std::string_view connector, const ConnectorProfile& profile,
    const std::vector<const ConnectorCategory*>& cats, const End& source, const End& dest) {
  auto value = [&](std::string_view text) { return fill(connector, text, source, dest); };
  switch (profile.kind) {
    case ConnectorKind::kManagedPolicy: {
      json::array statements;
      for (const auto* c : cats) {
        for (const auto& s : c->statements) {
          json::array actions, resources;
          for (auto a : s.actions) actions.emplace_back(a);
          for (auto r : s.resources) {
            auto v = value(r);
            if (!v) return v.take_error();
            resources.push_back(std::move(*v));
          }
          statements.push_back(allow(std::move(actions), std::move(resources)));
        }
      }
      const End& owner = profile.source_policy ? source : dest;
      auto role = owner.props.find("RoleName");
      if (role == owner.props.end()) {
        return invalid_resource(connector, std::string("Unable to get IAM role name from '") +
                                               (profile.source_policy ? "Source" : "Destination") +
                                               "' resource.");
      }
      return std::pair{std::string("Policy"),
                       resource("AWS::IAM::ManagedPolicy",
                                json::object{{"PolicyDocument", document(std::move(statements))},
                                             {"Roles", json::array{role->second}}})};
    }
    case ConnectorKind::kLambdaPermission: {
      auto fn = dest.props.find("Arn");
      if (fn == dest.props.end()) {
        return invalid_resource(connector,
                                "Unable to get Lambda function ARN from 'Destination' resource.");
      }
      auto source_arn = value(profile.source_arn);
      if (!source_arn) return source_arn.take_error();
      json::object props{{"Action", profile.action},
                         {"FunctionName", fn->second},
                         {"Principal", profile.principal},
                         {"SourceArn", std::move(*source_arn)}};
      if (!profile.source_account.empty()) {
        auto account = value(profile.source_account);
        if (!account) return account.take_error();
        props["SourceAccount"] = std::move(*account);
      }
      return std::pair{std::string("WriteLambdaPermission"),
                       resource("AWS::Lambda::Permission", std::move(props))};
    }
    case ConnectorKind::kQueuePolicy:
    case ConnectorKind::kTopicPolicy: {
      auto target = value("%{Destination.Arn}");
      if (!target) return target.take_error();
      auto from = value("%{Source.Arn}");
      if (!from) return from.take_error();
      json::object statement{
          {"Action", profile.action},
          {"Condition", json::object{{"ArnEquals", json::object{{"aws:SourceArn", *from}}}}},
          {"Effect", "Allow"},
          {"Principal", json::object{{"Service", profile.principal}}},
          {"Resource", *target}};
      json::object props{{"PolicyDocument", document(json::array{std::move(statement)})}};
      if (profile.kind == ConnectorKind::kTopicPolicy) {
        props["Topics"] = json::array{std::move(*target)};
        return std::pair{std::string("TopicPolicy"),
                         resource("AWS::SNS::TopicPolicy", std::move(props))};
      }
      auto url = dest.props.find("QueueUrl");
      if (url == dest.props.end())
        return invalid_resource(connector, "Destination.QueueUrl is missing.");
      props["Queues"] = json::array{url->second};
      return std::pair{std::string("QueuePolicy"),
                       resource("AWS::SQS::QueuePolicy", std::move(props))};
    }
  }
  return invalid_resource(connector, "Unsupported connector.");
}

// True when `v` names logical id `id` (Ref id, GetAtt id.*).
bool names(const json::value* v, std::string_view id) {
  if (v == nullptr || !is_intrinsic(*v)) return false;
  if (ref_target(*v) == id) return true;
  const auto* g = v->as_object().if_contains("Fn::GetAtt");
  return g != nullptr && g->is_array() && !g->as_array().empty() && g->as_array()[0].is_string() &&
         g->as_array()[0].as_string() == id;
}

void add_depends_on(json::object& res, std::string_view id) {
  json::array list;
  if (const auto* d = res.if_contains("DependsOn")) {
    if (d->is_array()) {
      list = d->as_array();
    } else {
      list.push_back(*d);
    }
  }
  push_unique(list, json::string(id));
  res["DependsOn"] = std::move(list);
}

// One connector (standalone or embedded) into x.output; `made` gets the ids
// of what it generated.
Status expand_connector(const std::string& id, const json::object& res, Expansion& x,
                        std::vector<std::string>& made) {
  const auto& p = properties_of(res);
  const auto* src = p.if_contains("Source");
  if (src == nullptr) return invalid_resource(id, "Missing required property 'Source'.");
  auto read_source = read_end(id, "Source", *src, x);
  if (!read_source) return read_source.take_error();
  const End& source = *read_source;
  const auto* dst = p.if_contains("Destination");
  if (dst == nullptr) return invalid_resource(id, "Missing required property 'Destination'.");
  json::array destinations;
  if (dst->is_array()) {
    if (dst->as_array().empty()) return invalid_resource(id, "'Destination' is an empty list");
    destinations = dst->as_array();
  } else {
    destinations.push_back(*dst);
  }
  for (size_t i = 0; i < destinations.size(); ++i) {
    auto read_dest = read_end(id, "Destination", destinations[i], x);
    if (!read_dest) return read_dest.take_error();
    const End& dest = *read_dest;
    const auto* profile =
        find_connector_profile(profile_type(source.type), profile_type(dest.type));
    if (profile == nullptr) {
      return invalid_resource(id, "Unable to create connector from " + source.type + " to " +
                                      dest.type +
                                      "; it's not supported or the template is invalid.");
    }
    auto cats = categories(id, p.if_contains("Permissions"), *profile, source, dest);
    if (!cats) return cats.take_error();
    auto made_one = generate(id, *profile, *cats, source, dest);
    if (!made_one) return made_one.take_error();
    auto& [suffix, out] = *made_one;
    std::string out_id = id + suffix;
    if (destinations.size() > 1) out_id += "Destination" + std::to_string(i);
    if (x.output.contains(out_id)) {
      return invalid_document("Transforming resource with id [" + id +
                              "] attempts to create a new resource with id [" + out_id +
                              "]. A resource with that id already exists within this template. "
                              "Please use a different id for that resource.");
    }
    json::object metadata;
    if (const auto* m = res.if_contains("Metadata"); m != nullptr && m->is_object()) {
      metadata = m->as_object();
    }
    metadata["aws:sam:connectors"] =
        json::object{{id, json::object{{"Source", json::object{{"Type", source.type}}},
                                       {"Destination", json::object{{"Type", dest.type}}}}}};
    out["Metadata"] = std::move(metadata);
    for (auto attr : {"Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy"}) {
      if (const auto* a = res.if_contains(attr)) out[attr] = *a;
    }
    if (profile->depended_by == DependedBy::kSource && !source.id.empty()) {
      if (auto* s = x.output.if_contains(source.id); s != nullptr && s->is_object()) {
        add_depends_on(s->as_object(), out_id);
      }
    }
    if (profile->depended_by == DependedBy::kDestinationMapping && !source.id.empty() &&
        !dest.id.empty()) {
      for (auto& [mid, m] : x.output) {
        if (!m.is_object() || m.as_object().if_contains("Type") == nullptr ||
            m.as_object().at("Type") != "AWS::Lambda::EventSourceMapping") {
          continue;
        }
        const auto& mp = properties_of(m.as_object());
        if (names(mp.if_contains("FunctionName"), dest.id) &&
            names(mp.if_contains("EventSourceArn"), source.id)) {
          add_depends_on(m.as_object(), out_id);
        }
      }
    }
    x.output[out_id] = std::move(out);
    made.push_back(out_id);
  }
  return Status::ok();
}

}  // namespace

Status collect_connectors(Expansion& x) {
  for (auto& [id, res] : x.input) {
    if (!res.is_object()) continue;
    auto& r = res.as_object();
    std::string sid(id);
    if (x.type_of(id) == "AWS::Serverless::Connector") {
      x.connectors.emplace_back(sid, r);
      continue;
    }
    const auto* embedded = r.if_contains("Connectors");
    if (embedded == nullptr) continue;
    if (!embedded->is_object()) return invalid_resource(id, "'Connectors' should be a map.");
    for (const auto& [name, c] : embedded->as_object()) {
      std::string cid = sid + std::string(name);
      if (!c.is_object()) {
        return invalid_resource(cid, sid + "." + cid + " should be a map.");
      }
      const auto* props = c.as_object().if_contains("Properties");
      if (props == nullptr || !props->is_object() || props->as_object().empty()) {
        return invalid_resource(
            id, "Attribute 'Connectors." + std::string(name) + ".Properties' should be a map.");
      }
      json::object connector = c.as_object();
      json::object p = props->as_object();
      json::object source{{"Id", id}};
      if (const auto* ref = p.if_contains("SourceReference")) {
        if (!ref->is_object()) {
          return invalid_resource(id, "Property 'Connectors." + std::string(name) +
                                          ".Properties.SourceReference' should be a map.");
        }
        for (const auto& [k, v] : ref->as_object()) source[k] = v;
        p.erase("SourceReference");
      }
      p["Source"] = std::move(source);
      connector["Properties"] = std::move(p);
      connector["Type"] = "AWS::Serverless::Connector";
      if (x.input.contains(cid)) {
        return invalid_document("Transforming resource with id [" + sid +
                                "] attempts to create a new resource with id [" + cid +
                                "] and type \"AWS::Serverless::Connector\". A resource with that "
                                "id already exists within this template. Please use a different "
                                "id for that resource.");
      }
      x.connectors.emplace_back(cid, std::move(connector));
    }
    r.erase("Connectors");
  }
  return Status::ok();
}

Status expand_connectors(Expansion& x) {
  std::map<std::string, std::vector<std::string>> made;
  for (const auto& [id, res] : x.connectors) {
    NIMBUS_TRY(expand_connector(id, res, x, made[id]));
  }
  // DependsOn naming a connector names what it generated instead, after
  // the other names (SAM's order).
  for (auto& [id, res] : x.output) {
    auto* d = res.is_object() ? res.as_object().if_contains("DependsOn") : nullptr;
    if (d == nullptr) continue;
    json::array in = d->is_array() ? d->as_array() : json::array{*d};
    json::array out, generated;
    for (const auto& v : in) {
      auto it = v.is_string() ? made.find(std::string(v.as_string())) : made.end();
      if (it == made.end()) {
        push_unique(out, v);
        continue;
      }
      for (const auto& m : it->second) generated.emplace_back(m);
    }
    if (generated.empty()) continue;
    for (auto& g : generated) push_unique(out, std::move(g));
    *d = std::move(out);
  }
  return Status::ok();
}

}  // namespace nimbus::cfn::sam
