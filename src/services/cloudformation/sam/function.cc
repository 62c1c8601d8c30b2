// AWS::Serverless::Function -> AWS::Lambda::Function, its generated role
// (<Function>Role), AutoPublishAlias (Version + Alias), FunctionUrlConfig,
// EventInvokeConfig and the function's events (events.cc).
#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

#include "common/json_fields.h"
#include "services/cloudformation/sam/events.h"
#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

namespace {

// Function properties that are AWS::Lambda::Function properties unchanged.
constexpr std::array<std::string_view, 22> kPassThrough{
    "Description",       "MemorySize",
    "Timeout",           "Handler",
    "Runtime",           "Environment",
    "VpcConfig",         "Layers",
    "KmsKeyArn",         "ReservedConcurrentExecutions",
    "Architectures",     "EphemeralStorage",
    "SnapStart",         "RuntimeManagementConfig",
    "LoggingConfig",     "RecursiveLoop",
    "FileSystemConfigs", "ImageConfig",
    "PackageType",       "CodeSigningConfigArn",
    "FunctionName",      "DurableConfig"};

// CodeUri ("s3://bucket/key[?versionId=v]" or {Bucket, Key, Version}),
// InlineCode or ImageUri -> the Lambda function's Code.
Result<json::object> code_of(std::string_view id, const json::object& p) {
  json::object code;
  if (const auto* inline_code = p.if_contains("InlineCode")) {
    code["ZipFile"] = *inline_code;
  } else if (const auto* image = p.if_contains("ImageUri")) {
    code["ImageUri"] = *image;
  } else if (const auto* uri = p.if_contains("CodeUri")) {
    auto location = s3_location(id, *uri, "CodeUri");
    if (!location) return location.take_error();
    code = std::move(*location);
  } else if (str(p, "PackageType") != "Image") {
    return invalid_resource(id, "Only one of 'InlineCode' or 'CodeUri' can be set.");
  }
  if (const auto* k = p.if_contains("SourceKMSKeyArn")) code["SourceKMSKeyArn"] = *k;
  return code;
}

}  // namespace

Result<json::object> s3_location(std::string_view id, const json::value& uri,
                                 std::string_view property) {
  auto bad = [&] {
    return invalid_resource(id, "'" + std::string(property) +
                                    "' is not a valid S3 Uri of the form 's3://bucket/key' with "
                                    "optional versionId query parameter.");
  };
  json::object code;
  if (uri.is_string()) {
    std::string_view s = uri.as_string();
    if (!s.starts_with("s3://")) return bad();
    s.remove_prefix(5);
    size_t slash = s.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size()) return bad();
    std::string_view key = s.substr(slash + 1);
    std::string_view version;
    if (size_t q = key.find("?versionId="); q != std::string_view::npos) {
      version = key.substr(q + 11);
      key = key.substr(0, q);
    }
    code["S3Bucket"] = s.substr(0, slash);
    code["S3Key"] = key;
    if (!version.empty()) code["S3ObjectVersion"] = version;
  } else if (uri.is_object() && !is_intrinsic(uri)) {
    const auto& o = uri.as_object();
    if (!o.contains("Bucket") || !o.contains("Key")) return bad();
    code["S3Bucket"] = o.at("Bucket");
    code["S3Key"] = o.at("Key");
    if (const auto* v = o.if_contains("Version")) code["S3ObjectVersion"] = *v;
  } else {
    return bad();
  }
  return code;
}

void push_unique(json::array& list, json::value v) {
  for (const auto& x : list) {
    if (x == v) return;
  }
  list.push_back(std::move(v));
}

