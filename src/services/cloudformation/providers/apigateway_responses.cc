// AWS::ApiGateway::GatewayResponse through PutGatewayResponse (create and
// update: a put replaces the type's response whole) and
// DeleteGatewayResponse. Physical id: RESTAPI|TYPE, as the method's is.
// Like every gateway response, it takes effect with the API's next
// deployment.
#include "common/json_fields.h"
#include "services/cloudformation/providers/apigateway_util.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using apigw::gone_ok;
using apigw::kModel;
using apigw::status_of;

void put_response(const ResourceRequest& r, ProvideDone done) {
  const auto& p = r.properties;
  std::string api = str(p, "RestApiId"), type = str(p, "ResponseType");
  json::object in{{"restApiId", api}, {"responseType", type}};
  // The maps' keys are the user's (header names, media types): kept as they are.
  for (auto [prop, member] : {std::pair{"StatusCode", "statusCode"},
                              {"ResponseParameters", "responseParameters"},
                              {"ResponseTemplates", "responseTemplates"}}) {
    if (has(p, prop)) in[member] = p.at(prop);
  }
  if (const auto* code = in.if_contains("statusCode"); code != nullptr && !code->is_string())
    in["statusCode"] = provide::text(*code);
  r.call(kModel, "PutGatewayResponse", std::move(in), [api, type, done](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{api + "|" + type, json::object()});
  });
}

void delete_response(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteGatewayResponse",
         json::object{{"restApiId", str(r.properties, "RestApiId")},
                      {"responseType", str(r.properties, "ResponseType")}},
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

}  // namespace

const Provider kGatewayResponse{"AWS::ApiGateway::GatewayResponse",
                                put_response,
                                put_response,
                                delete_response,
                                {"RestApiId", "ResponseType"}};

}  // namespace nimbus::services::cloudformation::providers
