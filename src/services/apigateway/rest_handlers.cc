// apigateway control handlers: REST APIs, resources, methods, integrations
// and their responses. Each change is one update of the API's document
// (store.h), answered once it is durable.
#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/aws_service.h"
#include "services/apigateway/checks.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/models.h"
#include "services/apigateway/resource_policy.h"
#include "services/apigateway/rest_util.h"
#include "services/apigateway/routes.h"
#include "services/apigateway/tags.h"

namespace nimbus::services::apigateway {

namespace {

constexpr const char* kApiMembers[] = {"name",
                                       "description",
                                       "version",
                                       "binaryMediaTypes",
                                       "minimumCompressionSize",
                                       "apiKeySource",
                                       "endpointConfiguration",
                                       "policy",
                                       "disableExecuteApiEndpoint"};
constexpr const char* kMethodMembers[] = {
    "authorizationType", "authorizerId",  "apiKeyRequired",     "operationName",
    "requestParameters", "requestModels", "requestValidatorId", "authorizationScopes"};
constexpr const char* kIntegrationMembers[] = {"type",
                                               "uri",
                                               "connectionType",
                                               "connectionId",
                                               "credentials",
                                               "requestParameters",
                                               "requestTemplates",
                                               "passthroughBehavior",
                                               "cacheNamespace",
                                               "cacheKeyParameters",
                                               "contentHandling",
                                               "timeoutInMillis",
                                               "tlsConfig"};

const char* const kRestMethods[] = {"GET",  "POST",    "PUT",   "DELETE",
                                    "HEAD", "OPTIONS", "PATCH", "ANY"};

Status check_method_name(const std::string& m) {
  for (const char* k : kRestMethods) {
    if (m == k) return Status::ok();
  }
  return errors::bad_request(
      "Invalid HttpMethod specified. Valid options are "
      "GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY");
}

}  // namespace

Status check_rest_integration(const std::string& type, const std::string& uri) {
  if (type != "AWS_PROXY" && type != "MOCK" && type != "HTTP_PROXY" && type != "HTTP" &&
      type != "AWS") {
    return errors::bad_request("Invalid integration type specified: " + type);
  }
  if (type != "MOCK" && uri.empty()) {
    return errors::bad_request(
        "Enumeration value for Integration Type is invalid or URI not specified");
  }
  if (type == "AWS_PROXY" && !uri.starts_with("arn:aws:apigateway:")) {
    return errors::bad_request(
        "Integrations of type 'AWS_PROXY' currently only supports Lambda "
        "function and Firehose stream invocations.");
  }
  if (type == "AWS" && !parse_service_uri(uri)) {
    return errors::bad_request("AWS ARN for integration must contain path or action");
  }
  return Status::ok();
}

json::object new_rest_api(const std::string& id, const std::string& root, double now) {
  return json::object{{"id", id},
                      {"createdDate", now},
                      {"apiKeySource", "HEADER"},
                      {"endpointConfiguration", json::object{{"types", json::array{"EDGE"}}}},
                      {"disableExecuteApiEndpoint", false},
                      {"rootResourceId", root}};
}

json::object shown_rest_api(json::object api) {
  if (auto* policy = api.if_contains("policy"); policy != nullptr && policy->is_string()) {
    *policy = shown_rest_policy(policy->as_string());
  }
  return api;
}

void RestApiService::change(const json::object& in,
                            std::function<Status(json::object& doc, json::object& out)> fn,
                            Respond respond) {
  auto out = std::make_shared<json::object>();
  std::string id = str(in, "restApiId");
  store_.update(
      id, [fn = std::move(fn), out](json::object& doc) { return fn(doc, *out); },
      [out, id, respond = std::move(respond)](Result<ApiPtr> r) {
        if (!r) {
          Error e = r.take_error();
          if (e.code == "NotFoundException" && e.message == "Invalid API identifier specified") {
            e.message = "Invalid API identifier specified 000000000000:" + id;
          }
          return respond(std::move(e));
        }
        respond(std::move(*out));
      });
}

Status RestApiService::save_policy(json::object& api) const {
  const auto* policy = api.if_contains("policy");
  if (policy == nullptr || !policy->is_string()) return Status::ok();
  auto saved = save_rest_policy(policy->as_string(), env_.settings.region, env_.settings.account_id,
                                str(api, "id"));
  if (!saved) return saved.take_error();
  if (saved->empty()) {
    api.erase("policy");
  } else {
    api["policy"] = *saved;
  }
  return Status::ok();
}

void RestApiService::create_rest_api(const CallContext& ctx, json::object in, Respond respond) {
  if (auto st = check_new_tags(in, "tags", takes_aws_tags(ctx)); !st)
    return respond(st.take_error());
  std::string id = new_id(10), root = new_id(10);
  json::object api = new_rest_api(id, root, env_.clock.now_seconds());
  for (const char* m : kApiMembers) {
    if (has(in, m)) api[m] = in[m];
  }
  if (auto st = save_policy(api); !st) return respond(st.take_error());
  if (has(in, "tags")) api["tags"] = in["tags"];
  json::object doc{{"api", api},
                   {"resources", json::object{{root, json::object{{"id", root}, {"path", "/"}}}}},
                   {"models", default_models()}};
  store_.create(id, std::move(doc), [api, respond = std::move(respond)](Result<ApiPtr> r) {
    if (!r) return respond(r.take_error());
    respond(shown_rest_api(api));
  });
}

Output RestApiService::get_rest_api(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  return shown_rest_api(api->doc.at("api").as_object());
}

Output RestApiService::get_rest_apis(const CallContext&, const json::object& in) const {
  json::object all;
  for (const auto& api : store_.list())
    all[str(api->doc, "id")] = shown_rest_api(api->doc.at("api").as_object());
  return rest_page(all, in);
}

void RestApiService::delete_rest_api(const CallContext& ctx, json::object in, Respond respond) {
  std::string id = str(in, "restApiId");
  store_.remove(id, [this, ctx, id, respond = std::move(respond)](Status st) {
    if (!st) return respond(rest_api_not_found(ctx, id));
    cache_.flush_api(id);
    respond(json::object());
  });
}

Output RestApiService::get_resources(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  return rest_page(api->doc.at("resources").as_object(), in);
}

Output RestApiService::get_resource(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* r = api->doc.at("resources").as_object().if_contains(str(in, "resourceId"));
  if (r == nullptr) return errors::not_found("Invalid Resource identifier specified");
  return r->as_object();
}

void RestApiService::create_resource(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto& resources = doc["resources"].as_object();
        std::string parent_id = str(in, "parentId"), part = str(in, "pathPart");
        const auto* parent = resources.if_contains(parent_id);
        if (parent == nullptr)
          return Status(errors::not_found("Invalid Resource identifier specified"));
        std::string parent_path = str(parent->as_object(), "path");
        std::string path = (parent_path == "/" ? "" : parent_path) + "/" + part;
        auto tmpl = parse_path_template(path);
        if (part.empty() || part.find('/') != std::string::npos || !tmpl) {
          return Status(errors::bad_request(
              "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and "
              "the end and an optional plus sign before the closing brace."));
        }
        if (tmpl->size() >= 2 && (*tmpl)[tmpl->size() - 2].kind == Segment::kGreedy) {
          return Status(errors::bad_request(
              "Cannot create a child of a resource with a greedy path variable: " + parent_path));
        }
        bool variable = part.front() == '{';
        for (const auto& [id, r] : resources) {
          const auto& o = r.as_object();
          if (str(o, "parentId") != parent_id) continue;
          if (str(o, "pathPart") == part) {
            return Status(errors::conflict(
                "Another resource with the same parent already has this name: " + part));
          }
          if (variable && str(o, "pathPart").starts_with("{")) {
            return Status(errors::bad_request(
                "A sibling (" + str(o, "pathPart") +
                ") of this resource already has a variable path part -- only one "
                "is allowed"));
          }
        }
        std::string id = new_id(6, resources);
        json::object r{{"id", id}, {"parentId", parent_id}, {"pathPart", part}, {"path", path}};
        resources[id] = r;
        out = std::move(r);
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::delete_resource(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        auto& resources = doc["resources"].as_object();
        std::string id = str(in, "resourceId");
        const auto* r = resources.if_contains(id);
        if (r == nullptr) return Status(errors::not_found("Invalid Resource identifier specified"));
        if (str(r->as_object(), "parentId").empty()) {
          return Status(errors::bad_request("Cannot delete root resource"));
        }
        // The resource and everything under it.
        std::string prefix = str(r->as_object(), "path") + "/";
        std::vector<std::string> gone{id};
        for (const auto& [rid, o] : resources) {
          if (str(o.as_object(), "path").starts_with(prefix)) gone.emplace_back(rid);
        }
        for (const auto& g : gone) resources.erase(g);
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::put_method(const CallContext&, json::object in, Respond respond) {
  if (auto st = check_method_name(str(in, "httpMethod")); !st) return respond(st.take_error());
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto* r = find_resource(doc, in);
        if (r == nullptr) return Status(errors::not_found("Invalid Resource identifier specified"));
        auto& methods = r->as_object()["resourceMethods"];
        if (!methods.is_object()) methods = json::object();
        std::string m = str(in, "httpMethod");
        if (methods.as_object().contains(m)) {
          return Status(errors::conflict("Method already exists for this resource"));
        }
        std::string auth = str(in, "authorizationType");
        if (auth == "CUSTOM" || auth == "COGNITO_USER_POOLS") {
          const auto* all = doc.if_contains("authorizers");
          if (all == nullptr || !all->as_object().contains(str(in, "authorizerId"))) {
            return Status(errors::bad_request(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                "COGNITO_USER_POOLS requires a valid authorizer."));
          }
        }
        if (std::string v = str(in, "requestValidatorId"); !v.empty()) {
          const auto* all = doc.if_contains("requestValidators");
          if (all == nullptr || !all->is_object() || !all->as_object().contains(v)) {
            return Status(errors::bad_request("Invalid Request Validator identifier specified"));
          }
        }
        if (const auto* rm = in.if_contains("requestModels"); rm != nullptr && rm->is_object()) {
          const auto* models = doc.if_contains("models");
          for (const auto& [type, name] : rm->as_object()) {
            if (!name.is_string()) continue;
            if (models == nullptr || !models->is_object() ||
                !models->as_object().contains(name.as_string())) {
              return Status(errors::bad_request("Invalid model identifier specified: " +
                                                std::string(name.as_string())));
            }
          }
        }
        json::object method{{"httpMethod", m}, {"apiKeyRequired", false}};
        for (const char* k : kMethodMembers) {
          if (has(in, k)) method[k] = in.at(k);
        }
        methods.as_object()[m] = method;
        out = std::move(method);
        return Status::ok();
      },
      std::move(respond));
}

Output RestApiService::get_method(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const json::object* m = find_method(api->doc, in);
  if (m == nullptr) return errors::not_found("Invalid Method identifier specified");
  return *m;
}

void RestApiService::delete_method(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        auto* r = find_resource(doc, in);
        auto* methods = r != nullptr ? r->as_object().if_contains("resourceMethods") : nullptr;
        if (methods == nullptr || methods->as_object().erase(str(in, "httpMethod")) == 0) {
          return Status(errors::not_found("Invalid Method identifier specified"));
        }
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::put_integration(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        json::object* m = find_method(doc, in);
        if (m == nullptr) return Status(errors::not_found("Invalid Method identifier specified"));
        if (auto st = check_rest_integration(str(in, "type"), str(in, "uri")); !st) return st;
        json::object integration{{"passthroughBehavior", "WHEN_NO_MATCH"},
                                 {"timeoutInMillis", 29000},
                                 {"cacheNamespace", str(in, "resourceId")},
                                 {"cacheKeyParameters", json::array()}};
        for (const char* k : kIntegrationMembers) {
          if (has(in, k)) integration[k] = in.at(k);
        }
        if (has(in, "integrationHttpMethod"))
          integration["httpMethod"] = in.at("integrationHttpMethod");
        (*m)["methodIntegration"] = integration;
        out = std::move(integration);
        return Status::ok();
      },
      std::move(respond));
}

