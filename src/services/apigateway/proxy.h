// Lambda proxy integrations: the event a function receives (payload format
// 2.0 for HTTP APIs and function URLs; 1.0 for HTTP APIs that ask for it and
// for REST APIs) and the HTTP response made of its answer. Pure functions on
// values (fuzzed by fuzz/apigw_proxy_fuzz.cc through the response mappers).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/apigateway/api.h"
#include "services/service.h"  // http::Request, http::Response

namespace nimbus::services::apigateway {

// What the gateway knows about one request when it calls the function.
struct ProxyRequest {
  const http::Request* request = nullptr;  // method, headers (lower-case), query, body
  std::string path;                        // the path as the API sees it (without the stage)
  std::string raw_path;                    // the path as sent on the API's host (with the stage)
  std::string api_id, stage, account_id, request_id, domain_name;
  std::string route_key;      // HTTP APIs: "GET /pets/{id}"; REST: unused
  std::string resource_path;  // REST: "/pets/{id}"; HTTP API 1.0: the route's path
  std::string resource_id;    // REST: the resource's id
  std::map<std::string, std::string> path_params;
  std::map<std::string, std::string> stage_variables;
  // $context variables beyond the gateway's own (TestInvokeAuthorizer's
  // additionalContext), read by identity sources `context.X`.
  std::map<std::string, std::string> extra_context;
  int64_t time_ms = 0;       // when the gateway received it
  bool binary_body = false;  // send the body base64-encoded
  bool http_api = true;      // 1.0 events of HTTP APIs carry "version":"1.0"
  // requestContext.authorizer, set when an authorizer allowed the request.
  std::optional<boost::json::object> authorizer;
  // Who signed the request, when AWS_IAM authorization let it through:
  // requestContext.identity (1.0) or requestContext.authorizer.iam (2.0).
  std::optional<Caller> caller;
  // REST: why request validation refused it ($context.error.validationErrorString).
  std::string validation_error;
};

// The query string as AWS hands it: names and values decoded, '+' a space.
std::vector<std::pair<std::string, std::string>> query_pairs(std::string_view q);

// Textual content types keep their bodies as text in 2.0 events.
bool is_text_content(std::string_view content_type);
// "12/Mar/2020:19:03:58 +0000"
std::string clf_time(int64_t epoch_ms);
// The peer's address without its port.
std::string source_ip(const std::string& remote);

std::string event_v2(const ProxyRequest& r);
std::string event_v1(const ProxyRequest& r);

// The response of a format 2.0 answer: a JSON object with statusCode is
// taken apart; any other JSON is a 200 application/json body as is.
// nullopt when the answer is malformed.
std::optional<http::Response> response_v2(std::string_view payload);
// A format 1.0 answer must be an object with statusCode (headers,
// multiValueHeaders, body, isBase64Encoded); nullopt when malformed.
std::optional<http::Response> response_v1(std::string_view payload);

}  // namespace nimbus::services::apigateway
