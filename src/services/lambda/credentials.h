// Execution roles as IAM holds them: every new execution environment gets
// the temporary credentials of a session of its function's role
// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION), and under
// `--iam enforce` CreateFunction and UpdateFunctionConfiguration refuse a
// role Lambda may not assume, as AWS does.
//
// Freshness: sessions last an hour; one is handed to new environments of
// its function while at least kReuseWhileLeft of it remains (minting is a
// durable write, so not one per cold start). The pool never gives an
// invocation to an environment whose credentials expire within the
// function's timeout plus 5 minutes, and its reclaim tick ends idle ones
// past that point: no environment runs with expired keys.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "runtime/types.h"
#include "services/iam/api.h"

namespace nimbus::services::lambda {

class RoleSessions {
 public:
  static constexpr std::chrono::seconds kSessionLength{3600};
  // Past the pool's bound (timeout ≤ 15 min + 5 min): an environment
  // started with a cached session serves for at least 10 minutes.
  static constexpr std::chrono::minutes kReuseWhileLeft{30};

  RoleSessions(iam::Directory& iam, const Clock& clock) : iam_(iam), clock_(clock) {}

  // The credentials of a session of spec.role_arn named for the function.
  // Blocks while IAM mints one (the runtime calls it on a spawn worker).
  // With --iam enforce the role must exist and trust lambda.amazonaws.com;
  // with --iam off a role IAM does not know still gets a session (it
  // authenticates; nothing is evaluated).
  Result<runtime::RoleCredentials> credentials(const runtime::FunctionSpec& spec);

  // InvalidParameterValueException when enforcing and Lambda may not
  // assume `role_arn`; always ok with --iam off or audit.
  Status check(const std::string& role_arn) const;

 private:
  iam::Directory& iam_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, iam::TemporaryCredentials> cache_;  // role + '\n' + function
};

}  // namespace nimbus::services::lambda
