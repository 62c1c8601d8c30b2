// HTTP and HTTP_PROXY integrations: the request the gateway sends to an
// integration's URL and the answer it makes of the endpoint's (pure
// functions on values), and the outbound client both gateways share.
//
// Threads: Outbound::fetch() from any thread; the client runs its own loop
// (http/client.h), so no event loop waits on an endpoint, and `done` runs on
// the client's thread.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/client.h"
#include "services/apigateway/proxy.h"

namespace nimbus::services::apigateway {

// Headers a proxy does not forward in either direction (connection-level
// ones, and those the client or the edge writes itself).
bool hop_by_hop(std::string_view lower_name);

// `uri` with each {name} replaced by params[name], percent-encoded ('/'
// kept, so a greedy {proxy} value stays a path). Unknown names stay as is.
std::string substitute_uri(const std::string& uri,
                           const std::map<std::string, std::string>& params);

// The value of a REST mapping expression: a 'literal',
// method.request.{path,querystring,header}.N, stageVariables.N, or
// context.P (a path into `context`, the request's $context, when given;
// else only context.requestId). nullopt when it names nothing the request
// has. Integration request parameters and gateway responses' headers both
// read their values here.
std::optional<std::string> rest_value(std::string_view expr, const ProxyRequest& p,
                                      const boost::json::object* context = nullptr);

// REST APIs. HTTP_PROXY forwards the method, the path parameters (into the
// uri), the query string, the headers and the body; HTTP sends the
// integration's httpMethod, the body (which the caller replaces by the
// mapped one: rest_mapping.h) and only what
// requestParameters map (integration.request.{path,querystring,header}.N
// from method.request.{path,querystring,header}.N, stageVariables.N or a
// 'literal'). The timeout is timeoutInMillis (29 s by default).
http::ClientRequest rest_request(const boost::json::object& integration, const ProxyRequest& p);

// HTTP APIs' HTTP_PROXY: the request as sent, to IntegrationUri with the
// route's path variables substituted (a uri without a path gets the
// request's path), then RequestParameters applied ("overwrite:header.N",
// "append:querystring.N", "remove:header.N", "overwrite:path"; values with
// $request.header.N, $request.querystring.N, $request.path.N,
// $request.path, $context.requestId, $stageVariables.N).
http::ClientRequest http_api_request(const boost::json::object& integration, const ProxyRequest& p);

// HTTP API parameter values: text with $request.header.N,
// $request.querystring.N, $request.path.N, $request.path, $context.requestId
// and $stageVariables.N replaced by what the request has (empty when not).
std::string http_api_value(std::string_view text, const ProxyRequest& p);

// HTTP_PROXY: the endpoint's answer as it came, without hop-by-hop headers.
http::Response relay(http::ClientResponse from);

// method.response.header.N = 'literal' (or a value `lookup` gives for
// another expression) of an integration response, set on `resp`.
void apply_response_parameters(
    const boost::json::object& integration_response, http::Response& resp,
    const std::function<std::optional<std::string>(std::string_view)>& lookup);

// What AWS answers when the endpoint cannot be reached or took too long:
// REST 504 {"message":"Endpoint request timed out"} / 500 "Internal server
// error"; HTTP APIs 503 {"message":"Service Unavailable"} / 500 "Internal
// Server Error".
http::Response endpoint_failure(const Error& e, bool http_api);

// The outbound client, made at the first request (most servers never
// need it).
class Outbound {
 public:
  void fetch(http::ClientRequest request, http::FetchDone done);

 private:
  std::once_flag once_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace nimbus::services::apigateway
