// What the SAM transform's steps share while one template is expanded: the
// input resources (Globals applied), the resources produced so far, and the
// paths collected for the implicit APIs. Internal to sam/.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "services/cloudformation/sam/values.h"

namespace nimbus::cfn::sam {

// One function event of type Api or HttpApi, waiting for its API.
struct ApiEvent {
  std::string function_id, event_id, condition;
  // A state machine's event: the integration starts an execution through
  // this role instead of invoking a function (no permission).
  std::string start_role;
  json::value function_ref;  // what the permission names (function or alias)
  json::value function_arn;  // what the integration invokes
  json::object properties;
};

struct Expansion {
  json::object globals;     // the Globals section (Api / HttpApi apply to the implicit APIs)
  json::object input;       // the input's Resources, Globals applied
  json::object output;      // the resources produced, in order
  json::object conditions;  // conditions the expansion adds to the template
  json::object parameters;  // the template's Parameters
  // SAM's resource references: "Fn.Alias", "Api.Stage", ... -> logical id,
  // resolved in Ref, Fn::GetAtt and Fn::Sub once everything is expanded.
  std::map<std::string, std::string> refs;
  std::vector<ApiEvent> rest_events, http_events;
  // Connectors (AWS::Serverless::Connector and embedded ones, made
  // standalone) by logical id, expanded last.
  std::vector<std::pair<std::string, json::object>> connectors;

  // Adds `res` as `id`, carrying `condition` when not empty.
  void add(std::string_view id, json::object res, std::string_view condition);
  // A {"Ref": parameter} as the parameter's Default (SAM reads some
  // properties so); anything else as it is.
  const json::value& resolve(const json::value& v) const;
  // The input resource's Type ("" when absent).
  std::string type_of(std::string_view id) const;
};

// Merges the Globals section into the input resources (SAM's rules: maps
// merged, lists concatenated, scalars and intrinsics overridden).
Status apply_globals(const json::value* globals, json::object& resources);

Status expand_function(std::string_view id, const json::object& res, Expansion& x);
// The first 10 hex digits of sha1(text): SAM's LogicalIdGenerator hash, in
// the ids and condition names it generates.
std::string sha1_prefix(const std::string& text);
// AWS::Serverless::LayerVersion (layers.cc): the layer under SAM's hashed
// logical id, recorded in `refs` so Ref / GetAtt / Sub / DependsOn follow it.
Status expand_layer_version(std::string_view id, const json::object& res, Expansion& x);
// A SAM S3 location ("s3://bucket/key[?versionId=v]" or {Bucket, Key,
// Version}) as {S3Bucket, S3Key[, S3ObjectVersion]}; SAM's error naming
// `property` otherwise.
Result<json::object> s3_location(std::string_view id, const json::value& uri,
                                 std::string_view property);
Status expand_simple_table(std::string_view id, const json::object& res, Expansion& x);
Status expand_state_machine(std::string_view id, const json::object& res, Expansion& x);
Status expand_api(std::string_view id, const json::object& res, Expansion& x);
Status expand_http_api(std::string_view id, const json::object& res, Expansion& x);
// The implicit ServerlessRestApi / ServerlessHttpApi and the Api / HttpApi
// events' permissions, once every function is expanded.
Status expand_api_events(Expansion& x);

// A ScheduleV2 event (schedule_v2.cc): the AWS::Scheduler::Schedule `id`
// (`p` the event's Properties) calling `target_arn`, and unless the event
// names its RoleArn, the role `<id>Role` the scheduler assumes, allowed
// `action` on the target (policy `<id><policy_suffix>`) and, with a
// DeadLetterConfig Arn, sqs:SendMessage to it (`<id>SQSPolicy`).
Status expand_schedule_v2(const std::string& id, const json::object& p,
                          const json::value& target_arn, std::string_view action,
                          std::string_view policy_suffix, const std::string& condition,
                          Expansion& x);

// Connectors (connectors.cc): collect_connectors takes the standalone ones
// and each resource's Connectors attribute (removed from the input) before
// anything is expanded; expand_connectors turns them into policies and
// permissions once everything else is.
Status collect_connectors(Expansion& x);
Status expand_connectors(Expansion& x);

// The role's managed policy ARN for a policy name ("AWSLambdaRole" ->
// "arn:aws:iam::aws:policy/service-role/AWSLambdaRole").
json::string managed_policy_arn(std::string_view name);
// A SAM policy template's statements with its parameters; nullopt-style
// error for an unknown template or a missing parameter.
Result<json::object> policy_template(std::string_view owner, std::string_view name,
                                     const json::value& params);
bool is_policy_template(std::string_view name);
// A role's Policies (a name, an ARN, an inline document, a policy template
// or a list of those) into managed ARNs and inline policies named
// <role_id>Policy<index>; SAM's error for one it cannot read.
Status add_policies(std::string_view id, std::string_view role_id, const json::value& policies,
                    json::array& managed, json::array& inline_policies);
// Appends `v` unless the list has it already.
void push_unique(json::array& list, json::value v);

// Resource attributes a generated resource inherits from its SAM resource.
inline std::string condition_of(const json::object& res) {
  const auto* c = res.if_contains("Condition");
  return c != nullptr && c->is_string() ? std::string(c->as_string()) : std::string();
}
inline const json::object& properties_of(const json::object& res) {
  static const json::object empty;
  const auto* p = res.if_contains("Properties");
  return p != nullptr && p->is_object() ? p->as_object() : empty;
}

}  // namespace nimbus::cfn::sam
