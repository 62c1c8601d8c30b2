// AWS::Serverless::SimpleTable -> AWS::DynamoDB::Table, and
// AWS::Serverless::StateMachine -> AWS::StepFunctions::StateMachine with its
// generated role and its event rules.
#include <string>

#include "common/json_fields.h"
#include "services/cloudformation/sam/events.h"
#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

namespace {

// Replaces every intrinsic function in a definition with
// ${definition_substitution_N}, collecting the substitutions.
void substitute(json::value& v, json::object& subs) {
  if (is_intrinsic(v)) {
    std::string name = "definition_substitution_" + std::to_string(subs.size() + 1);
    subs[name] = v;
    v = "${" + name + "}";
    return;
  }
  if (v.is_array()) {
    for (auto& x : v.as_array()) substitute(x, subs);
  } else if (v.is_object()) {
    for (auto& [k, x] : v.as_object()) substitute(x, subs);
  }
}

// A role `service` assumes to start executions of the state machine `id`.
json::object start_execution_role(std::string_view id, const std::string& role_id,
                                  std::string_view service) {
  return resource(
      "AWS::IAM::Role",
      json::object{
          {"AssumeRolePolicyDocument", trust_policy(service)},
          {"Policies", json::array{json::object{
                           {"PolicyName", role_id + "StartExecutionPolicy"},
                           {"PolicyDocument",
                            json::object{{"Statement", json::array{allow("states:StartExecution",
                                                                         ref_to(id))}}}}}}}});
}

// Api events on a state machine go to the REST API with a role; ScheduleV2
// to a scheduler schedule with its role (schedule_v2.cc);
// Schedule / CloudWatchEvent / EventBridgeRule on a state machine: a rule
// whose target starts an execution through a role events.amazonaws.com
// assumes.
Status state_machine_event(std::string_view id, std::string_view event_id, const json::object& ev,
                           std::string_view condition, Expansion& x) {
  std::string type = str(ev, "Type");
  const json::object& p = properties_of(ev);
  std::string rule_id = std::string(id) + std::string(event_id);
  json::object props;
  if (type == "Api") {
    // The route goes to the REST API (api.cc); this role lets API Gateway
    // start the execution.
    std::string role_id = rule_id + "Role";
    ApiEvent api{std::string(id),
                 std::string(event_id),
                 std::string(condition),
                 role_id,
                 ref_to(id),
                 ref_to(id),
                 p};
    x.rest_events.push_back(std::move(api));
    x.add(role_id, start_execution_role(id, role_id, "apigateway.amazonaws.com"), condition);
    return Status::ok();
  }
  if (type == "ScheduleV2") {
    return expand_schedule_v2(rule_id, p, ref_to(id), "states:StartExecution",
                              "StartExecutionPolicy", std::string(condition), x);
  }
  if (type == "Schedule") {
    if (p.contains("State") && p.contains("Enabled")) {
      return invalid_event(id, event_id, "State and Enabled Properties cannot both be specified.");
    }
    if (const auto* s = p.if_contains("Schedule")) props["ScheduleExpression"] = *s;
    if (const auto* e = p.if_contains("Enabled"); e != nullptr && e->is_bool()) {
      props["State"] = e->as_bool() ? "ENABLED" : "DISABLED";
    }
  } else if (type == "CloudWatchEvent" || type == "EventBridgeRule") {
    if (const auto* pat = p.if_contains("Pattern")) props["EventPattern"] = *pat;
    if (const auto* bus = p.if_contains("EventBusName")) props["EventBusName"] = *bus;
  } else {
    return invalid_event(id, event_id, "Type '" + type + "' is not supported for state machines.");
  }
  if (const auto* n = p.if_contains("RuleName")) props["Name"] = *n;
  if (const auto* n = p.if_contains("Name")) props["Name"] = *n;
  for (auto key : {"Description", "State"}) {
    if (const auto* v = p.if_contains(key)) props[key] = *v;
  }
  std::string role_id = rule_id + "Role";
  const auto* given_role = p.if_contains("RoleArn");
  json::object target{{"Arn", ref_to(id)},
                      {"Id", rule_id + "StepFunctionsTarget"},
                      {"RoleArn", given_role != nullptr ? *given_role : get_att(role_id, "Arn")}};
  for (auto key : {"Input", "InputPath", "RetryPolicy"}) {
    if (const auto* v = p.if_contains(key)) target[key] = *v;
  }
  auto dlq = rule_dead_letter(id, event_id, rule_id, p, std::string(condition), x);
  if (!dlq) return dlq.take_error();
  if (!dlq->is_null()) target["DeadLetterConfig"] = std::move(*dlq);
  props["Targets"] = json::array{std::move(target)};
  x.add(rule_id, resource("AWS::Events::Rule", std::move(props)), condition);
  if (given_role != nullptr) return Status::ok();
  x.add(role_id, start_execution_role(id, role_id, "events.amazonaws.com"), condition);
  return Status::ok();
}

}  // namespace

