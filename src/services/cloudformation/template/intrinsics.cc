#include <set>

#include "services/cloudformation/template/resolver.h"

namespace nimbus::cfn {

namespace json = boost::json;
using detail::Resolved;
using detail::Resolver;

namespace detail {

namespace {

Error too_deep() {
  return template_error("the template nests intrinsic functions too deeply");
}

// The name of the one intrinsic function an object is ("" when it is not).
std::string_view function_name(const json::object& o) {
  if (o.size() != 1) return {};
  std::string_view key = o.begin()->key();
  if (key == "Ref" || key.starts_with("Fn::")) return key;
  return {};
}

}  // namespace

Resolved Resolver::value(const json::value& v, int depth) {
  if (depth > kMaxDepth) return too_deep();
  if (v.is_array()) {
    json::array out;
    for (const auto& item : v.as_array()) {
      auto r = value(item, depth + 1);
      if (!r) return r.take_error();
      if (*r) out.push_back(std::move(**r));
    }
    return std::optional<json::value>(std::move(out));
  }
  if (!v.is_object()) return std::optional<json::value>(v);
  const auto& o = v.as_object();
  if (auto fn = function_name(o); !fn.empty()) return call(fn, o.begin()->value(), depth + 1);
  json::object out;
  for (const auto& [key, member] : o) {
    auto r = value(member, depth + 1);
    if (!r) return r.take_error();
    if (*r) out[key] = std::move(**r);
  }
  return std::optional<json::value>(std::move(out));
}

Result<json::value> Resolver::required(const json::value& v, std::string_view fn, int depth) {
  auto r = value(v, depth);
  if (!r) return r.take_error();
  if (!*r) return template_error("AWS::NoValue is not allowed in " + std::string(fn));
  return std::move(**r);
}

Resolved Resolver::call(std::string_view fn, const json::value& arg, int depth) {
  auto wrap = [](Result<json::value> r) -> Resolved {
    if (!r) return r.take_error();
    return std::optional<json::value>(std::move(*r));
  };
  auto boolean = [](Result<bool> r) -> Resolved {
    if (!r) return r.take_error();
    return std::optional<json::value>(*r);
  };
  if (fn == "Ref") return ref(arg, depth);
  if (fn == "Fn::If") return if_(arg, depth);
  if (fn == "Fn::GetAtt") return wrap(get_att(arg, depth));
  if (fn == "Fn::Sub") return wrap(sub(arg, depth));
  if (fn == "Fn::Join") return wrap(join(arg, depth));
  if (fn == "Fn::Select") return wrap(select(arg, depth));
  if (fn == "Fn::Split") return wrap(split(arg, depth));
  if (fn == "Fn::FindInMap") return wrap(find_in_map(arg, depth));
  if (fn == "Fn::GetAZs") return wrap(get_azs(arg, depth));
  if (fn == "Fn::Base64") return wrap(base64(arg, depth));
  if (fn == "Fn::Cidr") return wrap(cidr(arg, depth));
  if (fn == "Fn::Length") return wrap(length(arg, depth));
  if (fn == "Fn::ToJsonString") return wrap(to_json_string(arg, depth));
  if (fn == "Fn::ImportValue") return wrap(import_value(arg, depth));
  if (fn == "Fn::Equals" || fn == "Fn::And" || fn == "Fn::Or" || fn == "Fn::Not") {
    json::object o;
    o[fn] = arg;
    return boolean(truth(o, depth));
  }
  return template_error("Encountered unsupported function: " + std::string(fn));
}

Resolved Resolver::ref(const json::value& arg, int depth) {
  if (!arg.is_string()) {
    // Ref takes a literal name; a few tools emit {"Ref": {"Fn::Sub": ...}}.
    auto name = required(arg, "Ref", depth);
    if (!name) return name.take_error();
    if (!name->is_string()) return template_error("Every Ref object must contain a string");
    return ref(*name, depth);
  }
  std::string_view name = arg.as_string();
  if (name == "AWS::NoValue") return std::optional<json::value>();
  if (scope_.parameters != nullptr) {
    if (auto it = scope_.parameters->find(name); it != scope_.parameters->end()) {
      return std::optional<json::value>(it->second);
    }
  }
  if (auto p = pseudo_parameter(name, scope_)) return p;
  if (!scope_.ref) return unresolved_dependency(name);
  auto r = scope_.ref(name);
  if (!r) return r.take_error();
  return std::optional<json::value>(std::move(*r));
}

Result<json::value> Resolver::get_att(const json::value& arg, int depth) {
  const Error shape = template_error(
      "every Fn::GetAtt object requires two non-empty parameters, the resource name and the "
      "resource attribute");
  std::string resource, attribute;
  if (arg.is_string()) {
    std::string s(arg.as_string());
    auto dot = s.find('.');
    if (dot == std::string::npos) return shape;
    resource = s.substr(0, dot);
    attribute = s.substr(dot + 1);
  } else if (arg.is_array() && arg.as_array().size() == 2 && arg.as_array()[0].is_string()) {
    resource = std::string(arg.as_array()[0].as_string());
    auto a = required(arg.as_array()[1], "Fn::GetAtt", depth + 1);
    if (!a) return a.take_error();
    if (!a->is_string()) return shape;
    attribute = std::string(a->as_string());
  } else {
    return shape;
  }
  if (resource.empty() || attribute.empty()) return shape;
  if (!scope_.get_att) {
    return template_error("instance of Fn::GetAtt references undefined resource " + resource);
  }
  return scope_.get_att(resource, attribute);
}

Result<json::value> Resolver::sub(const json::value& arg, int depth) {
  const Error shape = template_error(
      "One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a "
      "string as first argument, and an optional second argument to specify a mapping of "
      "values to replace in the string");
  const json::value* text = &arg;
  json::object variables;
  if (arg.is_array()) {
    const auto& a = arg.as_array();
    if (a.size() != 2 || !a[1].is_object()) return shape;
    text = &a[0];
    for (const auto& [name, v] : a[1].as_object()) {
      auto r = required(v, "Fn::Sub", depth + 1);
      if (!r) return r.take_error();
      variables[name] = std::move(*r);
    }
  }
  if (!text->is_string()) return shape;
  std::string_view s = text->as_string();
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    auto open = s.find("${", i);
    if (open == std::string_view::npos) break;
    out.append(s.substr(i, open - i));
    auto close = s.find('}', open + 2);
    if (close == std::string_view::npos) {
      out.append(s.substr(open));
      i = s.size();
      break;
    }
    std::string_view name = s.substr(open + 2, close - open - 2);
    i = close + 1;
    if (!name.empty() && name[0] == '!') {  // ${!Literal} is the text ${Literal}
      out += "${";
      out.append(name.substr(1));
      out += "}";
      continue;
    }
    std::optional<json::value> v;
    if (const auto* given = variables.if_contains(name)) {
      v = *given;
    } else if (auto dot = name.find('.');
               dot != std::string_view::npos && !name.starts_with("AWS::")) {
      json::array ga{json::string(name.substr(0, dot)), json::string(name.substr(dot + 1))};
      auto r = get_att(ga, depth + 1);
      if (!r) return r.take_error();
      v = std::move(*r);
    } else {
      auto r = ref(json::string(name), depth + 1);
      if (!r) return r.take_error();
      if (!*r) return template_error("AWS::NoValue is not allowed in Fn::Sub");
      v = std::move(**r);
    }
    auto t = text_of(*v);
    if (!t) {
      return template_error("variable " + std::string(name) +
                            " in Fn::Sub expression does not resolve to a string");
    }
    out += *t;
  }
  if (i < s.size()) out.append(s.substr(i));
  return json::value(json::string(out));
}

Resolved Resolver::if_(const json::value& arg, int depth) {
  if (!arg.is_array() || arg.as_array().size() != 3 || !arg.as_array()[0].is_string()) {
    return template_error(
        "Fn::If requires a list argument with three elements: a condition name, a value if "
        "true and a value if false");
  }
  const auto& a = arg.as_array();
  auto c = named_condition(a[0].as_string(), "Fn::If");
  if (!c) return c.take_error();
  return value(*c ? a[1] : a[2], depth + 1);
}

Result<bool> Resolver::named_condition(std::string_view name, std::string_view fn) {
  if (scope_.conditions != nullptr) {
    if (auto it = scope_.conditions->find(name); it != scope_.conditions->end()) {
      return it->second;
    }
  }
  return template_error("unresolved condition dependency " + std::string(name) + " in " +
                        std::string(fn));
}

Result<bool> Resolver::truth(const json::value& v, int depth) {
  if (depth > kMaxDepth) return too_deep();
  if (v.is_bool()) return v.as_bool();
  if (v.is_string() && (v.as_string() == "true" || v.as_string() == "false")) {
    return v.as_string() == "true";
  }
  if (!v.is_object() || v.as_object().size() != 1) {
    return template_error(
        "Conditions can only be boolean operations on parameters and other "
        "conditions");
  }
  const auto& [key, arg] = *v.as_object().begin();
  if (key == "Condition") {
    if (!arg.is_string()) return format_error("Every Condition member must be a string.");
    return named_condition(arg.as_string(), "Condition");
  }
  if (key == "Fn::Equals") return equals(arg, depth + 1);
  if (key == "Fn::And" || key == "Fn::Or") return and_or(key, arg, depth + 1);
  if (key == "Fn::Not") {
    if (!arg.is_array() || arg.as_array().size() != 1) {
      return template_error("every Fn::Not object requires one boolean parameter");
    }
    auto r = truth(arg.as_array()[0], depth + 1);
    if (!r) return r;
    return !*r;
  }
  // A function answering a boolean (Fn::If, Fn::FindInMap ...).
  auto r = value(v, depth + 1);
  if (!r) return r.take_error();
  if (*r && (**r).is_bool()) return (**r).as_bool();
  if (*r && (**r).is_string() && ((**r).as_string() == "true" || (**r).as_string() == "false")) {
    return (**r).as_string() == "true";
  }
  return template_error(
      "Conditions can only be boolean operations on parameters and other "
      "conditions");
}

Result<bool> Resolver::equals(const json::value& arg, int depth) {
  if (!arg.is_array() || arg.as_array().size() != 2) {
    return template_error("every Fn::Equals object requires a list of 2 string parameters.");
  }
  std::optional<json::value> sides[2];
  for (int i = 0; i < 2; ++i) {
    auto r = required(arg.as_array()[i], "Fn::Equals", depth + 1);
    if (!r) return r.take_error();
    sides[i] = std::move(*r);
  }
  auto a = text_of(*sides[0]);
  auto b = text_of(*sides[1]);
  if (a && b) return *a == *b;
  return *sides[0] == *sides[1];
}

Result<bool> Resolver::and_or(std::string_view fn, const json::value& arg, int depth) {
  if (!arg.is_array() || arg.as_array().size() < 2 || arg.as_array().size() > 10) {
    return template_error("every " + std::string(fn) +
                          " object requires a list of at least 2 and at most 10 boolean "
                          "parameters.");
  }
  bool is_and = fn == "Fn::And";
  bool result = is_and;
  for (const auto& item : arg.as_array()) {
    auto r = truth(item, depth + 1);
    if (!r) return r;
    result = is_and ? (result && *r) : (result || *r);
  }
  return result;
}

}  // namespace detail

