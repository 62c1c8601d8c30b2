// AWS_IAM authorization of user requests: the SigV4 signature checked by
// the server's verifier (api.h), then, under `--iam enforce`, the caller's
// policies asked for the action on the resource (execute-api:Invoke on the
// method ARN; lambda:InvokeFunctionUrl on the function's ARN). Refusals
// are AWS's: REST and HTTP APIs 403 {"message":"Missing Authentication
// Token"}, {"message":"The security token included in the request is
// invalid."}, {"message":"The request signature we calculated does not
// match ..."}, {"Message":"User: ARN is not authorized to perform:
// execute-api:Invoke on resource: ARN"}; function URLs 403
// {"Message":"Forbidden"} for all of them.
//
// A REST API's resource policy (resource_policy.h), when it has one, joins
// the decision as AWS's tables for IAM authentication have it: an explicit
// deny in it refuses; under enforcement the caller's policies and it are
// evaluated together (same account: an allow in either suffices; another
// account: both must allow); otherwise the caller's own policies are not
// asked and count as allowing, so only its explicit deny (or, for another
// account's caller, its silence) refuses.
//
// Threads: check() from any thread; never blocks.
#pragma once

#include <optional>
#include <string>

#include "services/apigateway/api.h"
#include "services/apigateway/resource_policy.h"
#include "services/iam/api.h"

namespace nimbus::services::apigateway {

class IamAuth {
 public:
  enum class Kind { kExecuteApi, kFunctionUrl };

  // Both may be null (unit tests, tools): every AWS_IAM request is then
  // refused as unsigned.
  void use(const RequestVerifier* verifier, const iam::Directory* iam) {
    verifier_ = verifier;
    iam_ = iam;
  }

  // The directory given to use() (null when none).
  const iam::Directory* directory() const { return iam_; }

  // nullopt and `caller` set when `request` may go on; else the refusal.
  // `policy` (may be null) is the REST API's resource policy; `who` the
  // request's invoker (source address, time), its caller filled in here.
  std::optional<http::Response> check(
      http::Request& request, Kind kind, const std::string& action, const std::string& resource,
      const std::string& region, Caller& caller,
      const std::shared_ptr<const nimbus::iam::Policy>& policy = nullptr, Invoker who = {}) const;

 private:
  const RequestVerifier* verifier_ = nullptr;
  const iam::Directory* iam_ = nullptr;
};

}  // namespace nimbus::services::apigateway
