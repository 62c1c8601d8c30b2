// What API Gateway asks of the server to authorize AWS_IAM user requests
// (REST methods, HTTP API routes, function URLs): the server's SigV4
// verifier, the one every AWS API request goes through, set once at
// start-up (server/app.cc) before requests arrive.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"

namespace nimbus::services::apigateway {

// Who signed a request.
struct Caller {
  std::string access_key_id;
  bool root = false;  // the server's configured pair (the account's root)
  std::string account_id;
  std::string principal_arn;  // arn:aws:iam::ACCOUNT:user/alice, ...:assumed-role/R/s, ...:root
  std::string principal_id;   // AIDA..., AROA...:session, or the account id for the root
};

class RequestVerifier {
 public:
  virtual ~RequestVerifier() = default;
  // Verifies `request`'s SigV4 signature (its whole body in request.body)
  // for signing name `service` ("execute-api", "lambda"). The caller, or an
  // error with the verifier's AWS code (MissingAuthenticationToken,
  // InvalidClientTokenId, SignatureDoesNotMatch, IncompleteSignature,
  // ExpiredToken, RequestExpired, ...). Any thread; never blocks.
  virtual Result<Caller> verify(http::Request& request, std::string_view service) const = 0;
};

}  // namespace nimbus::services::apigateway