Output RestApiService::get_integration(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const json::object* m = find_method(api->doc, in);
  const auto* i = m != nullptr ? m->if_contains("methodIntegration") : nullptr;
  if (i == nullptr) return errors::not_found("Invalid Integration identifier specified");
  return i->as_object();
}

void RestApiService::put_method_response(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        json::object* m = find_method(doc, in);
        if (m == nullptr) return Status(errors::not_found("Invalid Method identifier specified"));
        json::object resp{{"statusCode", str(in, "statusCode")}};
        for (const char* k : {"responseParameters", "responseModels"}) {
          if (has(in, k)) resp[k] = in.at(k);
        }
        auto& all = (*m)["methodResponses"];
        if (!all.is_object()) all = json::object();
        all.as_object()[str(in, "statusCode")] = resp;
        out = std::move(resp);
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::put_integration_response(const CallContext&, json::object in,
                                              Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        json::object* m = find_method(doc, in);
        auto* i = m != nullptr ? m->if_contains("methodIntegration") : nullptr;
        if (i == nullptr)
          return Status(errors::not_found("Invalid Integration identifier specified"));
        json::object resp{{"statusCode", str(in, "statusCode")}};
        for (const char* k :
             {"selectionPattern", "responseParameters", "responseTemplates", "contentHandling"}) {
          if (has(in, k)) resp[k] = in.at(k);
        }
        auto& all = i->as_object()["integrationResponses"];
        if (!all.is_object()) all = json::object();
        all.as_object()[str(in, "statusCode")] = resp;
        out = std::move(resp);
        return Status::ok();
      },
      std::move(respond));
}

}  // namespace nimbus::services::apigateway
