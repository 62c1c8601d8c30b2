// What other services ask of EventBridge in-process: Step Functions' HTTP
// Task (arn:aws:states:::http:invoke) sends its requests through an
// EventBridge connection, authorized as the connection says.
#pragma once

#include <string>

#include "http/client.h"

namespace nimbus::services::eventbridge {

class Connections {
 public:
  virtual ~Connections() = default;
  // Sends `request` with connection `arn`'s invocation parameters (headers,
  // query strings, body parameters of a JSON body) and its authorization:
  // Basic, API key, or an OAuth client-credentials token, fetched and kept
  // as for API destinations (a 401 fetches a new one, once). Errors, besides
  // the client's (http/client.h): "ConnectionNotFound", and
  // "ConnectionNotAuthorized" (DEAUTHORIZED, or its OAuth server refused).
  virtual void send(const std::string& arn, http::ClientRequest request, http::FetchDone done) = 0;
};

}  // namespace nimbus::services::eventbridge
