// CORS as the gateway answers it for an HTTP API's CorsConfiguration and a
// function URL's Cors (both have the members AllowOrigins, AllowMethods,
// AllowHeaders, ExposeHeaders, MaxAge, AllowCredentials): the preflight
// answer, and the headers added to every other response. Pure functions.
#pragma once

#include <boost/json.hpp>
#include <optional>

#include "services/service.h"  // http::Request, http::Response

namespace nimbus::services::apigateway {

// A preflight (OPTIONS with Origin and Access-Control-Request-Method) when
// `cors` is configured: 204 with the allowed origin, methods, headers and
// max age (no Allow-* headers when the origin or method is not allowed).
// nullopt when the request is not a preflight or `cors` is empty.
std::optional<http::Response> cors_preflight(const boost::json::object& cors,
                                             const http::Request& request);
// Adds Access-Control-Allow-Origin (and -Credentials, -Expose-Headers) to
// `response` when the request's Origin is allowed.
void add_cors_headers(const boost::json::object& cors, const http::Request& request,
                      http::Response& response);

}  // namespace nimbus::services::apigateway