Result<json::value> resolve(const json::value& v, const Scope& scope) {
  auto r = Resolver(scope).value(v, 0);
  if (!r) return r.take_error();
  return *r ? std::move(**r) : json::value(nullptr);
}

Result<Conditions> evaluate_conditions(const json::object& section, const Scope& scope) {
  // Conditions may name each other in any order: evaluate on demand, with
  // the ones in progress marked to find cycles.
  Conditions done;
  std::set<std::string, std::less<>> in_progress;
  Scope local = scope;
  local.conditions = &done;
  std::function<Status(std::string_view, int)> eval = [&](std::string_view name,
                                                          int depth) -> Status {
    if (done.contains(name)) return Status::ok();
    if (depth > detail::kMaxDepth || in_progress.contains(name)) {
      return format_error("Circular dependency between conditions: [" + std::string(name) + "]");
    }
    const auto* body = section.if_contains(name);
    if (body == nullptr) {
      return template_error("unresolved condition dependency " + std::string(name) +
                            " in Fn::Condition");
    }
    in_progress.emplace(name);
    // Conditions this one names are evaluated first.
    std::function<Status(const json::value&, int)> deps = [&](const json::value& v,
                                                              int d) -> Status {
      if (d > detail::kMaxDepth) return format_error("the template nests conditions too deeply");
      if (v.is_array()) {
        for (const auto& item : v.as_array()) NIMBUS_TRY(deps(item, d + 1));
      } else if (v.is_object()) {
        const auto& o = v.as_object();
        if (o.size() == 1 && o.begin()->key() == "Condition" && o.begin()->value().is_string()) {
          NIMBUS_TRY(eval(o.begin()->value().as_string(), depth + 1));
        }
        for (const auto& [k, member] : o) NIMBUS_TRY(deps(member, d + 1));
      }
      return Status::ok();
    };
    NIMBUS_TRY(deps(*body, 0));
    auto r = Resolver(local).truth(*body, 0);
    if (!r) return r.take_error();
    done[std::string(name)] = *r;
    in_progress.erase(std::string(name));
    return Status::ok();
  };
  for (const auto& [name, body] : section) NIMBUS_TRY(eval(name, 0));
  return done;
}

