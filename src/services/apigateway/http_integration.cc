#include "services/apigateway/http_integration.h"

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/invoke.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

constexpr size_t kMaxResponse = 10 * 1024 * 1024;

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// A query string as raw (still encoded) name/value pairs, in order.
using RawQuery = std::vector<std::pair<std::string, std::string>>;

RawQuery split_query(std::string_view q) {
  RawQuery out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    out.emplace_back(std::string(part.substr(0, eq)),
                     eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1)));
  }
  return out;
}

std::string join_query(const RawQuery& q) {
  std::string out;
  for (const auto& [n, v] : q) {
    if (!out.empty()) out += '&';
    out += n;
    out += '=';
    out += v;
  }
  return out;
}

std::string with_query(std::string url, const std::string& query) {
  if (query.empty()) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

std::optional<std::string> first_query(const http::Request& r, std::string_view name) {
  for (auto& [k, v] : query_pairs(r.query())) {
    if (k == name) return v;
  }
  return std::nullopt;
}

void set_header(http::Headers& headers, const std::string& name, std::string value) {
  std::string lower = http::to_lower(name);
  std::erase_if(headers, [&](const auto& h) { return http::iequals(h.first, lower); });
  headers.emplace_back(lower, std::move(value));
}

// The request's headers a proxy forwards, with the caller's address added
// to X-Forwarded-For.
http::Headers forwarded_headers(const ProxyRequest& p) {
  http::Headers out;
  std::string forwarded_for;
  for (const auto& [n, v] : p.request->headers) {
    if (hop_by_hop(n) || n == "host" || n == "expect") continue;
    if (n == "x-forwarded-for") {
      forwarded_for = v;
      continue;
    }
    out.emplace_back(n, v);
  }
  std::string ip = source_ip(p.request->remote);
  out.emplace_back("x-forwarded-for", forwarded_for.empty() ? ip : forwarded_for + ", " + ip);
  return out;
}

}  // namespace

std::optional<std::string> rest_value(std::string_view expr, const ProxyRequest& p,
                                      const boost::json::object* context) {
  if (expr.size() >= 2 && expr.front() == '\'' && expr.back() == '\'') {
    return std::string(expr.substr(1, expr.size() - 2));
  }
  auto after = [&](std::string_view prefix) -> std::optional<std::string> {
    if (!expr.starts_with(prefix)) return std::nullopt;
    return std::string(expr.substr(prefix.size()));
  };
  if (auto n = after("method.request.path.")) {
    auto it = p.path_params.find(*n);
    if (it != p.path_params.end()) return it->second;
  } else if (auto n = after("method.request.querystring.")) {
    return first_query(*p.request, *n);
  } else if (auto n = after("method.request.header.")) {
    if (p.request->has_header(http::to_lower(*n))) {
      return std::string(p.request->header(http::to_lower(*n)));
    }
  } else if (auto n = after("stageVariables.")) {
    auto it = p.stage_variables.find(*n);
    if (it != p.stage_variables.end()) return it->second;
  } else if (auto n = after("context."); n && context != nullptr) {
    // Walk the dotted path through $context's objects.
    const boost::json::value* v = nullptr;
    const boost::json::object* at = context;
    std::string_view rest = *n;
    while (at != nullptr) {
      size_t dot = rest.find('.');
      v = at->if_contains(rest.substr(0, dot));
      if (v == nullptr || dot == std::string_view::npos) break;
      at = v->is_object() ? &v->as_object() : nullptr;
      rest = rest.substr(dot + 1);
      v = nullptr;
    }
    if (v == nullptr || v->is_null()) return std::nullopt;
    return v->is_string() ? std::string(v->get_string()) : boost::json::serialize(*v);
  } else if (expr == "context.requestId") {
    return p.request_id;
  }
  return std::nullopt;
}

