// REST APIs' gateway responses: how the gateway's own error answers look
// (missing resource, throttled, refused by an authorizer or a validator,
// integration failures). Each of AWS's response types has a default status;
// an API may customize a type's statusCode, responseParameters
// (gatewayresponse.header.N) and responseTemplates (Velocity, with
// $context.error.*). They are stored in the API's document and copied into
// a deployment when it is made, so a stage answers with its deployment's.
//
// The data plane marks the answers it makes itself (mark_gateway_error);
// the REST data plane's one exit applies the deployed gateway response to
// marked answers only, so an integration's own 4XX/5XX passes untouched.
//
// Pure functions on values; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "services/apigateway/proxy.h"
#include "services/apigateway/rest_mapping.h"

namespace nimbus::services::apigateway {

// AWS's response types in its order, with their default status codes
// ("" for DEFAULT_4XX and DEFAULT_5XX, which have none).
struct GatewayResponseType {
  std::string_view name;
  std::string_view status;
};
const std::vector<GatewayResponseType>& gateway_response_types();
const GatewayResponseType* find_gateway_response_type(std::string_view name);

// What Get(Gateway)Response(s) shows for `type`: the API's own (`stored`,
// defaultResponse false) or AWS's default one (defaultResponse true).
boost::json::object gateway_response_view(const GatewayResponseType& type,
                                          const boost::json::object* stored);

// The stored form of a PutGatewayResponse input, or BadRequestException
// for a malformed statusCode or response parameter.
Result<boost::json::object> gateway_response_of(const boost::json::object& in);

// UpdateGatewayResponse's patch operations (replace /statusCode; add,
// replace, remove /responseParameters/N and /responseTemplates/TYPE with
// `~1` for `/`) applied to `response` (its current view); nothing changes
// when one fails.
Status patch_gateway_response(boost::json::object& response, const boost::json::value* ops);

// Marks `resp` as the gateway's own error answer, of `type` when the maker
// knows it better than its status and body tell. The mark is a header
// whose name is not a valid field name, so the edge never writes it.
void mark_gateway_error(http::Response& resp, std::string_view type = "");

// The response type of a marked answer (the mark removed), nullopt for an
// unmarked one (an integration's).
std::optional<std::string> take_gateway_error(http::Response& resp);

// The answer for the gateway's error `error` of `type`: the deployed
// gateway response of that type, else DEFAULT_4XX / DEFAULT_5XX by the
// error's status, applied (its statusCode, else the error's status; its
// header parameters; its template for the Accept type rendered with
// $context.error.message/messageString/responseType, else the error's own
// body); `error` as it is when the API customized neither. `responses` are
// the deployment's (by type), whose templates `mappings` compiled.
http::Response apply_gateway_response(const boost::json::object* responses,
                                      const Mappings& mappings, const std::string& type,
                                      http::Response error, const ProxyRequest& p);

}  // namespace nimbus::services::apigateway
