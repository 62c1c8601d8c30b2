// A stack as the engine keeps it: its template, parameters, resources with
// their status, physical ids and attributes, outputs, and the operation in
// progress. One record per stack (codec.h), rewritten whole at every
// transition; events are records of their own.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::services::cloudformation {

namespace json = boost::json;

struct ResourceState {
  std::string type;
  std::string physical_id;
  std::string status;  // CREATE_IN_PROGRESS, CREATE_COMPLETE, ...; "" when not yet touched
  std::string reason;
  // The physical id the resource is being created with when it has no
  // physical id yet: what a rollback after a restart deletes by
  // (Provider::planned_id).
  std::string planned_id;
  json::object properties;  // resolved, as last applied
  json::object attributes;  // what Fn::GetAtt answers
  bool no_echo = false;     // a custom resource answered NoEcho: attributes masked when shown
  double updated = 0;       // seconds since the epoch
};

// A resource that a failed update left behind with no logical id holding it
// any more (replaced or removed by a later update): deleted by the stack's
// next teardown (cleanup, rollback or delete).
struct Orphan {
  std::string logical_id;
  ResourceState resource;
};

struct Parameter {
  std::string key;
  std::string value;
};

struct StackState {
  std::string id;  // arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID
  std::string name;
  std::string status;
  std::string reason;
  std::string description;
  double created = 0, updated = 0, deleted = 0;
  std::string region, account_id, endpoint_url;

  std::string template_body;          // as the client sent it
  json::object processed;             // the template after transforms
  std::vector<Parameter> parameters;  // every declared parameter's value
  std::vector<std::string> capabilities;
  std::vector<std::string> notification_arns;
  json::array tags;     // [{Key, Value}]
  json::array outputs;  // [{OutputKey, OutputValue, Description, ExportName}]
  bool disable_rollback = false;
  // OnFailure: DELETE — a failed create deletes the stack instead of
  // stopping at ROLLBACK_COMPLETE.
  bool delete_on_failure = false;
  bool termination_protection = false;
  std::string policy;  // the stack policy (SetStackPolicy), "" when none
  // The export names its template reads through Fn::ImportValue, as of the
  // last operation that completed (ListImports, DeleteStack's refusal).
  std::vector<std::string> imports;
  std::string change_set_id;  // the last executed change set
  // A nested stack's parent and root stack ids ("" for a root stack): its
  // termination protection is the root's.
  std::string parent_id, root_id;

  std::map<std::string, ResourceState> resources;  // by logical id
  // An update's starting point, kept until it completes: what a rollback
  // restores (the previous template, parameters and resources).
  std::optional<json::object> previous;
  std::vector<Orphan> orphans;
  uint64_t next_event = 0;

  bool deleted_stack() const { return status == "DELETE_COMPLETE"; }
  bool in_progress() const { return status.ends_with("_IN_PROGRESS"); }
};

// One stack event, as DescribeStackEvents answers it.
struct StackEvent {
  std::string logical_id, physical_id, type, status, reason;
  json::object properties;
};

}  // namespace nimbus::services::cloudformation
