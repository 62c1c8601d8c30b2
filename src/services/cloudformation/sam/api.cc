// AWS::Serverless::Api / HttpApi and the functions' Api / HttpApi events:
// an OpenAPI body with one aws_proxy integration per path and method, the
// RestApi + Deployment + Stage (or the HTTP API + its $default stage), and
// a permission per event. Events without RestApiId / ApiId go to the
// implicit ServerlessRestApi / ServerlessHttpApi.
#include <set>
#include <string>

#include "auth/crypto.h"
#include "common/json_fields.h"
#include "common/text.h"
#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

namespace {

constexpr std::string_view kRestImplicit = "ServerlessRestApi";
constexpr std::string_view kHttpImplicit = "ServerlessHttpApi";

// The logical id an event's RestApiId / ApiId names ("" for the implicit API).
std::string api_of(const ApiEvent& e, std::string_view key) {
  const auto* v = e.properties.if_contains(key);
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  return ref_target(*v);
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "/get/{id}/{proxy+}" -> "/get/*/*" (what a permission's SourceArn matches).
std::string wildcard_path(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      size_t end = path.find('}', i);
      if (end != std::string_view::npos) {
        out += '*';
        i = end;
        continue;
      }
    }
    out += path[i];
  }
  return out;
}

json::value invocation_uri(const ApiEvent& e, bool partition) {
  std::string target;
  std::string alias = ref_target(e.function_arn);
  target = alias.empty() ? e.function_id + ".Arn" : alias;
  return sub(std::string(partition ? "arn:${AWS::Partition}" : "arn:aws") +
             ":apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" + target +
             "}/invocations");
}

// A state machine's route: API Gateway starts an execution with the
// request body as input, through the event's role.
json::object start_execution(const ApiEvent& e) {
  std::string machine = ref_target(e.function_ref);
  json::object integration{
      {"credentials", get_att(e.start_role, "Arn")},
      {"httpMethod", "POST"},
      {"requestTemplates",
       json::object{
           {"application/json", sub("{\"input\": \"$util.escapeJavaScript($input.json('$'))\", "
                                    "\"stateMachineArn\": \"${" +
                                    machine + "}\"}")}}},
      {"responses", json::object{{"200", json::object{{"statusCode", "200"}}},
                                 {"400", json::object{{"statusCode", "400"}}}}},
      {"type", "aws"},
      {"uri", sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution")}};
  return json::object{
      {"responses", json::object{{"200", json::object{{"description", "OK"}}},
                                 {"400", json::object{{"description", "Bad Request"}}}}},
      {"x-amazon-apigateway-integration", std::move(integration)}};
}

Status required_path(const ApiEvent& e, std::string& path, std::string& method) {
  path = str(e.properties, "Path");
  method = ascii_lower(str(e.properties, "Method"));
  if (path.empty() || method.empty()) {
    return invalid_event(
        e.function_id, e.event_id,
        path.empty() ? "Property 'Path' is required." : "Property 'Method' is required.");
  }
  return Status::ok();
}

void add_path(json::object& body, const std::string& path, const std::string& method,
              json::object operation) {
  auto& paths = body["paths"];
  if (!paths.is_object()) paths = json::object{};
  auto& item = paths.as_object()[path];
  if (!item.is_object()) item = json::object{};
  std::string key = method == "any" ? "x-amazon-apigateway-any-method" : method;
  item.as_object()[key] = std::move(operation);
}

json::object permission(const ApiEvent& e, json::value api, std::string_view source_tail,
                        bool partition) {
  std::string arn = std::string(partition ? "arn:${AWS::Partition}" : "arn:aws") +
                    ":execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/" +
                    std::string(source_tail);
  return resource("AWS::Lambda::Permission",
                  json::object{{"Action", "lambda:InvokeFunction"},
                               {"FunctionName", e.function_ref},
                               {"Principal", "apigateway.amazonaws.com"},
                               {"SourceArn", sub(arn, json::object{{"__ApiId__", std::move(api)},
                                                                   {"__Stage__", "*"}})}});
}

json::value api_ref(const ApiEvent& e, std::string_view key, std::string_view api_id) {
  const auto* v = e.properties.if_contains(key);
  if (v != nullptr && v->is_string()) return *v;
  return ref_to(api_id);
}

// A Lambda authorizer's function may be invoked by API Gateway for any of
// the API's authorizers: <Api><Authorizer>AuthorizerPermission.
void authorizer_permissions(std::string_view id, const json::object& p, std::string_view condition,
                            bool http, Expansion& x) {
  const auto* auth = p.if_contains("Auth");
  if (auth == nullptr || !auth->is_object()) return;
  const auto* authorizers = auth->as_object().if_contains("Authorizers");
  if (authorizers == nullptr || !authorizers->is_object()) return;
  for (const auto& [name, a] : authorizers->as_object()) {
    if (!a.is_object()) continue;
    const auto* fn = a.as_object().if_contains("FunctionArn");
    if (fn == nullptr) continue;
    // REST APIs grant by default (DisableFunctionDefaultPermissions opts
    // out), HTTP APIs only with EnableFunctionDefaultPermissions.
    const auto* flag = a.as_object().if_contains(http ? "EnableFunctionDefaultPermissions"
                                                      : "DisableFunctionDefaultPermissions");
    bool set = flag != nullptr && flag->is_bool() && flag->as_bool();
    if (http != set) continue;
    std::string arn = std::string(http ? "arn:${AWS::Partition}" : "arn:aws") +
                      ":execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*";
    x.add(std::string(id) + std::string(name) + "AuthorizerPermission",
          resource("AWS::Lambda::Permission",
                   json::object{{"Action", "lambda:InvokeFunction"},
                                {"FunctionName", *fn},
                                {"Principal", "apigateway.amazonaws.com"},
                                {"SourceArn", sub(arn, json::object{{"__ApiId__", ref_to(id)}})}}),
          condition);
  }
}

// Auth.UsagePlan: CreateUsagePlan PER_API makes <Api>UsagePlan, <Api>ApiKey
// and <Api>UsagePlanKey; SHARED adds the API's stage to the one
// ServerlessUsagePlan / ServerlessApiKey / ServerlessUsagePlanKey.
void usage_plan(std::string_view id, const json::object& p, const std::string& stage_id,
                std::string_view condition, Expansion& x) {
  const auto* auth = p.if_contains("Auth");
  const auto* plan =
      auth != nullptr && auth->is_object() ? auth->as_object().if_contains("UsagePlan") : nullptr;
  if (plan == nullptr || !plan->is_object()) return;
  std::string create = str(plan->as_object(), "CreateUsagePlan");
  if (create != "PER_API" && create != "SHARED") return;
  bool shared = create == "SHARED";
  std::string prefix = shared ? "Serverless" : std::string(id);
  std::string plan_id = prefix + "UsagePlan", key_id = prefix + "ApiKey",
              plan_key_id = prefix + "UsagePlanKey";
  json::object api_stage{{"ApiId", ref_to(id)}, {"Stage", ref_to(stage_id)}};
  json::object stage_key{{"RestApiId", ref_to(id)}, {"StageName", ref_to(stage_id)}};
  auto* existing = x.output.if_contains(plan_id);
  if (existing == nullptr) {
    json::object props{{"ApiStages", json::array{}}};
    for (auto key : {"Description", "Quota", "Tags", "Throttle", "UsagePlanName"}) {
      if (const auto* v = plan->as_object().if_contains(key)) props[key] = *v;
    }
    json::object res = resource("AWS::ApiGateway::UsagePlan", std::move(props));
    res["DependsOn"] = json::array{};
    x.add(plan_id, std::move(res), shared ? "" : condition);
    json::object key = resource("AWS::ApiGateway::ApiKey",
                                json::object{{"Enabled", true}, {"StageKeys", json::array{}}});
    key["DependsOn"] = json::array{json::string(plan_id)};
    x.add(key_id, std::move(key), shared ? "" : condition);
    json::object plan_key =
        resource("AWS::ApiGateway::UsagePlanKey", json::object{{"KeyId", ref_to(key_id)},
                                                               {"KeyType", "API_KEY"},
                                                               {"UsagePlanId", ref_to(plan_id)}});
    plan_key["DependsOn"] = json::array{json::string(key_id)};
    x.add(plan_key_id, std::move(plan_key), shared ? "" : condition);
    existing = x.output.if_contains(plan_id);
  }
  auto& plan_res = existing->as_object();
  plan_res["Properties"].as_object()["ApiStages"].as_array().push_back(std::move(api_stage));
  plan_res["DependsOn"].as_array().push_back(json::string(id));
  x.output[key_id].as_object()["Properties"].as_object()["StageKeys"].as_array().push_back(
      std::move(stage_key));
  x.refs[std::string(id) + ".UsagePlan"] = plan_id;
  x.refs[std::string(id) + ".ApiKey"] = key_id;
  x.refs[std::string(id) + ".UsagePlanKey"] = plan_key_id;
}

// The REST API's resources: RestApi, Deployment (id and description carry
// a digest of the body) and the stage.
void rest_resources(std::string_view id, const json::object& p, json::object api,
                    std::string_view condition, Expansion& x) {
  for (auto key :
       {"Name", "Description", "BinaryMediaTypes", "MinimumCompressionSize", "ApiKeySourceType",
        "DisableExecuteApiEndpoint", "Mode", "FailOnWarnings", "Policy", "Parameters"}) {
    if (const auto* v = p.if_contains(key)) api[key] = *v;
  }
  if (const auto* ec = p.if_contains("EndpointConfiguration")) {
    if (ec->is_string() || is_intrinsic(*ec)) {
      api["EndpointConfiguration"] = json::object{{"Types", json::array{*ec}}};
      api["Parameters"] = json::object{{"endpointConfigurationTypes", *ec}};
    } else if (ec->is_object()) {
      json::object out;
      if (const auto* t = ec->as_object().if_contains("Type")) out["Types"] = json::array{*t};
      if (const auto* v = ec->as_object().if_contains("VPCEndpointIds")) out["VpcEndpointIds"] = *v;
      api["EndpointConfiguration"] = std::move(out);
    }
  }
  std::string hash = auth::crypto::sha256_hex(json::serialize(api)).substr(0, 40);
  std::string deployment_id = std::string(id) + "Deployment" + hash.substr(0, 10);
  x.add(id, resource("AWS::ApiGateway::RestApi", std::move(api)), condition);
  x.add(deployment_id,
        resource("AWS::ApiGateway::Deployment",
                 json::object{{"Description", "RestApi deployment id: " + hash},
                              {"RestApiId", ref_to(id)},
                              {"StageName", "Stage"}}),
        condition);
  const auto* stage_name = p.if_contains("StageName");
  std::string stage_literal = stage_name == nullptr     ? "Prod"
                              : stage_name->is_string() ? std::string(stage_name->as_string())
                                                        : std::string();
  std::string stage_id = std::string(id) + stage_literal + "Stage";
  json::object stage{{"DeploymentId", ref_to(deployment_id)}, {"RestApiId", ref_to(id)}};
  stage["StageName"] = stage_name != nullptr ? *stage_name : json::value("Prod");
  for (auto key : {"CacheClusterEnabled", "CacheClusterSize", "MethodSettings", "TracingEnabled",
                   "AccessLogSetting", "CanarySetting"}) {
    if (const auto* v = p.if_contains(key)) stage[key] = *v;
  }
  if (const auto* v = p.if_contains("Variables")) stage["Variables"] = *v;
  x.add(stage_id, resource("AWS::ApiGateway::Stage", std::move(stage)), condition);
  x.refs[std::string(id) + ".Stage"] = stage_id;
  x.refs[std::string(id) + ".Deployment"] = deployment_id;
  usage_plan(id, p, stage_id, condition, x);
  authorizer_permissions(id, p, condition, false, x);
}

// The HTTP API's resources: the Api, its auto-deployed stage, and the
// authorizer permissions it asks for.
void http_resources(std::string_view id, const json::object& p, json::object api,
                    std::string_view condition, Expansion& x) {
  for (auto key : {"Name", "Description", "FailOnWarnings", "DisableExecuteApiEndpoint"}) {
    if (const auto* v = p.if_contains(key)) api[key] = *v;
  }
  x.add(id, resource("AWS::ApiGatewayV2::Api", std::move(api)), condition);
  // <Api><Name>Stage for a named stage, <Api>Stage for a computed name,
  // <Api>ApiGatewayDefaultStage for $default.
  const auto* stage_name = p.if_contains("StageName");
  std::string stage_id = std::string(id) + "ApiGatewayDefaultStage";
  if (stage_name != nullptr && stage_name->is_string() && stage_name->as_string() != "$default") {
    stage_id = std::string(id) + std::string(stage_name->as_string()) + "Stage";
  } else if (stage_name != nullptr && !stage_name->is_string()) {
    stage_id = std::string(id) + "Stage";
  }
  json::object stage{{"ApiId", ref_to(id)}, {"AutoDeploy", true}};
  stage["StageName"] = stage_name != nullptr ? *stage_name : json::value("$default");
  if (const auto* v = p.if_contains("StageVariables")) stage["StageVariables"] = *v;
  if (const auto* v = p.if_contains("RouteSettings")) stage["RouteSettings"] = *v;
  if (const auto* v = p.if_contains("DefaultRouteSettings")) stage["DefaultRouteSettings"] = *v;
  if (const auto* v = p.if_contains("AccessLogSettings")) stage["AccessLogSettings"] = *v;
  stage["Tags"] = json::object{{"httpapi:createdBy", "SAM"}};
  x.add(stage_id, resource("AWS::ApiGatewayV2::Stage", std::move(stage)), condition);
  x.refs[std::string(id) + ".Stage"] = stage_id;
  authorizer_permissions(id, p, condition, true, x);
}

json::object rest_body(const json::object& p) {
  json::object body{{"info", json::object{{"title", ref_to("AWS::StackName")}, {"version", "1.0"}}},
                    {"paths", json::object{}}};
  const auto* v = p.if_contains("OpenApiVersion");
  if (v != nullptr && v->is_string() && v->as_string().starts_with("3")) {
    body["openapi"] = "3.0.1";
  } else {
    body["swagger"] = "2.0";
  }
  return body;
}

json::object http_body() {
  return json::object{
      {"info", json::object{{"title", ref_to("AWS::StackName")}, {"version", "1.0"}}},
      {"openapi", "3.0.1"},
      {"paths", json::object{}},
      {"tags", json::array{json::object{{"name", "httpapi:createdBy"},
                                        {"x-amazon-apigateway-tag-value", "SAM"}}}}};
}

// An HttpApi's CorsConfiguration as the document's x-amazon-apigateway-cors:
// true allows every origin, a string one origin, an object's members
// camelCased (inside an Fn::If too); false or anything else: none.
json::value http_cors(const json::value& cors) {
  if (cors.is_bool()) {
    return cors.as_bool() ? json::value(json::object{{"allowOrigins", json::array{"*"}}})
                          : json::value(nullptr);
  }
  if (cors.is_string()) return json::object{{"allowOrigins", json::array{cors}}};
  if (!cors.is_object()) return nullptr;
  const auto& o = cors.as_object();
  if (const auto* cond = o.if_contains("Fn::If");
      cond != nullptr && cond->is_array() && cond->as_array().size() == 3) {
    const auto& a = cond->as_array();
    auto branch = [](const json::value& v) {
      json::value c = http_cors(v);
      return c.is_null() ? v : c;
    };
    return json::object{{"Fn::If", json::array{a[0], branch(a[1]), branch(a[2])}}};
  }
  if (o.size() == 1 && o.contains("Ref")) return nullptr;  // AWS::NoValue and friends
  json::object out;
  for (const auto& [k, v] : o) {
    std::string key(k);
    if (!key.empty()) key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
    out[key] = v;
  }
  return out;
}

// SAM's checks of an event's Auth.Authorizer against its API's Auth.
Status check_authorizer(const ApiEvent& e, const json::object& api, const std::string& path,
                        const std::string& method) {
  const auto* auth = e.properties.if_contains("Auth");
  if (auth == nullptr || !auth->is_object()) return Status::ok();
  const auto* name = auth->as_object().if_contains("Authorizer");
  if (name == nullptr || !name->is_string()) return Status::ok();
  std::string n(name->as_string());
  static const json::object none;
  const auto* a = api.if_contains("Auth");
  const json::object& api_auth = a != nullptr && a->is_object() ? a->as_object() : none;
  std::string where = "on API method [" + method + "] for path [" + path + "] because ";
  if (n == "NONE") {
    if (api_auth.contains("DefaultAuthorizer")) return Status::ok();
    return invalid_event(e.function_id, e.event_id,
                         "Unable to set Authorizer " + where +
                             "'NONE' is only a valid value when a DefaultAuthorizer on the API is "
                             "specified.");
  }
  if (n == "AWS_IAM") return Status::ok();
  const auto* authorizers = api_auth.if_contains("Authorizers");
  if (authorizers == nullptr || !authorizers->is_object()) {
    return invalid_event(e.function_id, e.event_id,
                         "Unable to set Authorizer [" + n + "] " + where +
                             "the related API does not define any Authorizers.");
  }
  if (!authorizers->as_object().contains(n)) {
    return invalid_event(e.function_id, e.event_id,
                         "Unable to set Authorizer [" + n + "] " + where +
                             "it wasn't defined in the API's Authorizers.");
  }
  return Status::ok();
}

// The REST API's Auth as swagger security: a definition per authorizer
// (Lambda TOKEN / REQUEST, Cognito user pools) and `api_key` when keys are
// required, as SAM writes them.
json::object rest_security_definition(const json::object& a) {
  const auto* identity_value = a.if_contains("Identity");
  static const json::object none;
  const json::object& identity =
      identity_value != nullptr && identity_value->is_object() ? identity_value->as_object() : none;
  std::string header = str(identity, "Header");
  if (header.empty()) header = "Authorization";
  if (const auto* pool = a.if_contains("UserPoolArn")) {
    json::object ext{{"type", "cognito_user_pools"},
                     {"providerARNs", pool->is_array() ? *pool : json::value(json::array{*pool})}};
    return json::object{{"in", "header"},
                        {"name", header},
                        {"type", "apiKey"},
                        {"x-amazon-apigateway-authorizer", std::move(ext)},
                        {"x-amazon-apigateway-authtype", "cognito_user_pools"}};
  }
  bool request = str(a, "FunctionPayloadType") == "REQUEST";
  json::object ext{{"type", request ? "request" : "token"}};
  if (const auto* fn = a.if_contains("FunctionArn")) {
    ext["authorizerUri"] =
        sub("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            "${__FunctionArn__}/invocations",
            json::object{{"__FunctionArn__", *fn}});
  }
  if (const auto* v = a.if_contains("FunctionInvokeRole")) ext["authorizerCredentials"] = *v;
  if (const auto* v = identity.if_contains("ReauthorizeEvery"))
    ext["authorizerResultTtlInSeconds"] = *v;
  if (const auto* v = identity.if_contains("ValidationExpression"))
    ext["identityValidationExpression"] = *v;
  if (request) {
    std::string sources;
    for (auto [key, prefix] : {std::pair{"Headers", "method.request.header."},
                               {"QueryStrings", "method.request.querystring."},
                               {"StageVariables", "stageVariables."},
                               {"Context", "context."}}) {
      const auto* list = identity.if_contains(key);
      if (list == nullptr || !list->is_array()) continue;
      for (const auto& v : list->as_array()) {
        if (!v.is_string()) continue;
        if (!sources.empty()) sources += ", ";
        sources += std::string(prefix) + std::string(v.as_string());
      }
    }
    if (!sources.empty()) ext["identitySource"] = sources;
  }
  return json::object{{"in", "header"},
                      {"name", request ? std::string("Unused") : header},
                      {"type", "apiKey"},
                      {"x-amazon-apigateway-authorizer", std::move(ext)},
                      {"x-amazon-apigateway-authtype", "custom"}};
}

const json::object* rest_auth(const json::object& p) {
  const auto* auth = p.if_contains("Auth");
  return auth != nullptr && auth->is_object() ? &auth->as_object() : nullptr;
}

// An event's security: its Auth.Authorizer (else the API's
// DefaultAuthorizer; NONE for none) and api_key when its Auth or the API's
// requires keys.
json::value rest_security(const ApiEvent& e, const json::object& p) {
  const auto* api_auth = rest_auth(p);
  if (api_auth == nullptr) return nullptr;
  static const json::object none;
  const auto* event_auth_value = e.properties.if_contains("Auth");
  const json::object& event_auth = event_auth_value != nullptr && event_auth_value->is_object()
                                       ? event_auth_value->as_object()
                                       : none;
  json::array out;
  std::string name = str(event_auth, "Authorizer");
  if (name.empty()) name = str(*api_auth, "DefaultAuthorizer");
  const auto* authorizers = api_auth->if_contains("Authorizers");
  if (!name.empty() && authorizers != nullptr && authorizers->is_object()) {
    if (const auto* a = authorizers->as_object().if_contains(name);
        a != nullptr && a->is_object()) {
      const auto* scopes = event_auth.if_contains("AuthorizationScopes");
      if (scopes == nullptr) scopes = a->as_object().if_contains("AuthorizationScopes");
      json::array list;
      if (scopes != nullptr && scopes->is_array()) list = scopes->as_array();
      out.push_back(json::object{{name, std::move(list)}});
    }
  }
  auto keys = boolean(event_auth, "ApiKeyRequired");
  if (!keys) keys = boolean(*api_auth, "ApiKeyRequired");
  if (keys.value_or(false)) out.push_back(json::object{{"api_key", json::array{}}});
  if (out.empty()) return nullptr;
  return out;
}

void add_rest_security_definitions(const json::object& p, json::object& body, bool keys_used) {
  const auto* api_auth = rest_auth(p);
  if (api_auth == nullptr) return;
  json::object defs;
  if (const auto* authorizers = api_auth->if_contains("Authorizers");
      authorizers != nullptr && authorizers->is_object()) {
    for (const auto& [name, a] : authorizers->as_object()) {
      if (a.is_object()) defs[name] = rest_security_definition(a.as_object());
    }
  }
  if (keys_used) {
    defs["api_key"] = json::object{{"in", "header"}, {"name", "x-api-key"}, {"type", "apiKey"}};
  }
  if (defs.empty()) return;
  auto& into = body["securityDefinitions"];
  if (!into.is_object()) into = json::object{};
  for (auto& [k, v] : defs) into.as_object()[k] = std::move(v);
}

// An Api's Cors: an OPTIONS method answering the preflight (MOCK, the
// headers' values as written, quoted by the user) on every path without
// one; its Allow-Methods by default the path's methods and OPTIONS. With a
// DefaultAuthorizer the preflight is guarded too unless
// Auth.AddDefaultAuthorizerToCorsPreflight is false, as SAM does.
void add_rest_cors(const json::object& p, json::object& body) {
  const auto* cors = p.if_contains("Cors");
  if (cors == nullptr || cors->is_null()) return;
  json::object c;
  if (cors->is_object() && !is_intrinsic(*cors)) {
    c = cors->as_object();
  } else {
    c["AllowOrigin"] = *cors;
  }
  auto* paths = body.if_contains("paths");
  if (paths == nullptr || !paths->is_object()) return;
  json::value security = nullptr;
  if (const auto* auth = p.if_contains("Auth"); auth != nullptr && auth->is_object()) {
    std::string name = str(auth->as_object(), "DefaultAuthorizer");
    bool guard = boolean(auth->as_object(), "AddDefaultAuthorizerToCorsPreflight").value_or(true);
    if (!name.empty() && name != "NONE" && guard) {
      security = json::array{json::object{{name, json::array{}}}};
    }
  }
  for (auto& [path, item] : paths->as_object()) {
    if (!item.is_object() || item.as_object().contains("options")) continue;
    json::object params, headers;
    auto header = [&](const char* name, const json::value& v) {
      params[std::string("method.response.header.") + name] = v;
      headers[name] = json::object{{"type", "string"}};
    };
    if (const auto* v = c.if_contains("AllowHeaders")) header("Access-Control-Allow-Headers", *v);
    if (const auto* v = c.if_contains("AllowMethods")) {
      header("Access-Control-Allow-Methods", *v);
    } else {
      std::set<std::string> methods{"OPTIONS"};
      for (const auto& [m, op] : item.as_object()) {
        if (m == "x-amazon-apigateway-any-method") {
          methods.insert({"DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"});
        } else if (m == "get" || m == "put" || m == "post" || m == "delete" || m == "patch" ||
                   m == "head") {
          methods.insert(upper(std::string(m)));
        }
      }
      std::string list;
      for (const auto& m : methods) list += (list.empty() ? "" : ",") + m;
      header("Access-Control-Allow-Methods", json::string("'" + list + "'"));
    }
    if (const auto* v = c.if_contains("AllowOrigin")) header("Access-Control-Allow-Origin", *v);
    if (const auto* v = c.if_contains("MaxAge")) header("Access-Control-Max-Age", *v);
    if (const auto* v = c.if_contains("AllowCredentials");
        v != nullptr && v->is_bool() && v->as_bool()) {
      header("Access-Control-Allow-Credentials", json::string("'true'"));
    }
    json::object op{
        {"consumes", json::array{"application/json"}},
        {"produces", json::array{"application/json"}},
        {"responses",
         json::object{{"200", json::object{{"description", "Default response for CORS method"},
                                           {"headers", std::move(headers)}}}}},
        {"summary", "CORS support"},
        {"x-amazon-apigateway-integration",
         json::object{
             {"requestTemplates",
              json::object{{"application/json", "{\n  \"statusCode\" : 200\n}\n"}}},
             {"responses",
              json::object{{"default", json::object{{"responseParameters", std::move(params)},
                                                    {"responseTemplates",
                                                     json::object{{"application/json", "{}\n"}}},
                                                    {"statusCode", "200"}}}}},
             {"type", "mock"}}}};
    if (!security.is_null()) op["security"] = security;
    item.as_object()["options"] = std::move(op);
  }
}

// Adds the REST events naming `api_id` to `body`; a permission each.
Status rest_events(std::string_view api_id, const json::object& p, json::object* body,
                   Expansion& x) {
  const auto* stage = p.if_contains("StageName");
  std::string suffix = api_id == kRestImplicit                  ? "Prod"
                       : stage != nullptr && stage->is_string() ? std::string(stage->as_string())
                                                                : "Stage";
  bool keys_used = false;
  for (const auto& e : x.rest_events) {
    if (api_of(e, "RestApiId") != (api_id == kRestImplicit ? "" : api_id)) continue;
    std::string path, method;
    NIMBUS_TRY(required_path(e, path, method));
    NIMBUS_TRY(check_authorizer(e, p, path, method));
    if (body != nullptr && !e.start_role.empty()) {
      add_path(*body, path, method, start_execution(e));
      continue;
    }
    if (body != nullptr) {
      json::object op{
          {"x-amazon-apigateway-integration",
           json::object{
               {"httpMethod", "POST"}, {"type", "aws_proxy"}, {"uri", invocation_uri(e, false)}}},
          {"responses", json::object{}}};
      if (auto security = rest_security(e, p); !security.is_null()) {
        for (const auto& req : security.as_array()) {
          if (req.as_object().contains("api_key")) keys_used = true;
        }
        op["security"] = std::move(security);
      }
      add_path(*body, path, method, std::move(op));
    }
    std::string tail = (method == "any" ? "*" : upper(method)) + wildcard_path(path);
    x.add(e.function_id + e.event_id + "Permission" + suffix,
          permission(e, api_ref(e, "RestApiId", api_id), tail, false), e.condition);
  }
  if (body != nullptr) {
    add_rest_security_definitions(p, *body, keys_used);
    add_rest_cors(p, *body);
  }
  return Status::ok();
}

bool is_default_route(const ApiEvent& e) {
  return !e.properties.contains("Path") && !e.properties.contains("Method");
}

// The HTTP API's Auth as the document's security: a scheme per authorizer
// (Lambda: a request authorizer with its identity sources; JWT: its
// configuration), as SAM writes them.
const json::object* http_authorizers(const json::object& p) {
  const auto* auth = p.if_contains("Auth");
  if (auth == nullptr || !auth->is_object()) return nullptr;
  const auto* a = auth->as_object().if_contains("Authorizers");
  return a != nullptr && a->is_object() ? &a->as_object() : nullptr;
}

json::object http_security_scheme(const json::object& a) {
  if (const auto* jwt = a.if_contains("JwtConfiguration")) {
    json::object ext{{"type", "jwt"}, {"jwtConfiguration", *jwt}};
    if (const auto* v = a.if_contains("IdentitySource")) ext["identitySource"] = *v;
    return json::object{{"type", "oauth2"}, {"x-amazon-apigateway-authorizer", std::move(ext)}};
  }
  json::object ext{{"type", "request"}};
  if (const auto* fn = a.if_contains("FunctionArn")) {
    ext["authorizerUri"] =
        sub("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            "${__FunctionArn__}/invocations",
            json::object{{"__FunctionArn__", *fn}});
  }
  if (const auto* v = a.if_contains("FunctionInvokeRole")) ext["authorizerCredentials"] = *v;
  if (const auto* v = a.if_contains("AuthorizerPayloadFormatVersion"))
    ext["authorizerPayloadFormatVersion"] = *v;
  if (const auto* v = a.if_contains("EnableSimpleResponses")) ext["enableSimpleResponses"] = *v;
  if (const auto* identity = a.if_contains("Identity");
      identity != nullptr && identity->is_object()) {
    const auto& i = identity->as_object();
    json::array sources;
    for (auto [key, prefix] : {std::pair{"Context", "$context."},
                               {"Headers", "$request.header."},
                               {"QueryStrings", "$request.querystring."},
                               {"StageVariables", "$stageVariables."}}) {
      const auto* list = i.if_contains(key);
      if (list == nullptr || !list->is_array()) continue;
      for (const auto& v : list->as_array()) {
        if (v.is_string()) sources.emplace_back(std::string(prefix) + std::string(v.as_string()));
      }
    }
    if (!sources.empty()) ext["identitySource"] = std::move(sources);
    if (const auto* v = i.if_contains("ReauthorizeEvery")) ext["authorizerResultTtlInSeconds"] = *v;
  }
  return json::object{{"in", "header"},
                      {"name", "Unused"},
                      {"type", "apiKey"},
                      {"x-amazon-apigateway-authorizer", std::move(ext)}};
}

// The security requirement of an event's route: its Auth.Authorizer, else
// the API's DefaultAuthorizer; none for NONE or an unknown name.
json::value http_security(const ApiEvent& e, const json::object& p) {
  const auto* authorizers = http_authorizers(p);
  if (authorizers == nullptr) return nullptr;
  std::string name;
  const json::value* scopes = nullptr;
  if (const auto* auth = e.properties.if_contains("Auth"); auth != nullptr && auth->is_object()) {
    name = str(auth->as_object(), "Authorizer");
    scopes = auth->as_object().if_contains("AuthorizationScopes");
  }
  if (name.empty()) name = str(p.at("Auth").as_object(), "DefaultAuthorizer");
  const auto* a = authorizers->if_contains(name);
  if (a == nullptr || !a->is_object()) return nullptr;
  if (scopes == nullptr) scopes = a->as_object().if_contains("AuthorizationScopes");
  json::array list;
  if (scopes != nullptr && scopes->is_array()) list = scopes->as_array();
  return json::array{json::object{{name, std::move(list)}}};
}

void add_security_schemes(const json::object& p, json::object& body) {
  const auto* authorizers = http_authorizers(p);
  if (authorizers == nullptr) return;
  auto& components = body["components"];
  if (!components.is_object()) components = json::object{};
  auto& schemes = components.as_object()["securitySchemes"];
  if (!schemes.is_object()) schemes = json::object{};
  for (const auto& [name, a] : *authorizers) {
    if (a.is_object()) schemes.as_object()[name] = http_security_scheme(a.as_object());
  }
}

Status http_events(std::string_view api_id, const json::object& p, json::object* body,
                   Expansion& x) {
  std::string wanted = api_id == kHttpImplicit ? "" : std::string(api_id);
  // A function's default-route permission (any method, any path) covers
  // its other routes on the same API: SAM then adds no other.
  std::set<std::string> covered;
  for (const auto& e : x.http_events) {
    if (api_of(e, "ApiId") == wanted && is_default_route(e)) covered.insert(e.function_id);
  }
  for (const auto& e : x.http_events) {
    if (api_of(e, "ApiId") != wanted) continue;
    std::string path = str(e.properties, "Path");
    std::string method = ascii_lower(str(e.properties, "Method"));
    bool default_route = path.empty() && method.empty();
    if (default_route) {
      path = "$default";
      method = "any";
    } else if (path.empty() || method.empty()) {
      std::string p, m;
      NIMBUS_TRY(required_path(e, p, m));
    }
    if (body != nullptr) {
      json::object integration{{"httpMethod", "POST"},
                               {"payloadFormatVersion", "2.0"},
                               {"type", "aws_proxy"},
                               {"uri", invocation_uri(e, true)}};
      if (const auto* v = e.properties.if_contains("PayloadFormatVersion")) {
        integration["payloadFormatVersion"] = *v;
      }
      json::object op{{"x-amazon-apigateway-integration", std::move(integration)},
                      {"responses", json::object{}}};
      if (default_route) op["isDefaultRoute"] = true;
      if (auto security = http_security(e, p); !security.is_null())
        op["security"] = std::move(security);
      json::array params;
      for (size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1)) {
        size_t end = path.find('}', i);
        if (end == std::string::npos) break;
        std::string name = path.substr(i + 1, end - i - 1);
        if (name.ends_with('+')) continue;
        params.push_back(json::object{{"in", "path"}, {"name", name}, {"required", true}});
      }
      if (!params.empty()) op["parameters"] = std::move(params);
      add_path(*body, path, method, std::move(op));
    }
    if (!default_route && covered.contains(e.function_id)) continue;
    std::string tail =
        default_route ? "*" : (method == "any" ? "*" : upper(method)) + wildcard_path(path);
    x.add(e.function_id + e.event_id + "Permission",
          permission(e, api_ref(e, "ApiId", api_id), tail, true), e.condition);
  }
  return Status::ok();
}

// The body an explicit API gets: its DefinitionBody (events add paths to
// it), its DefinitionUri as a location (events add nothing), or one built
// from the events.
json::object* definition(const json::object& p, json::object& api, std::string_view body_key,
                         std::string_view location_key, json::object generated) {
  if (const auto* b = p.if_contains("DefinitionBody"); b != nullptr && b->is_object()) {
    api[body_key] = *b;
    return &api[body_key].as_object();
  }
  if (const auto* uri = p.if_contains("DefinitionUri")) {
    if (uri->is_string() && uri->as_string().starts_with("s3://")) {
      std::string_view s = uri->as_string().subview(5);
      size_t slash = s.find('/');
      api[location_key] =
          json::object{{"Bucket", s.substr(0, slash)},
                       {"Key", slash == std::string_view::npos ? "" : s.substr(slash + 1)}};
    } else {
      api[location_key] = *uri;
    }
    return nullptr;
  }
  api[body_key] = std::move(generated);
  return &api[body_key].as_object();
}

const json::object& globals_for(const Expansion& x, std::string_view section) {
  static const json::object empty;
  const auto* v = x.globals.if_contains(section);
  return v != nullptr && v->is_object() ? v->as_object() : empty;
}

}  // namespace

Status expand_api(std::string_view id, const json::object& res, Expansion& x) {
  const json::object& p = properties_of(res);
  if (const auto* auth = p.if_contains("Auth"); auth != nullptr && auth->is_object()) {
    const auto* d = auth->as_object().if_contains("DefaultAuthorizer");
    if (d != nullptr && !d->is_string())
      return invalid_resource(id, "DefaultAuthorizer is not a string.");
  }
  if (!p.contains("StageName")) {
    return invalid_resource(id, "Missing required property 'StageName'.");
  }
  json::object api;
  json::object* body = definition(p, api, "Body", "BodyS3Location", rest_body(p));
  NIMBUS_TRY(rest_events(id, p, body, x));
  rest_resources(id, p, std::move(api), condition_of(res), x);
  return Status::ok();
}

Status expand_http_api(std::string_view id, const json::object& res, Expansion& x) {
  const json::object& p = properties_of(res);
  json::object api;
  json::object* body = definition(p, api, "Body", "BodyS3Location", http_body());
  if (body != nullptr) {
    if (const auto* cors = p.if_contains("CorsConfiguration")) {
      json::value ext = http_cors(*cors);
      if (!ext.is_null()) (*body)["x-amazon-apigateway-cors"] = std::move(ext);
    }
  }
  NIMBUS_TRY(http_events(id, p, body, x));
  if (body != nullptr) add_security_schemes(p, *body);
  http_resources(id, p, std::move(api), condition_of(res), x);
  return Status::ok();
}

Status expand_api_events(Expansion& x) {
  bool rest_implicit = false, http_implicit = false;
  for (const auto& e : x.rest_events) {
    std::string api = api_of(e, "RestApiId");
    if (api.empty()) {
      rest_implicit = true;
    } else if (x.type_of(api) != "AWS::Serverless::Api") {
      return invalid_event(e.function_id, e.event_id,
                           "RestApiId must be a valid reference to an 'AWS::Serverless::Api' "
                           "resource in same template.");
    }
  }
  for (const auto& e : x.http_events) {
    std::string api = api_of(e, "ApiId");
    if (api.empty()) {
      http_implicit = true;
    } else if (x.type_of(api) != "AWS::Serverless::HttpApi") {
      return invalid_event(e.function_id, e.event_id,
                           "ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' "
                           "resource in same template.");
    }
  }
  if (rest_implicit && !x.input.contains(kRestImplicit)) {
    const json::object& p = globals_for(x, "Api");
    json::object api;
    json::object body = rest_body(p);
    NIMBUS_TRY(rest_events(kRestImplicit, p, &body, x));
    api["Body"] = std::move(body);
    rest_resources(kRestImplicit, p, std::move(api), "", x);
  }
  if (http_implicit && !x.input.contains(kHttpImplicit)) {
    const json::object& p = globals_for(x, "HttpApi");
    json::object api;
    json::object body = http_body();
    if (const auto* cors = p.if_contains("CorsConfiguration")) {
      json::value ext = http_cors(*cors);
      if (!ext.is_null()) body["x-amazon-apigateway-cors"] = std::move(ext);
    }
    NIMBUS_TRY(http_events(kHttpImplicit, p, &body, x));
    add_security_schemes(p, body);
    api["Body"] = std::move(body);
    http_resources(kHttpImplicit, p, std::move(api), "", x);
  }
  return Status::ok();
}

}  // namespace nimbus::cfn::sam
