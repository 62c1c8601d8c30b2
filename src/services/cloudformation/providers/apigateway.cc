// AWS::ApiGateway::RestApi (with an OpenAPI Body: ImportRestApi /
// PutRestApi), Deployment, Stage, Resource, Method and Authorizer, through
// the apigateway operations (camelCase members where the template has
// PascalCase properties). API keys and usage plans: apigateway_keys.cc.
#include <algorithm>
#include <set>

#include "common/json_fields.h"
#include "services/cloudformation/providers/apigateway_util.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"
#include "services/cloudformation/template/document.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using apigw::camel;
using apigw::gone_ok;
using apigw::kModel;
using apigw::status_of;

// ---- AWS::ApiGateway::RestApi (physical id: the REST API id)

// The template's settings written into the document, as the extensions
// the import reads, so that they win over the document's own.
json::object body_with_settings(const ResourceRequest& r, json::object body) {
  const auto& p = r.properties;
  if (has(p, "Name") || has(p, "Description")) {
    auto& info = body["info"];
    if (!info.is_object()) info = json::object();
    if (has(p, "Name")) info.as_object()["title"] = p.at("Name");
    if (has(p, "Description")) info.as_object()["description"] = p.at("Description");
  }
  for (auto [prop, ext] :
       {std::pair{"BinaryMediaTypes", "x-amazon-apigateway-binary-media-types"},
        {"ApiKeySourceType", "x-amazon-apigateway-api-key-source"},
        {"MinimumCompressionSize", "x-amazon-apigateway-minimum-compression-size"},
        {"Policy", "x-amazon-apigateway-policy"}}) {
    if (has(p, prop)) body[ext] = p.at(prop);
  }
  return body;
}

// The document with the template's settings written over it (a document
// that does not parse is passed on for the import to refuse).
void rest_body(const ResourceRequest& r, std::function<void(Result<std::string>)> done) {
  apigw::api_body(r, [r, done](Result<std::string> text) {
    if (!text) return done(text.take_error());
    auto doc = nimbus::cfn::parse_document(*text);
    if (!doc || !doc->is_object()) return done(std::move(*text));
    done(json::serialize(body_with_settings(r, std::move(doc->as_object()))));
  });
}

json::object import_parameters(const ResourceRequest& r) {
  json::object params;
  if (const auto* p = r.properties.if_contains("Parameters"); p != nullptr && p->is_object()) {
    for (const auto& [k, v] : p->as_object()) params[k] = provide::text(v);
  }
  if (const auto* ec = r.properties.if_contains("EndpointConfiguration");
      ec != nullptr && ec->is_object()) {
    auto types = string_list(ec->as_object(), "Types");
    if (!types.empty()) params["endpointConfigurationTypes"] = types.front();
  }
  return params;
}

Provided rest_api(const json::object& out) {
  std::string id = str(out, "id");
  return {id, json::object{{"RestApiId", id}, {"RootResourceId", str(out, "rootResourceId")}}};
}

void create_rest_api(const ResourceRequest& r, ProvideDone done) {
  if (r.properties.contains("Body") || r.properties.contains("BodyS3Location")) {
    // ImportRestApi takes no tags: they go on after it.
    done = apigw::retagged(r, kModel, "restapis/", std::move(done));
    return rest_body(r, [r, done](Result<std::string> body) {
      if (!body) return done(body.take_error());
      json::object in{{"body", std::move(*body)}, {"parameters", import_parameters(r)}};
      if (auto f = boolean(r.properties, "FailOnWarnings")) in["failOnWarnings"] = *f;
      r.call(kModel, "ImportRestApi", std::move(in), [done](Output out) {
        if (!out) return done(out.take_error());
        done(rest_api(*out));
      });
    });
  }
  json::object in{{"name", str(r.properties, "Name")}};
  for (auto [prop, member] : {std::pair{"Description", "description"},
                              {"BinaryMediaTypes", "binaryMediaTypes"},
                              {"ApiKeySourceType", "apiKeySource"},
                              {"MinimumCompressionSize", "minimumCompressionSize"},
                              {"DisableExecuteApiEndpoint", "disableExecuteApiEndpoint"}}) {
    if (has(r.properties, prop)) in[member] = r.properties.at(prop);
  }
  if (has(r.properties, "Policy")) in["policy"] = provide::text(r.properties.at("Policy"));
  if (const auto* ec = r.properties.if_contains("EndpointConfiguration"))
    in["endpointConfiguration"] = camel(*ec);
  auto tags = provide::tag_map(r.properties.if_contains("Tags"));
  if (!tags.empty()) in["tags"] = std::move(tags);
  r.call(kModel, "CreateRestApi", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    done(rest_api(*out));
  });
}

