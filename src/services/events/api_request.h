// The HTTP requests of API destinations, built as plain values (no I/O, so
// they are tested without a network):
//   - invocation(): an event's request to the destination's endpoint, with
//     the path wildcards filled, the rule target's and the connection's
//     headers, query strings and body parameters, and the connection's
//     authorization (Basic, API key, or an OAuth bearer token given here);
//   - token_request() / parse_token(): the OAuth client-credentials grant;
//   - outcome(): an endpoint's answer as a delivery Outcome (2xx accepted;
//     401, 407, 409, 429 and 5xx retried; other answers refused), as
//     EventBridge documents for API destinations.
// A rule target's HttpParameters travel with a queued delivery as one
// attribute (kHttpParametersAttribute, JSON), resolved against the event
// when it is routed (http_parameters_attribute()).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "common/result.h"
#include "events/delivery.h"
#include "http/client.h"
#include "services/events/destinations.h"

namespace nimbus::services::eventbridge {

inline constexpr const char* kHttpParametersAttribute = "EventBridge.HttpParameters";
// API destinations answer within this or the attempt fails (and is retried).
inline constexpr std::chrono::milliseconds kInvocationTimeout{5'000};

// Validates a target's HttpParameters (PathParameterValues: strings;
// HeaderParameters, QueryStringParameters: maps of strings).
Status check_http_parameters(const boost::json::value& params);
// The attribute carrying `params` for `event`: values that are JSON paths
// ("$.detail.id") replaced by what they select in the event.
::nimbus::events::Attribute http_parameters_attribute(const boost::json::object& params,
                                                      const boost::json::value& event);

// The request for one event. `token` is the OAuth access token (OAuth
// connections only). Fails (INVALID_PARAMETER) when the endpoint has more
// `*` wildcards than the target has PathParameterValues.
Result<http::ClientRequest> invocation(const ApiDestination& d, const Connection& c,
                                       const ::nimbus::events::Delivery& delivery,
                                       const std::string& token);

// Adds connection `c`'s invocation parameters (QueryStringParameters,
// HeaderParameters, BodyParameters of a JSON object body) and its
// authorization (`token` for OAuth) to `r`, over what `r` has.
void add_connection(const Connection& c, const std::string& token, http::ClientRequest& r);

// The OAuth client-credentials request of an OAuth connection.
http::ClientRequest token_request(const Connection& c);
struct Token {
  std::string value;
  int64_t expires_in_s = 3600;
};
// The access token of the authorization server's answer.
Result<Token> parse_token(const http::ClientResponse& r);

// An endpoint's answer, or the client's failure, as a delivery outcome.
::nimbus::events::Outcome outcome(const Result<http::ClientResponse>& r);

// A delivery failure whose code is one of the ERROR_CODE values EventBridge
// writes on dead-letter messages (never an API error).
::nimbus::events::Outcome delivery_failure(::nimbus::events::Failure kind, std::string code,
                                           std::string message);

}  // namespace nimbus::services::eventbridge