std::string http_api_value(std::string_view text, const ProxyRequest& p) {
  auto name_char = [](char c) { return unreserved(c) && c != '.'; };
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      out += text[i++];
      continue;
    }
    std::string_view rest = text.substr(i);
    auto take = [&](std::string_view prefix) -> std::optional<std::string> {
      if (!rest.starts_with(prefix)) return std::nullopt;
      size_t end = prefix.size();
      while (end < rest.size() && name_char(rest[end])) ++end;
      std::string name(rest.substr(prefix.size(), end - prefix.size()));
      i += end;
      return name;
    };
    if (auto n = take("$request.header.")) {
      out += p.request->header(http::to_lower(*n));
    } else if (auto n = take("$request.querystring.")) {
      out += first_query(*p.request, *n).value_or("");
    } else if (auto n = take("$request.path.")) {
      auto it = p.path_params.find(*n);
      if (it != p.path_params.end()) out += it->second;
    } else if (auto n = take("$stageVariables.")) {
      auto it = p.stage_variables.find(*n);
      if (it != p.stage_variables.end()) out += it->second;
    } else if (rest.starts_with("$context.requestId")) {
      out += p.request_id;
      i += std::string_view("$context.requestId").size();
    } else if (rest.starts_with("$request.path")) {
      out += p.path;
      i += std::string_view("$request.path").size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

namespace {

// The path of an http(s) URL ("" when it has none), for the HTTP API rule
// that a URI without one gets the request's.
std::string_view url_path(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  size_t slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return {};
  return url.substr(slash, url.find('?', slash) - slash);
}

}  // namespace

bool hop_by_hop(std::string_view n) {
  static constexpr std::string_view kHop[] = {
      "connection", "keep-alive",    "proxy-authenticate", "proxy-authorization",
      "te",         "trailer",       "trailers",           "transfer-encoding",
      "upgrade",    "content-length"};
  for (auto h : kHop) {
    if (http::iequals(n, h)) return true;
  }
  return false;
}

std::string substitute_uri(const std::string& uri,
                           const std::map<std::string, std::string>& params) {
  std::string out;
  size_t i = 0;
  while (i < uri.size()) {
    size_t open = uri.find('{', i);
    size_t close = open == std::string::npos ? open : uri.find('}', open);
    if (close == std::string::npos) {
      out.append(uri, i);
      break;
    }
    out.append(uri, i, open - i);
    std::string name = uri.substr(open + 1, close - open - 1);
    if (name.ends_with('+')) name.pop_back();
    auto it = params.find(name);
    if (it == params.end()) {
      out.append(uri, open, close + 1 - open);
    } else {
      out += percent_encode(it->second, true);
    }
    i = close + 1;
  }
  return out;
}

http::ClientRequest rest_request(const json::object& integration, const ProxyRequest& p) {
  bool proxy = str(integration, "type") == "HTTP_PROXY";
  http::ClientRequest out;
  out.method = str(integration, "httpMethod");
  if (out.method.empty() || out.method == "ANY") out.method = p.request->method;
  out.timeout = std::chrono::milliseconds(integer(integration, "timeoutInMillis").value_or(29000));
  std::map<std::string, std::string> path = proxy ? p.path_params : decltype(p.path_params){};
  RawQuery query = proxy ? split_query(p.request->query()) : RawQuery{};
  if (proxy) {
    out.headers = forwarded_headers(p);
  } else if (auto ct = p.request->header("content-type"); !ct.empty()) {
    out.headers.emplace_back("content-type", std::string(ct));
  }
  if (const auto* m = integration.if_contains("requestParameters");
      m != nullptr && m->is_object()) {
    for (const auto& [to, from] : m->as_object()) {
      if (!from.is_string()) continue;
      auto value = rest_value(from.as_string(), p);
      if (!value) continue;
      std::string_view target = to;
      if (target.starts_with("integration.request.path.")) {
        path[std::string(target.substr(25))] = std::move(*value);
      } else if (target.starts_with("integration.request.querystring.")) {
        std::string name = percent_encode(target.substr(32), false);
        std::erase_if(query, [&](const auto& q) { return q.first == name; });
        query.emplace_back(name, percent_encode(*value, false));
      } else if (target.starts_with("integration.request.header.")) {
        set_header(out.headers, std::string(target.substr(27)), std::move(*value));
      }
    }
  }
  out.url = with_query(substitute_uri(str(integration, "uri"), path), join_query(query));
  out.body = p.request->body;
  return out;
}

http::ClientRequest http_api_request(const json::object& integration, const ProxyRequest& p) {
  http::ClientRequest out;
  out.method = str(integration, "IntegrationMethod");
  if (out.method.empty() || out.method == "ANY") out.method = p.request->method;
  out.timeout = std::chrono::milliseconds(integer(integration, "TimeoutInMillis").value_or(30000));
  out.headers = forwarded_headers(p);
  std::string url = str(integration, "IntegrationUri");
  std::string base = url.substr(0, url.find('?'));
  std::string url_query = url.size() > base.size() ? url.substr(base.size() + 1) : "";
  std::string path(url_path(base));
  if (path.empty() || path == "/") {
    // A URI without a path forwards the request's path.
    base = base.substr(0, base.size() - path.size());
    path = p.path;
  } else {
    path = substitute_uri(path, p.path_params);
    base = base.substr(0, base.size() - url_path(base).size());
  }
  RawQuery query = split_query(url_query);
  for (auto& q : split_query(p.request->query())) query.push_back(std::move(q));
  if (const auto* m = integration.if_contains("RequestParameters");
      m != nullptr && m->is_object()) {
    for (const auto& [key, v] : m->as_object()) {
      if (!v.is_string()) continue;
      std::string_view k = key;
      size_t colon = k.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view action = k.substr(0, colon), target = k.substr(colon + 1);
      std::string value = http_api_value(v.as_string(), p);
      if (target == "path" && action == "overwrite") {
        path = value.starts_with('/') ? value : "/" + value;
      } else if (target.starts_with("header.")) {
        std::string name = http::to_lower(target.substr(7));
        if (action == "remove") {
          std::erase_if(out.headers, [&](const auto& h) { return h.first == name; });
        } else if (action == "append") {
          out.headers.emplace_back(name, value);
        } else if (action == "overwrite") {
          set_header(out.headers, name, value);
        }
      } else if (target.starts_with("querystring.")) {
        std::string name = percent_encode(target.substr(12), false);
        if (action != "append") {
          std::erase_if(query, [&](const auto& q) { return q.first == name; });
        }
        if (action != "remove") query.emplace_back(name, percent_encode(value, false));
      }
    }
  }
  out.url = with_query(base + path, join_query(query));
  out.body = p.request->body;
  return out;
}

http::Response relay(http::ClientResponse from) {
  http::Response resp;
  resp.status = from.status;
  for (auto& [n, v] : from.headers) {
    if (!hop_by_hop(n)) resp.headers.emplace_back(std::move(n), std::move(v));
  }
  resp.body = std::move(from.body);
  return resp;
}

void apply_response_parameters(
    const json::object& integration_response, http::Response& resp,
    const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  const auto* p = integration_response.if_contains("responseParameters");
  if (p == nullptr || !p->is_object()) return;
  constexpr std::string_view kHeader = "method.response.header.";
  for (const auto& [name, v] : p->as_object()) {
    if (!std::string_view(name).starts_with(kHeader) || !v.is_string()) continue;
    std::string_view expr = v.as_string();
    std::optional<std::string> value;
    if (expr.size() >= 2 && expr.front() == '\'' && expr.back() == '\'') {
      value = std::string(expr.substr(1, expr.size() - 2));
    } else if (lookup) {
      value = lookup(expr);
    }
    if (value) resp.set_header(std::string(std::string_view(name).substr(kHeader.size())), *value);
  }
}

http::Response endpoint_failure(const Error& e, bool http_api) {
  if (e.code == "Timeout") {
    return http_api ? gateway_error(503, "Service Unavailable")
                    : gateway_error(504, "Endpoint request timed out");
  }
  if (http_api) return gateway_error(500, "Internal Server Error");
  auto resp = gateway_error(500, "Internal server error");
  mark_gateway_error(resp, "INTEGRATION_FAILURE");
  return resp;
}

void Outbound::fetch(http::ClientRequest request, http::FetchDone done) {
  std::call_once(once_, [this] {
    http::ClientOptions options;
    options.max_body_bytes = kMaxResponse;
    client_ = std::make_unique<http::Client>(options);
  });
  client_->fetch(std::move(request), std::move(done));
}

}  // namespace nimbus::services::apigateway