// An API without a document: the changed settings as UpdateRestApi patches.
void patch_rest_api(const ResourceRequest& r, ProvideDone done) {
  json::array ops;
  auto changed = [&](const char* prop) -> const json::value* {
    const auto* now = r.properties.if_contains(prop);
    const auto* before = r.old_properties.if_contains(prop);
    if (now == nullptr && before == nullptr) return nullptr;
    if (now != nullptr && before != nullptr && *now == *before) return nullptr;
    static const json::value empty = "";
    return now != nullptr ? now : &empty;
  };
  for (auto [prop, path] : {std::pair{"Name", "/name"},
                            {"Description", "/description"},
                            {"ApiKeySourceType", "/apiKeySource"},
                            {"MinimumCompressionSize", "/minimumCompressionSize"},
                            {"Policy", "/policy"},
                            {"DisableExecuteApiEndpoint", "/disableExecuteApiEndpoint"}}) {
    if (const auto* v = changed(prop)) {
      std::string value = provide::text(*v);
      if (std::string_view(prop) == "ApiKeySourceType" && value.empty()) value = "HEADER";
      if (std::string_view(prop) == "DisableExecuteApiEndpoint" && value.empty()) value = "false";
      ops.push_back(json::object{{"op", "replace"}, {"path", path}, {"value", value}});
    }
  }
  auto types = string_list(r.properties, "BinaryMediaTypes");
  auto old_types = string_list(r.old_properties, "BinaryMediaTypes");
  auto escaped = [](const std::string& t) {
    std::string out;
    for (char c : t)
      out += c == '/' ? std::string("~1") : c == '~' ? std::string("~0") : std::string(1, c);
    return out;
  };
  for (const auto& t : old_types) {
    if (std::find(types.begin(), types.end(), t) == types.end())
      ops.push_back(json::object{{"op", "remove"}, {"path", "/binaryMediaTypes/" + escaped(t)}});
  }
  for (const auto& t : types) {
    if (std::find(old_types.begin(), old_types.end(), t) == old_types.end())
      ops.push_back(json::object{{"op", "add"}, {"path", "/binaryMediaTypes/" + escaped(t)}});
  }
  if (const auto* ec = changed("EndpointConfiguration"); ec != nullptr && ec->is_object()) {
    auto list = string_list(ec->as_object(), "Types");
    if (!list.empty()) {
      ops.push_back(json::object{
          {"op", "replace"}, {"path", "/endpointConfiguration/types/0"}, {"value", list.front()}});
    }
  }
  if (ops.empty()) return done(Provided{r.physical_id, r.attributes});
  r.call(kModel, "UpdateRestApi",
         json::object{{"restApiId", r.physical_id}, {"patchOperations", std::move(ops)}},
         [r, done](Output out) {
           if (!out) return done(out.take_error());
           done(Provided{r.physical_id, r.attributes});
         });
}

// The Body (or BodyS3Location) is put over the API again (Mode, overwrite
// by default); without one, the changed settings are patched.
void update_rest_api(const ResourceRequest& r, ProvideDone done) {
  done = apigw::retagged(r, kModel, "restapis/", std::move(done));
  // Only the tags changed (a stack's): the document is not put again.
  json::object now = r.properties, before = r.old_properties;
  now.erase("Tags");
  before.erase("Tags");
  if (now == before && !now.contains("BodyS3Location")) {
    return done(Provided{r.physical_id, r.attributes});
  }
  if (!r.properties.contains("Body") && !r.properties.contains("BodyS3Location")) {
    return patch_rest_api(r, done);
  }
  rest_body(r, [r, done](Result<std::string> body) {
    if (!body) return done(body.take_error());
    std::string mode = has(r.properties, "Mode") ? str(r.properties, "Mode") : "overwrite";
    json::object in{{"restApiId", r.physical_id},
                    {"mode", mode},
                    {"body", std::move(*body)},
                    {"parameters", import_parameters(r)}};
    if (auto f = boolean(r.properties, "FailOnWarnings")) in["failOnWarnings"] = *f;
    r.call(kModel, "PutRestApi", std::move(in), [r, done](Output out) {
      if (!out) return done(out.take_error());
      done(Provided{r.physical_id, r.attributes});
    });
  });
}

