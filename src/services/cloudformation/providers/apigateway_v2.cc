// AWS::ApiGatewayV2::Api (with an OpenAPI Body: ImportApi / ReimportApi),
// Stage, Route, Integration, Authorizer and Deployment, through the
// apigatewayv2 operations. The template's property names are the model's.
#include "common/json_fields.h"
#include "services/cloudformation/providers/apigateway_util.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

constexpr std::string_view kModel = "apigatewayv2";

using apigw::gone_ok;
using apigw::status_of;

// ---- AWS::ApiGatewayV2::Api (physical id: ApiId)

const std::vector<std::string_view> kApiSettings = {"Name",
                                                    "Description",
                                                    "CorsConfiguration",
                                                    "DisableExecuteApiEndpoint",
                                                    "DisableSchemaValidation",
                                                    "ApiKeySelectionExpression",
                                                    "RouteSelectionExpression",
                                                    "Version"};

Provided api(const json::object& out) {
  std::string id = str(out, "ApiId");
  return {id, json::object{{"ApiId", id}, {"ApiEndpoint", str(out, "ApiEndpoint")}}};
}

// The settings the template gives beside its Body (they win over the
// document's), then the answer.
void apply_settings(const ResourceRequest& r, const std::string& id, ProvideDone done) {
  json::object in{{"ApiId", id}};
  provide::copy(r.properties, in, kApiSettings);
  r.call(kModel, "UpdateApi", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    done(api(*out));
  });
}

bool has_body(const ResourceRequest& r) {
  return r.properties.contains("Body") || r.properties.contains("BodyS3Location");
}

void create_api(const ResourceRequest& r, ProvideDone done) {
  if (has_body(r)) {
    // ImportApi takes no tags: they go on after it.
    done = apigw::retagged(r, kModel, "apis/", std::move(done));
    return apigw::api_body(r, [r, done](Result<std::string> body) {
      if (!body) return done(body.take_error());
      json::object in{{"Body", std::move(*body)}};
      provide::copy(r.properties, in, {"FailOnWarnings", "Basepath"});
      r.call(kModel, "ImportApi", std::move(in), [r, done](Output out) {
        if (!out) return done(out.take_error());
        apply_settings(r, str(*out, "ApiId"), done);
      });
    });
  }
  json::object in;
  provide::copy(r.properties, in, kApiSettings);
  provide::copy(r.properties, in, {"ProtocolType", "Target", "RouteKey", "CredentialsArn", "Tags"});
  r.call(kModel, "CreateApi", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    done(api(*out));
  });
}

// A changed Body or BodyS3Location (the object may have changed under the
// same location: it is read again whenever the location is given) is
// re-imported, then the settings applied.
void update_api(const ResourceRequest& r, ProvideDone done) {
  done = apigw::retagged(r, kModel, "apis/", std::move(done));
  const auto* body = r.properties.if_contains("Body");
  const auto* old_body = r.old_properties.if_contains("Body");
  bool changed = r.properties.contains("BodyS3Location") ||
                 (body != nullptr && (old_body == nullptr || *body != *old_body));
  if (!changed) return apply_settings(r, r.physical_id, done);
  apigw::api_body(r, [r, done](Result<std::string> text) {
    if (!text) return done(text.take_error());
    json::object in{{"ApiId", r.physical_id}, {"Body", std::move(*text)}};
    provide::copy(r.properties, in, {"FailOnWarnings", "Basepath"});
    r.call(kModel, "ReimportApi", std::move(in), [r, done](Output out) {
      if (!out) return done(out.take_error());
      apply_settings(r, r.physical_id, done);
    });
  });
}