bool included(const json::object& resource_or_output, const Conditions& conditions) {
  const auto* c = resource_or_output.if_contains("Condition");
  if (c == nullptr || !c->is_string()) return true;
  auto it = conditions.find(c->as_string());
  return it != conditions.end() && it->second;
}

std::optional<json::value> pseudo_parameter(std::string_view name, const Scope& scope) {
  if (name == "AWS::Region") return json::value(json::string(scope.region));
  if (name == "AWS::AccountId") return json::value(json::string(scope.account_id));
  if (name == "AWS::StackName") return json::value(json::string(scope.stack_name));
  if (name == "AWS::StackId") return json::value(json::string(scope.stack_id));
  if (name == "AWS::Partition") return json::value(json::string(scope.partition));
  if (name == "AWS::URLSuffix") return json::value(json::string(scope.url_suffix));
  if (name == "AWS::NotificationARNs") {
    json::array a;
    for (const auto& arn : scope.notification_arns) a.emplace_back(arn);
    return json::value(std::move(a));
  }
  return std::nullopt;
}

std::vector<std::string> sub_variables(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    auto open = s.find("${", i);
    if (open == std::string_view::npos) break;
    auto close = s.find('}', open + 2);
    if (close == std::string_view::npos) break;
    std::string_view name = s.substr(open + 2, close - open - 2);
    if (!name.empty() && name[0] != '!') out.emplace_back(name);
    i = close + 1;
  }
  return out;
}

}  // namespace nimbus::cfn
