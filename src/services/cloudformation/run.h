// An operation in progress on one stack (engine.h): its kind, the prepared
// template it works towards, and the resources started and done. In memory
// only: after a restart the engine computes what is left from the stack
// record (see engine.h).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "services/cloudformation/engine.h"

namespace nimbus::services::cloudformation {

struct Engine::Run {
  // CREATE, UPDATE: forward, towards `prepared`. ROLLBACK (of a create),
  // DELETE, UPDATE_ROLLBACK, CLEANUP (after an update): teardown, one
  // resource at a time in `order`.
  std::string kind;
  Prepared prepared;
  PrepareInput input;
  std::set<std::string> done;                        // forward: complete (or unchanged)
  std::set<std::string> in_flight;                   // a provider call is running
  std::vector<std::string> failed;                   // logical ids that failed
  std::vector<std::string> order;                    // teardown order
  std::vector<std::function<void(Status)>> waiting;  // answered when the run ends
};

}  // namespace nimbus::services::cloudformation
