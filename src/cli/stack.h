// `nimbus deploy`'s CloudFormation side, over the awsQuery API as
// `aws cloudformation deploy` and `sam deploy` use it: a change set (CREATE
// or UPDATE), executed, with the stack's events printed as they come.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "common/result.h"

namespace nimbus::cli {

struct StackDeploy {
  std::string stack_name;
  std::string template_body;
  std::vector<std::pair<std::string, std::string>> overrides;  // --parameter-overrides
  std::set<std::string> declared;  // the template's Parameters (previous values kept)
  // Where a resource is in the template ("template.yaml line 12"), or "".
  std::function<std::string(const std::string& logical_id)> locate;
};

// Creates or updates the stack through a change set (capabilities IAM,
// NAMED_IAM and AUTO_EXPAND), prints one line per stack event until it
// settles, then its outputs. 0 when it succeeded or there was nothing to
// change; 1 on failure, with the reason on `err`. A stack left in
// ROLLBACK_COMPLETE by a failed create is deleted first, as `sam deploy`
// does. Blocks (polls every 50 ms).
int deploy_stack(Client& client, const StackDeploy& deploy, std::ostream& out, std::ostream& err);

// The stack's resources: logical id -> physical id.
Result<std::map<std::string, std::string>> stack_resources(Client& client,
                                                           const std::string& stack);

}  // namespace nimbus::cli