namespace {

Result<json::object> role_of(std::string_view id, const json::object& p,
                             const json::array& event_policies, json::array dlq_policies,
                             const json::value* tags, bool tracing) {
  std::string role_id = std::string(id) + "Role";
  json::array managed;
  managed.push_back(managed_policy_arn(has(p, "DurableConfig")
                                           ? "AWSLambdaBasicDurableExecutionRolePolicy"
                                           : "AWSLambdaBasicExecutionRole"));
  if (tracing) push_unique(managed, managed_policy_arn("AWSXrayWriteOnlyAccess"));
  if (has(p, "VpcConfig"))
    push_unique(managed, managed_policy_arn("AWSLambdaVPCAccessExecutionRole"));
  for (const auto& e : event_policies) {
    if (e.is_string()) push_unique(managed, e);
  }
  json::array inline_policies;
  if (const auto* policies = p.if_contains("Policies")) {
    NIMBUS_TRY(add_policies(id, role_id, *policies, managed, inline_policies));
  }
  for (auto& d : dlq_policies) inline_policies.push_back(std::move(d));
  for (const auto& e : event_policies) {
    if (e.is_object()) inline_policies.push_back(e);
  }
  json::object props;
  const auto* trust = p.if_contains("AssumeRolePolicyDocument");
  props["AssumeRolePolicyDocument"] =
      trust != nullptr ? *trust : json::value(trust_policy("lambda.amazonaws.com"));
  props["ManagedPolicyArns"] = std::move(managed);
  if (!inline_policies.empty()) props["Policies"] = std::move(inline_policies);
  if (const auto* b = p.if_contains("PermissionsBoundary")) props["PermissionsBoundary"] = *b;
  if (const auto* path = p.if_contains("RolePath")) props["Path"] = *path;
  props["Tags"] = tag_list("lambda:createdBy", tags);
  return resource("AWS::IAM::Role", std::move(props));
}

// AWS::Lambda::Url and, for AuthType NONE, the two public permissions.
void add_url(std::string_view id, const json::object& cfg, const json::value& target,
             std::string_view condition, Expansion& x) {
  json::object url;
  for (auto key : {"AuthType", "Cors", "InvokeMode"}) {
    if (const auto* v = cfg.if_contains(key)) url[key] = *v;
  }
  url["TargetFunctionArn"] = target;
  std::string url_id = std::string(id) + "Url";
  x.add(url_id, resource("AWS::Lambda::Url", std::move(url)), condition);
  if (str(cfg, "AuthType") != "NONE") return;
  x.add(url_id + "PublicPermissions",
        resource("AWS::Lambda::Permission", json::object{{"Action", "lambda:InvokeFunctionUrl"},
                                                         {"FunctionName", target},
                                                         {"FunctionUrlAuthType", "NONE"},
                                                         {"Principal", "*"}}),
        condition);
  x.add(std::string(id) + "URLInvokeAllowPublicAccess",
        resource("AWS::Lambda::Permission", json::object{{"Action", "lambda:InvokeFunction"},
                                                         {"FunctionName", target},
                                                         {"InvokedViaFunctionUrl", true},
                                                         {"Principal", "*"}}),
        condition);
}

// Role: !If [C, X, !Ref AWS::NoValue] (then_branch: X is given when C
// holds) or !If [C, !Ref AWS::NoValue, X]; nullopt for any other value.
struct ConditionalRole {
  std::string condition;
  bool then_branch;
};
std::optional<ConditionalRole> conditional_role(const json::value& role) {
  if (!role.is_object()) return std::nullopt;
  const auto* f = role.as_object().if_contains("Fn::If");
  if (f == nullptr || !f->is_array() || f->as_array().size() != 3) return std::nullopt;
  const auto& a = f->as_array();
  if (!a[0].is_string()) return std::nullopt;
  bool else_novalue = ref_target(a[2]) == "AWS::NoValue";
  bool then_novalue = ref_target(a[1]) == "AWS::NoValue";
  if (else_novalue == then_novalue) return std::nullopt;
  return ConditionalRole{std::string(a[0].as_string()), else_novalue};
}

// EventInvokeConfig: destinations of Type SQS / SNS / Lambda / EventBridge /
// S3 (a queue or topic is created when no Destination is given) and the
// role statements that let the function reach them.
Status add_invoke_config(std::string_view id, const json::object& cfg, std::string_view qualifier,
                         std::string_view alias_id, std::string_view condition,
                         json::array& role_policies, Expansion& x) {
  std::string cfg_id = std::string(id) + "EventInvokeConfig";
  json::object props;
  for (auto key : {"MaximumEventAgeInSeconds", "MaximumRetryAttempts"}) {
    if (const auto* v = cfg.if_contains(key)) props[key] = *v;
  }
  if (const auto* dc = cfg.if_contains("DestinationConfig"); dc != nullptr && dc->is_object()) {
    json::object out;
    for (auto which : {"OnSuccess", "OnFailure"}) {
      const auto* d = dc->as_object().if_contains(which);
      if (d == nullptr || !d->is_object()) continue;
      std::string type = str(d->as_object(), "Type");
      if (type == "S3Bucket") type = "S3";  // SAM's other spelling
      const auto* dest = d->as_object().if_contains("Destination");
      json::value arn = dest != nullptr ? *dest : json::value();
      std::string base = cfg_id + which;
      // A Destination of !If [C, !Ref AWS::NoValue, ARN] has the queue or
      // topic made only when C holds; !If [C, ARN, !Ref AWS::NoValue] only
      // when it does not (a NOT condition SAM names after the config).
      std::string made_when;
      json::value given;
      if (auto c = dest != nullptr ? conditional_role(*dest) : std::nullopt) {
        const auto& branches = dest->as_object().at("Fn::If").as_array();
        made_when = c->condition;
        given = c->then_branch ? branches[1] : branches[2];
        if (c->then_branch) {
          made_when = "NOT" + c->condition + sha1_prefix(cfg_id);
          x.conditions[made_when] =
              json::object{{"Fn::Not", json::array{json::object{{"Condition", c->condition}}}}};
        }
      }
      if ((dest == nullptr || !made_when.empty()) && (type == "SQS" || type == "SNS")) {
        std::string made = base + (type == "SQS" ? "Queue" : "Topic");
        std::string when = made_when.empty() ? std::string(condition) : made_when;
        if (!condition.empty() && !made_when.empty()) {
          when = std::string(condition) + "AND" + made_when + sha1_prefix(std::string(id));
          x.conditions[when] =
              json::object{{"Fn::And", json::array{json::object{{"Condition", condition}},
                                                   json::object{{"Condition", made_when}}}}};
        }
        x.add(made, resource(type == "SQS" ? "AWS::SQS::Queue" : "AWS::SNS::Topic", {}), when);
        // SAM's references to it: !Ref Fn.DestinationQueue / Fn.DestinationTopic.
        x.refs[std::string(id) + (type == "SQS" ? ".DestinationQueue" : ".DestinationTopic")] =
            made;
        arn = type == "SQS" ? get_att(made, "Arn") : ref_to(made);
        if (!made_when.empty()) {
          arn = json::object{{"Fn::If", json::array{json::string(made_when), arn, given}}};
        }
      } else if (dest == nullptr || !made_when.empty()) {
        return invalid_resource(id, "Destination is required if Type is not SQS or SNS");
      }
      std::string_view action = type == "SQS"      ? "sqs:SendMessage"
                                : type == "SNS"    ? "sns:publish"
                                : type == "Lambda" ? "lambda:InvokeFunction"
                                : type == "S3"     ? "s3:PutObject"
                                                   : "events:PutEvents";
      if (type != "SQS" && type != "SNS" && type != "Lambda" && type != "EventBridge" &&
          type != "S3") {
        return invalid_resource(
            id,
            "'Type: " + type + "' must be one of ['SQS', 'SNS', 'EventBridge', 'Lambda', 'S3']");
      }
      role_policies.push_back(json::object{
          {"PolicyName", base + type + "Policy"},
          {"PolicyDocument",
           json::object{{"Statement", json::array{allow(json::string(action), arn)}}}}});
      out[which] = json::object{{"Destination", std::move(arn)}};
    }
    props["DestinationConfig"] = std::move(out);
  }
  props["FunctionName"] = ref_to(id);
  props["Qualifier"] = qualifier;
  json::object res = resource("AWS::Lambda::EventInvokeConfig", std::move(props));
  if (!alias_id.empty()) res["DependsOn"] = json::array{json::string(alias_id)};
  x.add(cfg_id, std::move(res), condition);
  return Status::ok();
}

// SAM's checks of a function's properties before anything is generated;
// "" when they hold.
std::string function_problem(const json::object& p) {
  std::string package = str(p, "PackageType");
  if (package == "Image") {
    if (!p.contains("ImageUri")) return "'ImageUri' must be set.";
  } else if (!has(p, "Runtime") || !has(p, "Handler")) {
    return "Runtime and Handler needs to be present when PackageType is of type `Zip`";
  }
  if (const auto* a = p.if_contains("AutoPublishAlias"); a != nullptr && a->is_string()) {
    std::string_view name = a->as_string();
    bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    }) && !std::all_of(name.begin(), name.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    if (!valid) {
      return "AutoPublishAlias name ('" + std::string(name) +
             "') must contain only alphanumeric characters, hyphens, or underscores matching "
             "(?!^[0-9]+$)([a-zA-Z0-9-_]+) pattern.";
    }
  }
  bool alias = has(p, "AutoPublishAlias");
  if (p.contains("ProvisionedConcurrencyConfig") && !alias) {
    return "To set ProvisionedConcurrencyConfig AutoPublishALias must be defined on the function";
  }
  if (p.contains("DeploymentPreference") && !alias) {
    return "'DeploymentPreference' requires AutoPublishAlias property to be specified.";
  }
  if (const auto* role = p.if_contains("Role"); role != nullptr && !role->is_null()) {
    if (!role->is_string() && !is_intrinsic(*role)) return "Property 'Role' should be a string.";
    if (const auto* f = role->is_object() ? role->as_object().if_contains("Fn::If") : nullptr;
        f != nullptr && (!f->is_array() || f->as_array().size() != 3)) {
      return "Malformed 'Role' property: Fn::If requires 3 arguments.";
    }
  }
  if (const auto* l = p.if_contains("Layers");
      l != nullptr && !l->is_array() && !is_intrinsic(*l)) {
    return "Type of property 'Layers' is invalid.";
  }
  if (const auto* url = p.if_contains("FunctionUrlConfig"); url != nullptr && url->is_object()) {
    if (!url->as_object().contains("AuthType")) {
      return "AuthType is required to configure function property `FunctionUrlConfig`. Please "
             "provide either AWS_IAM or NONE.";
    }
  }
  return "";
}

}  // namespace

