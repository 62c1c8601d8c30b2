#include "services/apigateway/rest_mapping.h"

#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/http_integration.h"
#include "services/apigateway/invoke.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

constexpr size_t kMaxSelector = 4096;

// A content type without its parameters, lower-case.
std::string media_type(std::string_view content_type) {
  std::string ct = http::to_lower(content_type.substr(0, content_type.find(';')));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  while (!ct.empty() && ct.front() == ' ') ct.erase(0, 1);
  return ct;
}

// $input: the body (the request's, or the integration's answer in a
// response template), JSONPath over it, and the method request's
// parameters.
class InputObject final : public vtl::HostObject {
 public:
  InputObject(std::string_view body, const ProxyRequest& p) : body_(body), p_(p) {}

  Answer call(std::string_view name, const std::vector<json::value>& args,
              bool property) const override {
    if (name == "body" && args.empty()) return json::value(json::string(body_));
    if (property) return std::optional<json::value>();
    if ((name == "json" || name == "path") && args.size() == 1 && args[0].is_string()) {
      auto v = vtl::json_path(doc(), args[0].get_string());
      if (name == "path") return v;
      return json::value(json::string(v ? vtl::json_text(*v) : std::string("null")));
    }
    if (name == "params" && args.empty()) return json::value(params());
    if (name == "params" && args.size() == 1 && args[0].is_string()) {
      std::string_view want = args[0].get_string();
      const json::object all = params();
      for (const char* where : {"path", "querystring"}) {
        if (const auto* v = all.at(where).as_object().if_contains(want)) return *v;
      }
      for (const auto& [n, v] : all.at("header").as_object()) {
        if (http::iequals(n, want)) return v;
      }
      return json::value(json::string());
    }
    return std::optional<json::value>();
  }

 private:
  std::string_view body_;
  const ProxyRequest& p_;
  mutable std::optional<json::value> doc_;

  // The body as JSON (parsed at the first use); a body that is not JSON
  // is its text.
  const json::value& doc() const {
    if (!doc_) {
      boost::system::error_code ec;
      json::parse_options opts;
      opts.max_depth = 64;
      doc_ = json::parse(body_, ec, {}, opts);
      if (ec) doc_ = json::string(body_);
    }
    return *doc_;
  }

  json::object params() const {
    json::object path, query, header;
    for (const auto& [k, v] : p_.path_params) path[k] = v;
    for (auto& [k, v] : query_pairs(p_.request->query())) query[k] = v;
    for (const auto& [k, v] : p_.request->headers) header[k] = v;
    return json::object{{"path", std::move(path)},
                        {"querystring", std::move(query)},
                        {"header", std::move(header)}};
  }
};

}  // namespace

json::object mapping_context(const ProxyRequest& p) {
  const http::Request& req = *p.request;
  std::string ip = source_ip(req.remote);
  json::object identity{{"sourceIp", ip},
                        {"userAgent", std::string(req.header("user-agent"))},
                        {"apiKey", std::string(req.header("x-api-key"))},
                        {"accountId", ""},
                        {"caller", ""},
                        {"user", ""},
                        {"userArn", ""},
                        {"accessKey", ""}};
  if (p.caller) {
    identity["accountId"] = p.caller->account_id;
    identity["caller"] = p.caller->principal_id;
    identity["user"] = p.caller->principal_id;
    identity["userArn"] = p.caller->principal_arn;
    identity["accessKey"] = p.caller->access_key_id;
  }
  json::object ctx{{"requestId", p.request_id},
                   {"extendedRequestId", p.request_id},
                   {"apiId", p.api_id},
                   {"stage", p.stage},
                   {"resourceId", p.resource_id},
                   {"resourcePath", p.resource_path},
                   {"httpMethod", req.method},
                   {"path", p.raw_path},
                   {"protocol", "HTTP/1.1"},
                   {"requestTime", clf_time(p.time_ms)},
                   {"requestTimeEpoch", p.time_ms},
                   {"domainName", p.domain_name},
                   {"domainPrefix", p.domain_name.substr(0, p.domain_name.find('.'))},
                   {"accountId", p.account_id},
                   {"identity", std::move(identity)},
                   {"responseOverride", json::object{{"header", json::object()}}}};
  if (p.authorizer) ctx["authorizer"] = *p.authorizer;
  return ctx;
}

