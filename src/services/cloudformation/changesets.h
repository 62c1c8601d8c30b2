// Change sets: a proposed create or update of a stack, its changes computed
// against the stack's current template, kept until executed or deleted.
// Namespace "cfn.changesets" (change set id -> record); in memory under one
// mutex. Executing one starts the stack operation in the engine.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "services/cloudformation/engine.h"

namespace nimbus::services::cloudformation {

struct ChangeSet {
  std::string id;  // arn:aws:cloudformation:REGION:ACCOUNT:changeSet/NAME/UUID
  std::string name;
  std::string stack_id;
  std::string stack_name;
  std::string type;  // CREATE, UPDATE or IMPORT
  std::string status = "CREATE_COMPLETE";
  std::string execution_status = "AVAILABLE";
  std::string reason;
  std::string description;
  double created = 0;
  StackRequest request;
  json::array changes;          // [{Type: Resource, ResourceChange: {...}}]
  bool include_nested = false;  // IncludeNestedStacks
  // A nested change set's parent and root change set ids ("" for a root).
  std::string parent_id, root_id;
};

class ChangeSets {
 public:
  explicit ChangeSets(Environment& env) : env_(env) {}
  Status start();

  // Stores `cs` (durable before `done`).
  void put(ChangeSet cs, std::function<void(Status)> done);
  // By id, or by name within the stack named (name or id) `stack`.
  std::optional<ChangeSet> find(std::string_view name_or_id, std::string_view stack_id) const;
  std::vector<ChangeSet> of_stack(std::string_view stack_id) const;
  // The nested change sets whose root is `root_id`.
  std::vector<ChangeSet> nested_in(std::string_view root_id) const;
  // Forgets `id` at once; its record is deleted in the background (a
  // change set lost to a crash is one the caller could delete again).
  void erase(const std::string& id);

 private:
  Environment& env_;
  mutable Mutex mu_;
  std::map<std::string, ChangeSet> sets_ GUARDED_BY(mu_);
};

// The changes `next` makes to the stack's current template (`current`
// null for a new stack): Add, Remove, Modify with Replacement.
json::array compute_changes(const StackState* current, const Prepared& next);

}  // namespace nimbus::services::cloudformation
