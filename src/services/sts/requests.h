// AssumeRole's and GetSessionToken's inputs read and checked against STS's
// model constraints (ValidationError listing every violation, as AWS
// does), the session policy validated (MalformedPolicyDocument) and
// packed (PackedPolicyTooLarge). Pure functions of the input: the fuzzer
// fuzz/sts_request_fuzz.cc drives them.
#pragma once

#include <boost/json.hpp>

#include "common/result.h"
#include "services/iam/api.h"
#include "services/sts/validate.h"

namespace nimbus::services::sts {

struct AssumeRoleInput {
  iam::AssumeRoleRequest request;  // without the caller
  bool report_packed = false;      // a Policy or Tags were given
  int packed_percent = 0;          // PackedPolicySize
};

// `check` may hold another operation's violations already: all are
// reported together.
Result<AssumeRoleInput> read_assume_role(const boost::json::object& in, Constraints check = {});

// AssumeRoleWithWebIdentity: AssumeRole's members it shares (RoleArn,
// RoleSessionName, DurationSeconds, Policy, PolicyArns) and the token.
struct WebIdentityInput {
  AssumeRoleInput assume;
  std::string token;
  std::string provider_id;  // OAuth 2.0 providers only; OIDC tokens have none
};
Result<WebIdentityInput> read_web_identity(const boost::json::object& in);
Result<iam::SessionTokenRequest> read_session_token(const boost::json::object& in);

}  // namespace nimbus::services::sts
