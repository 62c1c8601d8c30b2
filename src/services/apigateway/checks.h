// The checks a control handler and the OpenAPI import (openapi.h) both
// apply to what they store, with AWS's BadRequestException messages, and
// the defaults of a new API.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "common/result.h"

namespace nimbus::services::apigateway {

// An HTTP API integration; fills the defaults (PayloadFormatVersion 1.0
// for non-Lambda types, TimeoutInMillis, ConnectionType, IntegrationMethod).
Status check_http_integration(boost::json::object& integration);  // http_api_handlers.cc
// An HTTP API authorizer (REQUEST or JWT).
Status check_http_authorizer(const boost::json::object& authorizer);  // http_authorizer_handlers.cc
// A REST API authorizer (TOKEN, REQUEST, COGNITO_USER_POOLS).
Status check_rest_authorizer(const boost::json::object& authorizer);  // authorizer_handlers.cc
// A new HTTP API's members with their defaults (ApiEndpoint nimbus's
// address for the API).
boost::json::object new_http_api(const std::string& endpoint_url, const std::string& id,
                                 double now);  // http_api_handlers.cc
// "http://127.0.0.1:4566" -> "http://{id}.execute-api.localhost:4566".
std::string api_endpoint(const std::string& endpoint_url,
                         const std::string& id);  // http_api_handlers.cc
// A new REST API's members with their defaults.
boost::json::object new_rest_api(const std::string& id, const std::string& root,
                                 double now);  // rest_handlers.cc
// A REST API's members as an answer shows them: its saved `policy`
// escaped as AWS answers it (shown_rest_policy, resource_policy.h).
boost::json::object shown_rest_api(boost::json::object api);  // rest_handlers.cc
// A REST API integration's type and uri.
Status check_rest_integration(const std::string& type, const std::string& uri);  // rest_handlers.cc

}  // namespace nimbus::services::apigateway
