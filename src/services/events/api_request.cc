#include "services/events/api_request.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/events/errors.h"
#include "services/events/transform.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;
using ::nimbus::events::Failure;
using ::nimbus::events::Outcome;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void set_header(http::Headers& headers, std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
}

void add_query(std::string& url, std::string_view key, std::string_view value) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += percent_encode(key) + "=" + percent_encode(value);
}

// Each Key/Value of a ConnectionHttpParameters list (HeaderParameters,
// QueryStringParameters, BodyParameters) of `params`.
template <typename F>
void each_param(const json::object& params, std::string_view list, F&& f) {
  const auto* l = params.if_contains(list);
  if (l == nullptr || !l->is_array()) return;
  for (const auto& p : l->as_array()) {
    if (p.is_object()) f(str(p.as_object(), "Key"), str(p.as_object(), "Value"));
  }
}

std::string resolve(const json::value& v, const json::value& event) {
  std::string text = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  if (text.rfind("$.", 0) != 0) return text;
  auto picked = select_path(event, text);
  if (!picked || *picked == nullptr) return "";
  return (*picked)->is_string() ? std::string((*picked)->as_string()) : json::serialize(**picked);
}

}  // namespace

Outcome delivery_failure(Failure kind, std::string code, std::string message) {
  Error e;
  e.code = std::move(code);
  e.message = std::move(message);
  return Outcome::failed(kind, std::move(e));
}

Status check_http_parameters(const json::value& params) {
  if (!params.is_object()) return errors::validation("Parameter HttpParameters is not valid.");
  const auto& o = params.as_object();
  if (const auto* p = o.if_contains("PathParameterValues"); p != nullptr) {
    if (!p->is_array()) return errors::validation("Parameter PathParameterValues is not valid.");
    for (const auto& v : p->as_array()) {
      if (!v.is_string()) return errors::validation("Parameter PathParameterValues is not valid.");
    }
  }
  for (const char* map : {"HeaderParameters", "QueryStringParameters"}) {
    const auto* m = o.if_contains(map);
    if (m == nullptr) continue;
    if (!m->is_object())
      return errors::validation("Parameter " + std::string(map) + " is not valid.");
    for (const auto& [k, v] : m->as_object()) {
      if (!v.is_string() || k.empty()) {
        return errors::validation("Parameter " + std::string(map) + " is not valid.");
      }
    }
  }
  return Status::ok();
}

::nimbus::events::Attribute http_parameters_attribute(const json::object& params,
                                                      const json::value& event) {
  json::object out;
  if (const auto* p = params.if_contains("PathParameterValues"); p && p->is_array()) {
    json::array values;
    for (const auto& v : p->as_array()) values.emplace_back(resolve(v, event));
    out["path"] = std::move(values);
  }
  for (auto [from, to] :
       {std::pair{"HeaderParameters", "headers"}, std::pair{"QueryStringParameters", "query"}}) {
    if (const auto* m = object_at(params, from)) {
      json::object values;
      for (const auto& [k, v] : *m) values[k] = resolve(v, event);
      out[to] = std::move(values);
    }
  }
  return {kHttpParametersAttribute, "String", json::serialize(out)};
}

Result<http::ClientRequest> invocation(const ApiDestination& d, const Connection& c,
                                       const ::nimbus::events::Delivery& delivery,
                                       const std::string& token) {
  json::object params;
  for (const auto& a : delivery.attributes) {
    if (a.name == kHttpParametersAttribute) params = parse_object(a.value).value_or(params);
  }
  http::ClientRequest r;
  r.method = d.method;
  r.timeout = kInvocationTimeout;
  // The path's `*` wildcards, in order, from PathParameterValues.
  auto values = string_list(params, "path");
  size_t path_at = d.endpoint.find("://");
  path_at = d.endpoint.find('/', path_at == std::string::npos ? 0 : path_at + 3);
  size_t next = 0;
  for (size_t i = 0; i < d.endpoint.size(); ++i) {
    char ch = d.endpoint[i];
    if (ch == '?') {
      r.url += d.endpoint.substr(i);
      break;
    }
    if (ch == '*' && path_at != std::string::npos && i > path_at) {
      if (next == values.size()) {
        return delivery_failure(Failure::kRejected, "INVALID_PARAMETER",
                                "The endpoint " + d.endpoint + " needs more PathParameterValues.")
            .error();
      }
      r.url += percent_encode(values[next++]);
    } else {
      r.url += ch;
    }
  }
  for (const auto& [k, v] : string_map(params, "query")) add_query(r.url, k, v);
  r.headers = {{"Content-Type", "application/json; charset=utf-8"},
               {"User-Agent", "Amazon/EventBridge/ApiDestinations"},
               {"Range", "bytes=0-1048575"}};
  for (const auto& [k, v] : string_map(params, "headers")) set_header(r.headers, k, v);
  if (r.method != "GET" && r.method != "HEAD") r.body = delivery.body;
  add_connection(c, token, r);
  return r;
}