namespace {

// Renders `t` for the request `p` with `body` as $input's; the text, or
// nullopt (logged as AWS's execution log would).
// `error`, when given, is $context.error (gateway responses).
std::optional<std::string> render(const CompiledTemplate* t, const ProxyRequest& p,
                                  std::string_view body, vtl::Template::Variables* assigned,
                                  const json::object* error = nullptr) {
  if (t == nullptr) return std::nullopt;
  if (const auto* e = std::get_if<vtl::Error>(t)) {
    spdlog::warn("({}) Execution failed: the mapping template does not parse: {} (line {})",
                 p.request_id, e->message, e->line);
    return std::nullopt;
  }
  const auto& tmpl = std::get<vtl::Template>(*t);
  InputObject input(body, p);
  vtl::Context ctx;
  // Only what the template names is made (a MOCK's {"statusCode": 200}
  // names nothing).
  if (tmpl.uses("context")) {
    json::object context = mapping_context(p);
    if (error != nullptr) context["error"] = *error;
    ctx.variables["context"] = std::move(context);
  }
  if (tmpl.uses("stageVariables")) {
    json::object stage_variables;
    for (const auto& [k, v] : p.stage_variables) stage_variables[k] = v;
    ctx.variables["stageVariables"] = std::move(stage_variables);
  }
  ctx.objects["input"] = &input;
  ctx.objects["util"] = &vtl::util_object();
  ctx.max_output = kRestPayloadLimit;
  auto out = tmpl.render(ctx, assigned);
  if (auto* e = std::get_if<vtl::Error>(&out)) {
    spdlog::warn("({}) Execution failed: the mapping template failed: {}", p.request_id,
                 e->message);
    return std::nullopt;
  }
  return std::move(std::get<std::string>(out));
}

const json::object* object_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace

void Mappings::parse_templates(const json::object& holder, std::string_view key) {
  const auto* ts = object_member(holder, key);
  if (ts == nullptr) return;
  for (const auto& [type, text] : *ts) {
    if (!text.is_string()) continue;
    auto parsed = vtl::Template::parse(text.get_string());
    templates_[&text] =
        std::get_if<vtl::Error>(&parsed) != nullptr
            ? std::make_shared<const CompiledTemplate>(std::get<vtl::Error>(parsed))
            : std::make_shared<const CompiledTemplate>(std::move(std::get<vtl::Template>(parsed)));
  }
}

void Mappings::compile_gateway_responses(const json::object& responses) {
  for (const auto& [type, r] : responses) {
    if (r.is_object()) parse_templates(r.as_object(), "responseTemplates");
  }
}

void Mappings::compile(const json::object& resources) {
  for (const auto& [id, r] : resources) {
    const auto* methods = r.is_object() ? object_member(r.as_object(), "resourceMethods") : nullptr;
    if (methods == nullptr) continue;
    for (const auto& [name, m] : *methods) {
      const auto* integration =
          m.is_object() ? object_member(m.as_object(), "methodIntegration") : nullptr;
      if (integration == nullptr) continue;
      parse_templates(*integration, "requestTemplates");
      const auto* responses = object_member(*integration, "integrationResponses");
      if (responses == nullptr) continue;
      for (const auto& [code, resp] : *responses) {
        if (!resp.is_object()) continue;
        parse_templates(resp.as_object(), "responseTemplates");
        const auto* pattern = resp.as_object().if_contains("selectionPattern");
        if (pattern == nullptr || !pattern->is_string() || pattern->get_string().empty()) continue;
        try {
          patterns_[pattern] =
              std::make_shared<const std::regex>(std::string(pattern->get_string()));
        } catch (const std::regex_error&) {
          // A pattern std::regex cannot read matches nothing.
        }
      }
    }
  }
}

const CompiledTemplate* Mappings::find(const json::value& text) const {
  auto it = templates_.find(&text);
  return it == templates_.end() ? nullptr : it->second.get();
}

const std::regex* Mappings::pattern(const json::value& text) const {
  auto it = patterns_.find(&text);
  return it == patterns_.end() ? nullptr : it->second.get();
}

std::variant<std::string, http::Response> map_request(const Mappings& mappings,
                                                      const json::object& integration,
                                                      const ProxyRequest& p) {
  std::string ct = media_type(p.request->header("content-type"));
  if (ct.empty()) ct = "application/json";
  const auto* templates = object_member(integration, "requestTemplates");
  bool any = templates != nullptr && !templates->empty();
  if (any) {
    if (const auto* text = templates->if_contains(ct); text != nullptr && text->is_string()) {
      auto body = render(mappings.find(*text), p, p.request->body, nullptr);
      if (!body) return gateway_error(500, "Internal server error");
      return std::move(*body);
    }
  }
  std::string behavior = str(integration, "passthroughBehavior");
  if (behavior == "NEVER" || (behavior == "WHEN_NO_TEMPLATES" && any))
    return gateway_error(415, "Unsupported Media Type");
  return p.request->body;
}

const json::object* select_response(const Mappings& mappings, const json::object& integration,
                                    const std::optional<std::string>& selector) {
  const auto* responses = object_member(integration, "integrationResponses");
  if (responses == nullptr) return nullptr;
  const json::object* fallback = nullptr;
  std::string_view subject;
  if (selector) subject = std::string_view(*selector).substr(0, kMaxSelector);
  for (const auto& [code, r] : *responses) {
    if (!r.is_object()) continue;
    const auto* pattern = r.as_object().if_contains("selectionPattern");
    if (pattern == nullptr || !pattern->is_string() || pattern->get_string().empty()) {
      if (fallback == nullptr) fallback = &r.as_object();
      continue;
    }
    if (!selector) continue;
    const std::regex* re = mappings.pattern(*pattern);
    try {
      if (re != nullptr && std::regex_match(subject.begin(), subject.end(), *re))
        return &r.as_object();
    } catch (const std::regex_error&) {
      // Too complex to match (error_complexity, error_stack): no match.
    }
  }
  return fallback;
}

std::optional<http::Response> map_response(
    const Mappings& mappings, const json::object* chosen, std::string body,
    const std::vector<std::pair<std::string, std::string>>& headers, const ProxyRequest& p) {
  if (chosen == nullptr) return std::nullopt;
  http::Response resp;
  resp.status = std::atoi(str(*chosen, "statusCode").c_str());
  if (resp.status < 100 || resp.status > 599) return std::nullopt;
  std::optional<json::value> body_doc;
  apply_response_parameters(
      *chosen, resp, [&](std::string_view expr) -> std::optional<std::string> {
        constexpr std::string_view kHeader = "integration.response.header.";
        constexpr std::string_view kBody = "integration.response.body";
        if (expr.starts_with(kHeader)) {
          std::string name = http::to_lower(expr.substr(kHeader.size()));
          for (const auto& [n, v] : headers) {
            if (http::iequals(n, name)) return v;
          }
          return std::nullopt;
        }
        if (!expr.starts_with(kBody)) return std::nullopt;
        if (expr == kBody) return body;
        if (!body_doc) {
          boost::system::error_code ec;
          body_doc = json::parse(body, ec);
          if (ec) body_doc = json::value(nullptr);
        }
        auto v = vtl::json_path(*body_doc, "$" + std::string(expr.substr(kBody.size())));
        if (!v) return std::nullopt;
        return v->is_string() ? std::string(v->get_string()) : vtl::json_text(*v);
      });
  const json::value* text = nullptr;
  std::string type = "application/json";
  if (const auto* templates = object_member(*chosen, "responseTemplates");
      templates != nullptr && !templates->empty()) {
    std::string accept = media_type(p.request->header("accept"));
    accept = accept.substr(0, accept.find(','));
    for (const std::string& want : {accept, std::string("application/json")}) {
      if (text == nullptr && !want.empty() && templates->contains(want)) {
        text = &templates->at(want);
        type = want;
      }
    }
    if (text == nullptr) {
      text = &templates->begin()->value();
      type = templates->begin()->key();
    }
  }
  if (text != nullptr && text->is_string() && !text->get_string().empty()) {
    vtl::Template::Variables assigned;
    auto rendered = render(mappings.find(*text), p, body, &assigned);
    if (!rendered) return std::nullopt;
    resp.body = std::move(*rendered);
    if (auto it = assigned.find("context"); it != assigned.end() && it->second.is_object()) {
      if (const auto* o = object_member(it->second.as_object(), "responseOverride")) {
        const auto* status = o->if_contains("status");
        int s = 0;
        if (status != nullptr && status->is_int64()) s = static_cast<int>(status->as_int64());
        if (status != nullptr && status->is_string()) s = std::atoi(status->as_string().c_str());
        if (s >= 100 && s <= 599) resp.status = s;
        if (const auto* h = object_member(*o, "header")) {
          for (const auto& [n, v] : *h) resp.set_header(std::string(n), vtl::to_text(v));
        }
      }
    }
  } else {
    resp.body = std::move(body);
  }
  if (resp.header("content-type").empty()) resp.set_header("Content-Type", type);
  return resp;
}

http::Response mapping_failure(const std::string& request_id, const json::object* chosen) {
  if (chosen == nullptr) {
    spdlog::warn(
        "({}) Execution failed due to configuration error: No match for output mapping and no "
        "default output mapping configured",
        request_id);
  }
  auto resp = gateway_error(500, "Internal server error");
  mark_gateway_error(resp, "API_CONFIGURATION_ERROR");
  return resp;
}

std::optional<std::string> render_gateway_template(const Mappings& mappings,
                                                   const json::value& text, const ProxyRequest& p,
                                                   const json::object& error) {
  std::string_view body = p.request != nullptr ? std::string_view(p.request->body) : "";
  return render(mappings.find(text), p, body, nullptr, &error);
}

std::string lambda_error_message(std::string_view payload) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) return "";
  return str(v.as_object(), "errorMessage");
}

}  // namespace nimbus::services::apigateway