void delete_rest_api(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteRestApi", json::object{{"restApiId", r.physical_id}},
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

// Method settings (a Stage's MethodSettings, a StageDescription's) as
// UpdateStage patch operations: /{ResourcePath}/{HttpMethod}/{setting}
// ("/~1pets/GET", "/*/*"); `setting` the CloudFormation property's member
// of the patch path.
constexpr std::pair<const char*, const char*> kMethodSettingPaths[] = {
    {"ThrottlingRateLimit", "throttling/rateLimit"},
    {"ThrottlingBurstLimit", "throttling/burstLimit"},
    {"MetricsEnabled", "metrics/enabled"},
    {"LoggingLevel", "logging/loglevel"},
    {"DataTraceEnabled", "logging/dataTrace"},
    {"CachingEnabled", "caching/enabled"},
    {"CacheTtlInSeconds", "caching/ttlInSeconds"},
    {"CacheDataEncrypted", "caching/dataEncrypted"}};

std::string method_setting_key(const json::object& m) {
  std::string path = str(m, "ResourcePath"), method = str(m, "HttpMethod");
  if (path.empty()) path = "/*";
  if (method.empty()) method = "*";
  // CloudFormation writes "/~1pets" (or "/pets"): the patch path's "~1" form.
  std::string key = "/";
  for (char c : std::string_view(path).substr(1))
    key += c == '/' ? std::string("~1") : std::string(1, c);
  return key + "/" + method;
}

void add_method_setting_ops(const json::object& m, const std::string& key, json::array& ops) {
  for (auto [prop, path] : kMethodSettingPaths) {
    if (!has(m, prop)) continue;
    ops.push_back(json::object{
        {"op", "replace"}, {"path", key + "/" + path}, {"value", provide::text(m.at(prop))}});
  }
}

json::array method_setting_ops(const json::value* settings) {
  json::array ops;
  if (settings == nullptr || !settings->is_array()) return ops;
  for (const auto& m : settings->as_array()) {
    if (m.is_object())
      add_method_setting_ops(m.as_object(), method_setting_key(m.as_object()), ops);
  }
  return ops;
}

// Applies `ops` to a stage, then `then` (at once when there are none).
void patch_stage(const ResourceRequest& r, const std::string& api, const std::string& stage,
                 json::array ops, std::function<void(Output)> then) {
  if (ops.empty()) return then(json::object{});
  r.call(
      kModel, "UpdateStage",
      json::object{{"restApiId", api}, {"stageName", stage}, {"patchOperations", std::move(ops)}},
      std::move(then));
}

// ---- AWS::ApiGateway::Deployment (physical id: the deployment id)

void create_deployment(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"restApiId", str(r.properties, "RestApiId")}};
  for (auto [prop, member] : {std::pair{"StageName", "stageName"},
                              {"Description", "description"},
                              {"StageDescription", "stageDescription"}}) {
    if (has(r.properties, prop)) in[member] = r.properties.at(prop);
  }
  if (const auto* sd = r.properties.if_contains("StageDescription");
      sd != nullptr && sd->is_object()) {
    in.erase("stageDescription");
    if (const auto* v = sd->as_object().if_contains("Variables")) in["variables"] = *v;
    if (const auto* v = sd->as_object().if_contains("Description")) in["stageDescription"] = *v;
  }
  // The StageDescription's own settings are the stage's "*/*" ones.
  json::array ops;
  if (const auto* sd = r.properties.if_contains("StageDescription");
      sd != nullptr && sd->is_object() && has(r.properties, "StageName")) {
    add_method_setting_ops(sd->as_object(), "/*/*", ops);
    for (auto& op : method_setting_ops(sd->as_object().if_contains("MethodSettings"))) {
      ops.push_back(std::move(op));
    }
  }
  r.call(kModel, "CreateDeployment", std::move(in), [r, ops, done](Output out) mutable {
    if (!out) return done(out.take_error());
    std::string id = str(*out, "id");
    patch_stage(r, str(r.properties, "RestApiId"), str(r.properties, "StageName"), std::move(ops),
                [id, done](Output out) {
                  if (!out) return done(out.take_error());
                  done(Provided{id, json::object{{"DeploymentId", id}}});
                });
  });
}