void add_connection(const Connection& c, const std::string& token, http::ClientRequest& r) {
  const json::object empty;
  const auto* invocation_params = object_at(c.auth, "InvocationHttpParameters");
  if (invocation_params == nullptr) invocation_params = &empty;
  each_param(*invocation_params, "QueryStringParameters",
             [&](const std::string& k, const std::string& v) { add_query(r.url, k, v); });
  each_param(*invocation_params, "HeaderParameters",
             [&](const std::string& k, const std::string& v) { set_header(r.headers, k, v); });
  if (c.auth_type == "BASIC") {
    const auto* b = object_at(c.auth, "BasicAuthParameters");
    if (b != nullptr) {
      set_header(r.headers, "Authorization",
                 "Basic " + base64_encode(str(*b, "Username") + ":" + str(*b, "Password")));
    }
  } else if (c.auth_type == "API_KEY") {
    if (const auto* k = object_at(c.auth, "ApiKeyAuthParameters")) {
      set_header(r.headers, str(*k, "ApiKeyName"), str(*k, "ApiKeyValue"));
    }
  } else if (!token.empty()) {
    set_header(r.headers, "Authorization", "Bearer " + token);
  }
  if (r.method != "GET" && r.method != "HEAD") {
    // The connection's BodyParameters join a JSON object body.
    auto body = parse_object(r.body);
    bool added = false;
    each_param(*invocation_params, "BodyParameters",
               [&](const std::string& k, const std::string& v) {
                 if (body) (*body)[k] = v, added = true;
               });
    if (added) r.body = json::serialize(*body);
  }
}

http::ClientRequest token_request(const Connection& c) {
  http::ClientRequest r;
  r.timeout = kInvocationTimeout;
  const json::object empty;
  const auto* o = object_at(c.auth, "OAuthParameters");
  if (o == nullptr) o = &empty;
  r.method = str(*o, "HttpMethod");
  r.url = str(*o, "AuthorizationEndpoint");
  const auto* client = object_at(*o, "ClientParameters");
  if (client != nullptr) {
    r.headers.emplace_back(
        "Authorization",
        "Basic " + base64_encode(str(*client, "ClientID") + ":" + str(*client, "ClientSecret")));
  }
  const auto* extra = object_at(*o, "OAuthHttpParameters");
  if (extra == nullptr) extra = &empty;
  each_param(*extra, "QueryStringParameters",
             [&](const std::string& k, const std::string& v) { add_query(r.url, k, v); });
  each_param(*extra, "HeaderParameters",
             [&](const std::string& k, const std::string& v) { set_header(r.headers, k, v); });
  std::string form;
  bool grant = false;
  each_param(*extra, "BodyParameters", [&](const std::string& k, const std::string& v) {
    grant = grant || k == "grant_type";
    form += (form.empty() ? "" : "&") + percent_encode(k) + "=" + percent_encode(v);
  });
  if (!grant) form = "grant_type=client_credentials" + (form.empty() ? "" : "&" + form);
  if (r.method == "GET") {
    r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + form;
  } else {
    r.body = std::move(form);
    set_header(r.headers, "Content-Type", "application/x-www-form-urlencoded");
  }
  return r;
}

Result<Token> parse_token(const http::ClientResponse& r) {
  if (r.status < 200 || r.status > 299) {
    return Error{"OAUTH_FAILURE",
                 "The authorization endpoint answered HTTP " + std::to_string(r.status) + "."};
  }
  auto o = parse_object(r.body);
  if (!o || str(*o, "access_token").empty()) {
    return Error{"OAUTH_FAILURE", "The authorization endpoint's answer has no access_token."};
  }
  Token t;
  t.value = str(*o, "access_token");
  t.expires_in_s = integer(*o, "expires_in").value_or(3600);
  return t;
}

Outcome outcome(const Result<http::ClientResponse>& r) {
  if (!r) {
    const auto& code = r.error().code;
    if (code == "InvalidUrl") {
      return delivery_failure(Failure::kRejected, "INVALID_PARAMETER", r.error().message);
    }
    return delivery_failure(Failure::kUnavailable,
                            code == "Timeout" ? "TIMEOUT" : "CONNECTION_FAILURE",
                            r.error().message);
  }
  int s = r->status;
  if (s >= 200 && s <= 299) return Outcome::ok();
  std::string message = "The API destination endpoint answered HTTP " + std::to_string(s) + ".";
  if (s == 429) return delivery_failure(Failure::kThrottled, "THROTTLING", message);
  if (s == 401 || s == 407 || s == 409 || s >= 500) {
    return delivery_failure(Failure::kUnavailable, "SDK_CLIENT_ERROR", message);
  }
  return delivery_failure(Failure::kRejected, "SDK_CLIENT_ERROR", message);
}

}  // namespace nimbus::services::eventbridge