// Policies: a managed policy name or ARN, an inline document, a policy
// template, or a list of those.
Status add_policies(std::string_view id, std::string_view role_id, const json::value& policies,
                    json::array& managed, json::array& inline_policies) {
  json::array list;
  if (policies.is_array()) {
    list = policies.as_array();
  } else {
    list.push_back(policies);
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& p = list[i];
    std::string name = role_id.empty() ? "" : std::string(role_id) + "Policy" + std::to_string(i);
    if (p.is_string()) {
      std::string_view s = p.as_string();
      push_unique(managed, managed_policy_arn(s));
    } else if (is_intrinsic(p)) {
      // A conditional document stays inline as written; anything else
      // (a conditional or computed ARN) is a managed policy.
      const auto* f = p.as_object().if_contains("Fn::If");
      bool document = false;
      if (f != nullptr && f->is_array()) {
        for (const auto& branch : f->as_array()) {
          document = document || (branch.is_object() && branch.as_object().contains("Statement"));
        }
      }
      if (document) {
        inline_policies.push_back(p);
      } else {
        push_unique(managed, p);
      }
    } else if (p.is_object() && p.as_object().contains("Statement")) {
      inline_policies.push_back(json::object{{"PolicyName", name}, {"PolicyDocument", p}});
    } else if (p.is_object() && p.as_object().size() == 1 &&
               is_policy_template(p.as_object().begin()->key())) {
      auto doc = policy_template(id, p.as_object().begin()->key(), p.as_object().begin()->value());
      if (!doc) return doc.take_error();
      inline_policies.push_back(json::object{{"PolicyName", name}, {"PolicyDocument", *doc}});
    } else {
      return invalid_resource(
          id, "Policy at index " + std::to_string(i) + " in the 'Policies' property is not valid");
    }
  }
  return Status::ok();
}

