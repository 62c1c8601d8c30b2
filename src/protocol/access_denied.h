// How each service words a refusal by IAM: AccessDenied (awsQuery,
// restXml, query-compatible awsJson) or AccessDeniedException (JSON
// protocols), SNS's AuthorizationError. The router answers clients with
// it; in-process wire calls made as a role (services/in_process.h) too.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "common/result.h"
#include "protocol/engine.h"

namespace nimbus::protocol {

// The error (status 403) refusing `call` with IAM's `message`.
Error access_denied(const Call& call, std::string message);

}  // namespace nimbus::protocol