// The stage the deployment made (StageName) goes with it unless another
// deployment has moved it since; then the deployment itself.
void delete_deployment(const ResourceRequest& r, RemoveDone done) {
  std::string api = str(r.properties, "RestApiId");
  std::string stage = str(r.properties, "StageName");
  auto remove = [r, api, done] {
    r.call(kModel, "DeleteDeployment",
           json::object{{"restApiId", api}, {"deploymentId", r.physical_id}},
           [done = gone_ok(done)](Output out) { done(status_of(out)); });
  };
  if (stage.empty()) return remove();
  r.call(kModel, "GetStage", json::object{{"restApiId", api}, {"stageName", stage}},
         [r, api, stage, remove, done](Output out) {
           if (!out || str(*out, "deploymentId") != r.physical_id) return remove();
           r.call(kModel, "DeleteStage", json::object{{"restApiId", api}, {"stageName", stage}},
                  [remove, done](Output out) {
                    if (!out && out.error().code != "NotFoundException")
                      return done(out.take_error());
                    remove();
                  });
         });
}

// ---- AWS::ApiGateway::Stage (physical id: the stage name)

void create_stage(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"restApiId", str(r.properties, "RestApiId")},
                  {"stageName", str(r.properties, "StageName")},
                  {"deploymentId", str(r.properties, "DeploymentId")}};
  for (auto [prop, member] : {std::pair{"Description", "description"},
                              {"Variables", "variables"},
                              {"TracingEnabled", "tracingEnabled"},
                              {"CacheClusterEnabled", "cacheClusterEnabled"}}) {
    if (has(r.properties, prop)) in[member] = r.properties.at(prop);
  }
  auto tags = provide::tag_map(r.properties.if_contains("Tags"));
  if (!tags.empty()) in["tags"] = std::move(tags);
  std::string name = str(r.properties, "StageName");
  r.call(kModel, "CreateStage", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    patch_stage(r, str(r.properties, "RestApiId"), name,
                method_setting_ops(r.properties.if_contains("MethodSettings")),
                [name, done](Output out) {
                  if (!out) return done(out.take_error());
                  done(Provided{name, json::object{}});
                });
  });
}

// The changed settings as patch operations; the tags moved in place.
void update_stage(const ResourceRequest& r, ProvideDone done) {
  done = apigw::retagged(r, kModel, "restapis/" + str(r.properties, "RestApiId") + "/stages/",
                         std::move(done));
  json::array ops;
  auto replace = [&](const char* prop, const char* path) {
    const auto* now = r.properties.if_contains(prop);
    const auto* before = r.old_properties.if_contains(prop);
    if (now == nullptr && before == nullptr) return;
    if (now != nullptr && before != nullptr && *now == *before) return;
    std::string value = now != nullptr ? provide::text(*now) : "";
    if (now == nullptr && std::string_view(path) != "/description") value = "false";
    ops.push_back(json::object{{"op", "replace"}, {"path", path}, {"value", value}});
  };
  replace("DeploymentId", "/deploymentId");
  replace("Description", "/description");
  replace("TracingEnabled", "/tracingEnabled");
  replace("CacheClusterEnabled", "/cacheClusterEnabled");
  auto vars = string_map(r.properties, "Variables");
  for (const auto& [k, v] : string_map(r.old_properties, "Variables")) {
    if (!vars.contains(k))
      ops.push_back(json::object{{"op", "remove"}, {"path", "/variables/" + k}});
  }
  for (const auto& [k, v] : vars) {
    ops.push_back(json::object{{"op", "replace"}, {"path", "/variables/" + k}, {"value", v}});
  }
  // Method settings: the ones no longer named are removed, the others set.
  const auto* settings = r.properties.if_contains("MethodSettings");
  const auto* old_settings = r.old_properties.if_contains("MethodSettings");
  if ((settings == nullptr) != (old_settings == nullptr) ||
      (settings != nullptr && *settings != *old_settings)) {
    std::set<std::string> keep;
    if (settings != nullptr && settings->is_array()) {
      for (const auto& m : settings->as_array()) {
        if (m.is_object()) keep.insert(method_setting_key(m.as_object()));
      }
    }
    if (old_settings != nullptr && old_settings->is_array()) {
      for (const auto& m : old_settings->as_array()) {
        if (!m.is_object()) continue;
        std::string key = method_setting_key(m.as_object());
        if (!keep.contains(key)) ops.push_back(json::object{{"op", "remove"}, {"path", key}});
      }
    }
    for (auto& op : method_setting_ops(settings)) ops.push_back(std::move(op));
  }
  if (ops.empty()) return done(Provided{r.physical_id, r.attributes});
  json::object in{{"restApiId", str(r.properties, "RestApiId")},
                  {"stageName", r.physical_id},
                  {"patchOperations", std::move(ops)}};
  r.call(kModel, "UpdateStage", std::move(in), [r, done](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{r.physical_id, r.attributes});
  });
}