Status expand_simple_table(std::string_view id, const json::object& res, Expansion& x) {
  const json::object& p = properties_of(res);
  std::string name = "id", type = "String";
  if (const auto* pk = p.if_contains("PrimaryKey")) {
    if (!pk->is_object()) return invalid_resource(id, "Property 'PrimaryKey' should be a map.");
    if (const auto* n = pk->as_object().if_contains("Name"); n != nullptr && n->is_string()) {
      name = std::string(n->as_string());
    }
    if (const auto* t = pk->as_object().if_contains("Type"); t != nullptr && t->is_string()) {
      type = std::string(t->as_string());
    }
  }
  std::string attr_type = type == "String"   ? "S"
                          : type == "Number" ? "N"
                          : type == "Binary" ? "B"
                                             : "";
  if (attr_type.empty()) {
    return invalid_resource(id, "Invalid 'Type' \"" + type + "\".");
  }
  json::object table{
      {"AttributeDefinitions",
       json::array{json::object{{"AttributeName", name}, {"AttributeType", attr_type}}}},
      {"KeySchema", json::array{json::object{{"AttributeName", name}, {"KeyType", "HASH"}}}}};
  if (const auto* pt = p.if_contains("ProvisionedThroughput")) {
    table["ProvisionedThroughput"] = *pt;
  } else {
    table["BillingMode"] = "PAY_PER_REQUEST";
  }
  for (auto key : {"TableName", "SSESpecification", "PointInTimeRecoverySpecification"}) {
    if (const auto* v = p.if_contains(key)) table[key] = *v;
  }
  if (const auto* tags = p.if_contains("Tags"); tags != nullptr && tags->is_object()) {
    json::array list;
    for (const auto& [k, v] : tags->as_object())
      list.push_back(json::object{{"Key", k}, {"Value", v}});
    table["Tags"] = std::move(list);
  }
  json::object out = resource("AWS::DynamoDB::Table", std::move(table));
  for (auto attr : {"DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}) {
    if (const auto* v = res.if_contains(attr)) out[attr] = *v;
  }
  x.add(id, std::move(out), condition_of(res));
  return Status::ok();
}

Status expand_state_machine(std::string_view id, const json::object& res, Expansion& x) {
  const json::object& p = properties_of(res);
  std::string condition = condition_of(res);
  json::object sm;
  json::object subs;
  if (const auto* def = p.if_contains("Definition")) {
    if (!def->is_object()) return invalid_resource(id, "Property 'Definition' should be a map.");
    json::value d = *def;
    substitute(d, subs);
    sm["DefinitionString"] = json::serialize(d);
  } else if (const auto* uri = p.if_contains("DefinitionUri")) {
    if (uri->is_string()) {
      std::string_view s = uri->as_string();
      size_t slash = s.find('/', 5);
      if (!s.starts_with("s3://") || slash == std::string_view::npos) {
        return invalid_resource(id,
                                "'DefinitionUri' is not a valid S3 Uri of the form "
                                "'s3://bucket/key' with optional versionId query parameter.");
      }
      sm["DefinitionS3Location"] =
          json::object{{"Bucket", s.substr(5, slash - 5)}, {"Key", s.substr(slash + 1)}};
    } else {
      if (uri->is_object() &&
          (!uri->as_object().contains("Bucket") || !uri->as_object().contains("Key"))) {
        return invalid_resource(
            id, "'DefinitionUri' requires Bucket and Key properties to be specified.");
      }
      sm["DefinitionS3Location"] = *uri;
    }
  } else {
    return invalid_resource(id,
                            "Either 'Definition' or 'DefinitionUri' property must be specified.");
  }
  if (const auto* given = p.if_contains("DefinitionSubstitutions"); given && given->is_object()) {
    for (const auto& [k, v] : given->as_object()) subs[k] = v;
  }
  if (!subs.empty()) sm["DefinitionSubstitutions"] = std::move(subs);
  if (p.contains("DeploymentPreference") && !p.contains("AutoPublishAlias")) {
    return invalid_resource(
        id, "'DeploymentPreference' requires 'AutoPublishAlias' property to be specified.");
  }
  if (const auto* n = p.if_contains("Name")) sm["StateMachineName"] = *n;
  if (const auto* t = p.if_contains("Type")) sm["StateMachineType"] = *t;
  if (const auto* l = p.if_contains("Logging")) sm["LoggingConfiguration"] = *l;
  if (const auto* t = p.if_contains("Tracing")) sm["TracingConfiguration"] = *t;
  std::string role_id = std::string(id) + "Role";
  if (const auto* given = p.if_contains("Role")) {
    sm["RoleArn"] = *given;
  } else {
    json::array managed, inline_policies;
    if (const auto* policies = p.if_contains("Policies")) {
      NIMBUS_TRY(add_policies(id, role_id, *policies, managed, inline_policies));
    }
    if (const auto* t = p.if_contains("Tracing"); t != nullptr && t->is_object()) {
      const auto* enabled = t->as_object().if_contains("Enabled");
      if (enabled != nullptr && enabled->is_bool() && enabled->as_bool()) {
        managed.push_back(managed_policy_arn("AWSXrayWriteOnlyAccess"));
      }
    }
    json::object role{{"AssumeRolePolicyDocument", trust_policy("states.amazonaws.com")},
                      {"ManagedPolicyArns", std::move(managed)}};
    if (!inline_policies.empty()) role["Policies"] = std::move(inline_policies);
    if (const auto* b = p.if_contains("PermissionsBoundary")) role["PermissionsBoundary"] = *b;
    if (const auto* path = p.if_contains("RolePath")) role["Path"] = *path;
    role["Tags"] = tag_list("stateMachine:createdBy", p.if_contains("Tags"));
    x.add(role_id, resource("AWS::IAM::Role", std::move(role)), condition);
    sm["RoleArn"] = get_att(role_id, "Arn");
  }
  sm["Tags"] = tag_list("stateMachine:createdBy", p.if_contains("Tags"));
  json::object out = resource("AWS::StepFunctions::StateMachine", std::move(sm));
  for (auto attr : {"DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}) {
    if (const auto* v = res.if_contains(attr)) out[attr] = *v;
  }
  x.add(id, std::move(out), condition);
  if (const auto* alias = p.if_contains("AutoPublishAlias");
      alias != nullptr && alias->is_string()) {
    // A version retained across updates, and the alias pointing at it.
    std::string version_id = std::string(id) + "Version";
    json::object version =
        resource("AWS::StepFunctions::StateMachineVersion",
                 json::object{{"StateMachineArn", ref_to(id)},
                              {"StateMachineRevisionId", get_att(id, "StateMachineRevisionId")}});
    version["DeletionPolicy"] = "Retain";
    version["UpdateReplacePolicy"] = "Retain";
    x.add(version_id, std::move(version), condition);
    x.add(std::string(id) + "Alias" + std::string(alias->as_string()),
          resource("AWS::StepFunctions::StateMachineAlias",
                   json::object{{"DeploymentPreference",
                                 json::object{{"StateMachineVersionArn", ref_to(version_id)},
                                              {"Type", "ALL_AT_ONCE"}}},
                                {"Name", *alias}}),
          condition);
  }
  if (const auto* events = p.if_contains("Events"); events != nullptr && events->is_object()) {
    for (const auto& [event_id, ev] : events->as_object()) {
      if (!ev.is_object()) return invalid_event(id, event_id, "Event should be a map.");
      NIMBUS_TRY(state_machine_event(id, event_id, ev.as_object(), condition, x));
    }
  }
  return Status::ok();
}

}  // namespace nimbus::cfn::sam