void delete_api(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteApi", json::object{{"ApiId", r.physical_id}},
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

// ---- children of an API: one create / update / delete operation each,
// the API's id in ApiId and the child's id as the physical id.

struct Child {
  const char* create;
  const char* update;
  const char* remove;
  const char* id_member;  // in the answer and the update/delete input
  std::vector<std::string_view> settings;
};

const Child kStage{
    "CreateStage",
    "UpdateStage",
    "DeleteStage",
    "StageName",
    {"StageName", "AutoDeploy", "DeploymentId", "Description", "StageVariables",
     "DefaultRouteSettings", "RouteSettings", "AccessLogSettings", "ClientCertificateId"}};
const Child kRoute{
    "CreateRoute",
    "UpdateRoute",
    "DeleteRoute",
    "RouteId",
    {"RouteKey", "Target", "AuthorizationType", "AuthorizerId", "AuthorizationScopes",
     "ApiKeyRequired", "OperationName", "RequestModels", "RequestParameters",
     "ModelSelectionExpression", "RouteResponseSelectionExpression"}};
const Child kIntegration{
    "CreateIntegration",
    "UpdateIntegration",
    "DeleteIntegration",
    "IntegrationId",
    {"IntegrationType", "IntegrationUri", "IntegrationMethod", "IntegrationSubtype",
     "PayloadFormatVersion", "ConnectionType", "ConnectionId", "CredentialsArn", "Description",
     "PassthroughBehavior", "RequestParameters", "RequestTemplates", "ResponseParameters",
     "TemplateSelectionExpression", "TimeoutInMillis", "TlsConfig", "ContentHandlingStrategy"}};
const Child kAuthorizer{
    "CreateAuthorizer",
    "UpdateAuthorizer",
    "DeleteAuthorizer",
    "AuthorizerId",
    {"Name", "AuthorizerType", "AuthorizerUri", "IdentitySource", "JwtConfiguration",
     "AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "AuthorizerResultTtlInSeconds",
     "AuthorizerCredentialsArn", "IdentityValidationExpression"}};
const Child kDeployment{
    "CreateDeployment", nullptr, "DeleteDeployment", "DeploymentId", {"Description", "StageName"}};

template <const Child& C>
void create_child(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"ApiId", str(r.properties, "ApiId")}};
  provide::copy(r.properties, in, C.settings);
  if (std::string_view(C.create) == "CreateStage") provide::copy(r.properties, in, {"Tags"});
  r.call(kModel, C.create, std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string id = str(*out, C.id_member);
    done(Provided{id, json::object{{C.id_member, id}}});
  });
}

template <const Child& C>
void update_child(const ResourceRequest& r, ProvideDone done) {
  if (std::string_view(C.update) == "UpdateStage") {
    done = apigw::retagged(r, kModel, "apis/" + str(r.properties, "ApiId") + "/stages/",
                           std::move(done));
  }
  json::object in{{"ApiId", str(r.properties, "ApiId")}, {C.id_member, r.physical_id}};
  provide::copy(r.properties, in, C.settings);
  in[C.id_member] = r.physical_id;
  r.call(kModel, C.update, std::move(in), [r, done](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{r.physical_id, r.attributes});
  });
}

template <const Child& C>
void delete_child(const ResourceRequest& r, RemoveDone done) {
  json::object in{{"ApiId", str(r.properties, "ApiId")}, {C.id_member, r.physical_id}};
  r.call(kModel, C.remove, std::move(in),
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

}  // namespace

const Provider kHttpApi{"AWS::ApiGatewayV2::Api", create_api, update_api, delete_api, {}};
const Provider kHttpStage{"AWS::ApiGatewayV2::Stage",
                          create_child<kStage>,
                          update_child<kStage>,
                          delete_child<kStage>,
                          {"ApiId", "StageName"}};
const Provider kHttpRoute{"AWS::ApiGatewayV2::Route",
                          create_child<kRoute>,
                          update_child<kRoute>,
                          delete_child<kRoute>,
                          {"ApiId"}};
const Provider kHttpIntegration{"AWS::ApiGatewayV2::Integration",
                                create_child<kIntegration>,
                                update_child<kIntegration>,
                                delete_child<kIntegration>,
                                {"ApiId"}};
const Provider kHttpAuthorizer{"AWS::ApiGatewayV2::Authorizer",
                               create_child<kAuthorizer>,
                               update_child<kAuthorizer>,
                               delete_child<kAuthorizer>,
                               {"ApiId"}};
// A deployment is immutable: any change makes a new one.
const Provider kHttpDeployment{"AWS::ApiGatewayV2::Deployment",
                               create_child<kDeployment>,
                               nullptr,
                               delete_child<kDeployment>,
                               {}};

}  // namespace nimbus::services::cloudformation::providers