void delete_stage(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteStage",
         json::object{{"restApiId", str(r.properties, "RestApiId")}, {"stageName", r.physical_id}},
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

// ---- AWS::ApiGateway::Resource (physical id: the resource id)

void create_resource(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"restApiId", str(r.properties, "RestApiId")},
                  {"parentId", str(r.properties, "ParentId")},
                  {"pathPart", str(r.properties, "PathPart")}};
  r.call(kModel, "CreateResource", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string id = str(*out, "id");
    done(Provided{id, json::object{{"ResourceId", id}}});
  });
}

void delete_resource(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteResource",
         json::object{{"restApiId", str(r.properties, "RestApiId")}, {"resourceId", r.physical_id}},
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

// ---- AWS::ApiGateway::Method (physical id: RESOURCE|METHOD; the method,
// its integration and their responses are put one after another)

json::object method_key(const ResourceRequest& r) {
  return json::object{{"restApiId", str(r.properties, "RestApiId")},
                      {"resourceId", str(r.properties, "ResourceId")},
                      {"httpMethod", str(r.properties, "HttpMethod")}};
}

void put_method(const ResourceRequest& r, ProvideDone done) {
  const auto& p = r.properties;
  std::vector<provide::Step> steps;
  json::object method = method_key(r);
  method["authorizationType"] = has(p, "AuthorizationType") ? p.at("AuthorizationType") : "NONE";
  for (auto [prop, member] : {std::pair{"AuthorizerId", "authorizerId"},
                              {"ApiKeyRequired", "apiKeyRequired"},
                              {"OperationName", "operationName"},
                              {"RequestParameters", "requestParameters"},
                              {"RequestModels", "requestModels"},
                              {"AuthorizationScopes", "authorizationScopes"}}) {
    if (has(p, prop)) method[member] = p.at(prop);
  }
  auto step = [&](const char* op, json::object in) {
    steps.push_back([r, op, in](std::function<void(Status)> next) {
      r.call(kModel, op, in, [next](Output out) { next(status_of(out)); });
    });
  };
  step("PutMethod", std::move(method));
  if (const auto* responses = p.if_contains("MethodResponses");
      responses != nullptr && responses->is_array()) {
    for (const auto& mr : responses->as_array()) {
      if (!mr.is_object()) continue;
      json::object in = method_key(r);
      in["statusCode"] =
          provide::text(mr.as_object().contains("StatusCode") ? mr.as_object().at("StatusCode")
                                                              : json::value(""));
      for (auto [prop, member] : {std::pair{"ResponseParameters", "responseParameters"},
                                  {"ResponseModels", "responseModels"}}) {
        if (has(mr.as_object(), prop)) in[member] = mr.as_object().at(prop);
      }
      step("PutMethodResponse", std::move(in));
    }
  }
  if (const auto* integration = p.if_contains("Integration");
      integration != nullptr && integration->is_object()) {
    const auto& i = integration->as_object();
    json::object in = method_key(r);
    for (auto [prop, member] : {std::pair{"Type", "type"},
                                {"Uri", "uri"},
                                {"IntegrationHttpMethod", "integrationHttpMethod"},
                                {"Credentials", "credentials"},
                                {"RequestTemplates", "requestTemplates"},
                                {"RequestParameters", "requestParameters"},
                                {"PassthroughBehavior", "passthroughBehavior"},
                                {"ContentHandling", "contentHandling"},
                                {"TimeoutInMillis", "timeoutInMillis"},
                                {"CacheKeyParameters", "cacheKeyParameters"},
                                {"CacheNamespace", "cacheNamespace"},
                                {"ConnectionType", "connectionType"},
                                {"ConnectionId", "connectionId"}}) {
      if (has(i, prop)) in[member] = i.at(prop);
    }
    step("PutIntegration", std::move(in));
    if (const auto* responses = i.if_contains("IntegrationResponses");
        responses != nullptr && responses->is_array()) {
      for (const auto& ir : responses->as_array()) {
        if (!ir.is_object()) continue;
        const auto& o = ir.as_object();
        json::object in = method_key(r);
        in["statusCode"] =
            provide::text(o.contains("StatusCode") ? o.at("StatusCode") : json::value(""));
        for (auto [prop, member] : {std::pair{"SelectionPattern", "selectionPattern"},
                                    {"ResponseParameters", "responseParameters"},
                                    {"ResponseTemplates", "responseTemplates"},
                                    {"ContentHandling", "contentHandling"}}) {
          if (has(o, prop)) in[member] = o.at(prop);
        }
        step("PutIntegrationResponse", std::move(in));
      }
    }
  }
  std::string id = str(p, "ResourceId") + "|" + str(p, "HttpMethod");
  provide::in_order(std::move(steps), [id, done](Status st) {
    if (!st) return done(st.take_error());
    done(Provided{id, json::object{}});
  });
}

void delete_method(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteMethod", method_key(r),
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

// An update puts the method again over the old one.
void update_method(const ResourceRequest& r, ProvideDone done) {
  delete_method(r, [r, done](Status st) {
    if (!st) return done(st.take_error());
    put_method(r, done);
  });
}

// ---- AWS::ApiGateway::Authorizer (physical id: the authorizer id)

json::object authorizer_input(const json::object& p) {
  json::object in;
  for (auto [prop, member] : {std::pair{"Name", "name"},
                              {"Type", "type"},
                              {"AuthorizerUri", "authorizerUri"},
                              {"AuthorizerCredentials", "authorizerCredentials"},
                              {"IdentitySource", "identitySource"},
                              {"IdentityValidationExpression", "identityValidationExpression"},
                              {"AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"},
                              {"ProviderARNs", "providerARNs"},
                              {"AuthType", "authType"}}) {
    if (has(p, prop)) in[member] = p.at(prop);
  }
  return in;
}

void create_authorizer(const ResourceRequest& r, ProvideDone done) {
  json::object in = authorizer_input(r.properties);
  in["restApiId"] = str(r.properties, "RestApiId");
  r.call(kModel, "CreateAuthorizer", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string id = str(*out, "id");
    done(Provided{id, json::object{{"AuthorizerId", id}}});
  });
}

void update_authorizer(const ResourceRequest& r, ProvideDone done) {
  json::array ops;
  for (const auto& [k, v] : authorizer_input(r.properties)) {
    if (k == "providerARNs") continue;
    ops.push_back(json::object{
        {"op", "replace"}, {"path", "/" + std::string(k)}, {"value", provide::text(v)}});
  }
  json::object in{{"restApiId", str(r.properties, "RestApiId")},
                  {"authorizerId", r.physical_id},
                  {"patchOperations", std::move(ops)}};
  r.call(kModel, "UpdateAuthorizer", std::move(in), [r, done](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{r.physical_id, r.attributes});
  });
}

void delete_authorizer(const ResourceRequest& r, RemoveDone done) {
  r.call(
      kModel, "DeleteAuthorizer",
      json::object{{"restApiId", str(r.properties, "RestApiId")}, {"authorizerId", r.physical_id}},
      [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

}  // namespace

const Provider kRestApi{
    "AWS::ApiGateway::RestApi", create_rest_api, update_rest_api, delete_rest_api, {}};
const Provider kRestDeployment{
    "AWS::ApiGateway::Deployment", create_deployment, nullptr, delete_deployment, {}};
const Provider kRestStage{
    "AWS::ApiGateway::Stage", create_stage, update_stage, delete_stage, {"RestApiId", "StageName"}};
const Provider kRestResource{
    "AWS::ApiGateway::Resource", create_resource, nullptr, delete_resource, {}};
const Provider kRestMethod{"AWS::ApiGateway::Method",
                           put_method,
                           update_method,
                           delete_method,
                           {"RestApiId", "ResourceId", "HttpMethod"}};
const Provider kRestAuthorizer{"AWS::ApiGateway::Authorizer",
                               create_authorizer,
                               update_authorizer,
                               delete_authorizer,
                               {"RestApiId"}};

}  // namespace nimbus::services::cloudformation::providers
