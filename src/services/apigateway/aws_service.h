// AWS integrations to other services than Lambda: the service and the
// action or path an integration URI names
// (arn:aws:apigateway:{region}:{subdomain.}{service}:action/{Action} or
// ...:path/{path}), and the integration request a REST method request
// becomes (httpMethod, requestParameters, the mapped body), which
// OperationCalls::call_wire hands to the service in its own wire form;
// and HTTP APIs' first-class AWS integrations (AWS_PROXY with an
// IntegrationSubtype such as SQS-SendMessage), whose RequestParameters
// become the operation's input.
//
// Pure functions on values; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"
#include "services/apigateway/proxy.h"
#include "services/operation_calls.h"

namespace nimbus::services::apigateway {

struct ServiceUri {
  std::string region;
  std::string service;  // "sqs", "dynamodb", "states" (a subdomain dropped)
  std::string action;   // action/NAME: "SendMessage"; empty for path/
  std::string path;     // path/P: "/123456789012/queue" (with its query); "/" for action/
};

// nullopt for anything but an arn:aws:apigateway service URI with a region,
// a service and a non-empty action or path (Lambda's invocation URIs
// included: the caller tells them apart first).
std::optional<ServiceUri> parse_service_uri(std::string_view uri);

// The integration request of a REST AWS integration: the integration's
// httpMethod (the method request's for ANY), the uri's path or "/" with
// integration.request.path.N substituted, integration.request.querystring.N
// as the query, integration.request.header.N as headers (the method
// request's Content-Type unless mapped), and `body` (the mapped one).
// nullopt when the uri is not a service URI.
struct ServiceRequest {
  ServiceUri uri;
  http::Request request;
};
std::optional<ServiceRequest> rest_service_request(const boost::json::object& integration,
                                                   const ProxyRequest& p, std::string body);

// The server's own address as a request to an API reached it (its Host
// without the "{apiId}.execute-api." in front), as the endpoint a called
// service writes its URLs with (SQS's queue URLs): "http://localhost:4566".
std::string endpoint_of(std::string_view host);

// Who an AWS integration's call is made as (OperationCalls::call_wire):
// the role its `credentials` (REST) or CredentialsArn (HTTP APIs) names,
// assumed by apigateway.amazonaws.com; none (the account's own call) for
// no credentials or "arn:aws:iam::*:user/*" (the caller's own, which
// nimbus does not pass on).
CallerRole integration_caller(std::string_view credentials);

// The execution log's line for a call_wire Error: the role that could not
// be assumed, or the service nimbus does not serve.
std::string configuration_error(const Error& error, std::string_view credentials);

// HTTP APIs: BadRequestException unless `integration` (an AWS_PROXY with
// IntegrationSubtype) names a subtype nimbus serves and its RequestParameters
// give every parameter the subtype requires and none it does not take.
Status check_subtype(const boost::json::object& integration);

// The awsJson request of a subtype integration: the operation's X-Amz-Target,
// its input built from RequestParameters (values with $request.header.N,
// $request.querystring.N, $request.path.N, $request.body.PATH, $request.body,
// $context.requestId and $stageVariables.N replaced; integer and list or map
// members read from their text; a blob base64-encoded), `Region` the call's
// region. nullopt when the subtype is not one nimbus serves.
std::optional<ServiceRequest> subtype_request(const boost::json::object& integration,
                                              const ProxyRequest& p, std::string_view region);

}  // namespace nimbus::services::apigateway
