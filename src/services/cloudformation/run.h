// An operation in progress on one stack (engine.h): its kind, the prepared
// template it works towards, and the resources started and done. In memory
// only: after a restart the engine computes what is left from the stack
// record (see engine.h).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/cloudformation/engine.h"

namespace nimbus::services::cloudformation {

struct Engine::Run {
  // CREATE, UPDATE, IMPORT: forward, towards `prepared`. ROLLBACK (of a
  // create), DELETE, UPDATE_ROLLBACK, IMPORT_ROLLBACK, CLEANUP (after an
  // update): teardown, one resource at a time in `order`.
  std::string kind;
  Prepared prepared;
  PrepareInput input;
  std::set<std::string> done;                        // forward: complete (or unchanged)
  std::set<std::string> in_flight;                   // a provider call is running
  std::vector<std::string> failed;                   // logical ids that failed
  std::vector<std::string> order;                    // teardown order
  std::vector<std::function<void(Status)>> waiting;  // answered when the run ends
  // An update's StackPolicyDuringUpdateBody (in place of the stack's policy).
  std::optional<std::string> policy_during_update;
  bool deletes_checked = false;  // an update's removals checked against the policy
  // Forward: a resource as it was before its replacement started (what
  // becomes an orphan when no earlier state holds it).
  std::map<std::string, ResourceState> replaced;
  // An update from UPDATE_FAILED or CREATE_FAILED: the failed operation's
  // processed template, whose DeletionPolicy keeps (Retain, Snapshot) what
  // that operation made when this update replaces or drops it.
  json::object failed_template;
  bool orphan_in_flight = false;  // teardown: the first orphan is being deleted
  // IMPORT: the resources read into the stack (StackRequest::imports).
  std::map<std::string, std::string> imports;
};

// The resources of the stack's previous state (an update's starting point).
std::map<std::string, ResourceState> previous_resources(const StackState& s);
// Makes orphans (StackState::orphans) of the previous state's resources
// that no current resource holds (what a failed update replaced), except
// those the previous template retains; forgets them in `previous`.
void adopt_previous(StackState& s);

// The names of the live stacks whose templates import `export_name`
// (StackState::imports), and AWS's way of listing them in a message
// ("a", "a and b", "a, b and c").
std::vector<std::string> importers_of(const std::map<std::string, StackState>& stacks,
                                      const std::string& export_name);
std::string names_and(const std::vector<std::string>& names);

}  // namespace nimbus::services::cloudformation