Status expand_function(std::string_view id, const json::object& res, Expansion& x) {
  const json::object& p = properties_of(res);
  std::string condition = condition_of(res);
  if (std::string problem = function_problem(p); !problem.empty()) {
    return invalid_resource(id, problem);
  }
  auto code = code_of(id, p);
  if (!code) return code.take_error();

  json::object fn;
  if (!code->empty()) fn["Code"] = std::move(*code);
  for (auto key : kPassThrough) {
    if (const auto* v = p.if_contains(key)) fn[key] = *v;
  }
  if (const auto* t = p.if_contains("Tracing"); t != nullptr && !t->is_null() && *t != "") {
    fn["TracingConfig"] = json::object{{"Mode", *t}};
  }
  json::array dlq_policies;
  if (const auto* dlq = p.if_contains("DeadLetterQueue"); dlq != nullptr && dlq->is_object()) {
    std::string type = str(dlq->as_object(), "Type");
    const auto* target = dlq->as_object().if_contains("TargetArn");
    if ((type != "SQS" && type != "SNS") || target == nullptr) {
      return invalid_resource(id,
                              "'DeadLetterQueue' requires Type of 'SQS' or 'SNS' and a TargetArn");
    }
    fn["DeadLetterConfig"] = json::object{{"TargetArn", *target}};
    dlq_policies.push_back(json::object{
        {"PolicyName", "DeadLetterQueuePolicy"},
        {"PolicyDocument",
         json::object{{"Version", "2012-10-17"},
                      {"Statement", json::array{allow(json::string(type == "SQS" ? "sqs:SendMessage"
                                                                                 : "sns:Publish"),
                                                      *target)}}}}});
  }
  const json::value* tags = p.if_contains("Tags");
  fn["Tags"] = tag_list("lambda:createdBy", tags);

  // The alias (when published) is what events, URLs and APIs invoke.
  std::string alias_id, alias_name;
  if (const auto* given = p.if_contains("AutoPublishAlias");
      given != nullptr && !given->is_null()) {
    const json::value* a = &x.resolve(*given);  // a Ref to a parameter: its default
    if (a->is_string() && a->as_string().empty()) {
      return invalid_resource(id, "Alias name is required to create an alias");
    }
    if (!a->is_string()) {
      return invalid_resource(
          id, "'AutoPublishAlias' must be a string or a Ref to a template parameter");
    }
    alias_name = std::string(a->as_string());
    // Logical ids are alphanumeric: SAM spells '_' as U and '-' as D.
    std::string spelled = alias_name;
    for (auto& c : spelled) c = c == '_' ? 'U' : c == '-' ? 'D' : c;
    alias_id = std::string(id) + "Alias" + spelled;
  }
  json::value fn_ref = alias_id.empty() ? ref_to(id) : ref_to(alias_id);
  json::value fn_arn = alias_id.empty() ? get_att(id, "Arn") : ref_to(alias_id);

  auto events = expand_events(id, p, condition, fn_ref, fn_arn, x);
  if (!events) return events.take_error();

  std::string role_id = std::string(id) + "Role";
  const auto* role = p.if_contains("Role");
  auto when = role != nullptr ? conditional_role(*role) : std::nullopt;
  if (role != nullptr && !role->is_null() && !when) {
    fn["Role"] = *role;
  } else {
    // X-Ray unless tracing is off (absent, empty, "Disabled", or a
    // parameter defaulting to it).
    const auto* t = p.if_contains("Tracing");
    const json::value* mode = t != nullptr ? &x.resolve(*t) : nullptr;
    bool tracing =
        mode != nullptr && !mode->is_null() &&
        !(mode->is_string() && (mode->as_string() == "Disabled" || mode->as_string().empty()));
    auto role_res = role_of(id, p, *events, std::move(dlq_policies), tags, tracing);
    if (!role_res) return role_res.take_error();
    fn["Role"] = get_att(role_id, "Arn");
    std::string role_condition = condition;
    if (when) {
      // Role: !If [C, ARN, !Ref AWS::NoValue]: the role is made when the
      // ARN is not given (under NOTC, added), and the function takes either.
      const auto& branches = role->at("Fn::If").as_array();
      json::array chosen = branches;
      chosen[when->then_branch ? 2 : 1] = get_att(role_id, "Arn");
      fn["Role"] = json::object{{"Fn::If", std::move(chosen)}};
      role_condition = when->condition;
      if (when->then_branch) {
        role_condition = "NOT" + when->condition;
        x.conditions[role_condition] =
            json::object{{"Fn::Not", json::array{json::object{{"Condition", when->condition}}}}};
      }
    }
    x.add(role_id, std::move(*role_res), role_condition);
  }

  json::object lambda = resource("AWS::Lambda::Function", std::move(fn));
  for (auto attr : {"DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}) {
    if (const auto* v = res.if_contains(attr)) lambda[attr] = *v;
  }
  std::string version_hash = digest(lambda.at("Properties"), 10);
  x.add(id, std::move(lambda), condition);

  if (!alias_id.empty()) {
    std::string version_id = std::string(id) + "Version" + version_hash;
    json::object version{{"FunctionName", ref_to(id)}};
    if (const auto* d = p.if_contains("VersionDescription")) version["Description"] = *d;
    json::object v = resource("AWS::Lambda::Version", std::move(version));
    v["DeletionPolicy"] = "Retain";
    x.add(version_id, std::move(v), condition);
    json::object alias{{"FunctionName", ref_to(id)},
                       {"FunctionVersion", get_att(version_id, "Version")},
                       {"Name", alias_name}};
    if (const auto* pc = p.if_contains("ProvisionedConcurrencyConfig")) {
      alias["ProvisionedConcurrencyConfig"] = *pc;
    }
    x.add(alias_id, resource("AWS::Lambda::Alias", std::move(alias)), condition);
    x.refs[std::string(id) + ".Alias"] = alias_id;
    x.refs[std::string(id) + ".Version"] = version_id;
  }
  if (const auto* url = p.if_contains("FunctionUrlConfig"); url != nullptr && url->is_object()) {
    add_url(id, url->as_object(), fn_ref, condition, x);
  }
  if (const auto* eic = p.if_contains("EventInvokeConfig"); eic != nullptr && eic->is_object()) {
    json::array more;
    NIMBUS_TRY(add_invoke_config(id, eic->as_object(), alias_id.empty() ? "$LATEST" : alias_name,
                                 alias_id, condition, more, x));
    if (auto* role = x.output.if_contains(role_id); role != nullptr && !more.empty()) {
      auto& props = role->as_object()["Properties"].as_object();
      auto& list = props["Policies"];
      if (!list.is_array()) list = json::array{};
      for (auto& m : more) list.as_array().push_back(std::move(m));
    }
  }
  return Status::ok();
}

}  // namespace nimbus::cfn::sam
