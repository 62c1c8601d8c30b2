// The dependency graph of a template's resources: each resource depends on
// those its properties name (Ref, Fn::GetAtt, Fn::Sub variables) and those
// its DependsOn lists. Built from the template as written (both branches of
// an Fn::If count, as AWS counts them), checked for names that resolve to
// nothing and for cycles, with AWS's messages.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/cloudformation/template/template.h"

namespace nimbus::cfn {

struct Graph {
  using Ids = std::set<std::string, std::less<>>;
  // Logical id -> the logical ids of the resources it depends on.
  std::map<std::string, Ids, std::less<>> depends_on;
  // Every logical id, each after everything it depends on (ties in
  // template order), so creating in this order (or deleting in reverse)
  // is always valid; the engine runs independent ones concurrently.
  std::vector<std::string> order;

  // The resources that depend on `id`.
  Ids dependents(std::string_view id) const;
};

// Checks that every Ref, Fn::GetAtt, Fn::Sub variable and DependsOn in
// Resources and Outputs names a parameter, a pseudo parameter or a resource
// ("Template format error: Unresolved resource dependencies [X] in the
// Resources block of the template"), and that no cycle exists ("Circular
// dependency between resources: [A, B]").
Result<Graph> dependency_graph(const Template& t);

}  // namespace nimbus::cfn
