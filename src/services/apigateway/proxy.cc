#include "services/apigateway/proxy.h"

#include <cmath>
#include <ctime>

#include "common/encoding.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

json::object map_object(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

void put_body(json::object& e, const ProxyRequest& r, bool absent_as_null) {
  const std::string& body = r.request->body;
  if (body.empty()) {
    if (absent_as_null) e["body"] = nullptr;
    e["isBase64Encoded"] = false;
    return;
  }
  e["body"] = r.binary_body ? base64_encode(body) : body;
  e["isBase64Encoded"] = r.binary_body;
}

// A header value as a function may give it (string, number, boolean).
std::optional<std::string> scalar(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64() || v.is_uint64() || v.is_double() || v.is_bool()) return json::serialize(v);
  return std::nullopt;
}

std::optional<int> status_of(const json::value& v) {
  int64_t n = 0;
  if (v.is_int64()) {
    n = v.as_int64();
  } else if (v.is_uint64()) {
    n = static_cast<int64_t>(v.as_uint64());
  } else if (v.is_double() && std::fabs(v.as_double()) < 1e18 &&
             v.as_double() == static_cast<double>(static_cast<int64_t>(v.as_double()))) {
    n = static_cast<int64_t>(v.as_double());
  } else if (v.is_string()) {
    auto s = v.as_string();
    if (s.empty() || s.size() > 3) return std::nullopt;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
  } else {
    return std::nullopt;
  }
  if (n < 100 || n > 599) return std::nullopt;
  return static_cast<int>(n);
}

// statusCode, headers, body and isBase64Encoded, shared by both formats.
std::optional<http::Response> common_response(const json::object& o) {
  http::Response resp;
  const auto* code = o.if_contains("statusCode");
  if (code == nullptr) return std::nullopt;
  auto status = status_of(*code);
  if (!status) return std::nullopt;
  resp.status = *status;
  if (const auto* h = o.if_contains("headers"); h != nullptr && !h->is_null()) {
    if (!h->is_object()) return std::nullopt;
    for (const auto& [k, v] : h->as_object()) {
      auto s = scalar(v);
      if (!s) return std::nullopt;
      resp.headers.emplace_back(std::string(k), std::move(*s));
    }
  }
  bool b64 = false;
  if (const auto* b = o.if_contains("isBase64Encoded"); b != nullptr && !b->is_null()) {
    if (!b->is_bool()) return std::nullopt;
    b64 = b->as_bool();
  }
  if (const auto* b = o.if_contains("body"); b != nullptr && !b->is_null()) {
    if (!b->is_string()) return std::nullopt;
    if (b64) {
      auto raw = base64_decode(b->as_string());
      if (!raw) return std::nullopt;
      resp.body = std::move(*raw);
    } else {
      resp.body = std::string(b->as_string());
    }
  }
  return resp;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> query_pairs(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < q.size()) {
    size_t amp = q.find('&', i);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view part = q.substr(i, amp - i);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string name = percent_decode(part.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? "" : percent_decode(part.substr(eq + 1), true);
      out.emplace_back(std::move(name), std::move(value));
    }
    i = amp + 1;
  }
  return out;
}

bool is_text_content(std::string_view ct) {
  std::string t = http::to_lower(ct.substr(0, ct.find(';')));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t.starts_with("text/") || t == "application/json" || t.ends_with("+json") ||
         t == "application/xml" || t.ends_with("+xml") || t == "application/javascript" ||
         t == "application/ecmascript" || t == "application/graphql";
}

std::string clf_time(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return buf;
}

std::string source_ip(const std::string& remote) {
  size_t colon = remote.rfind(':');
  if (colon == std::string::npos || remote.find(':') != colon) return remote;  // v4:port only
  return remote.substr(0, colon);
}

std::string event_v2(const ProxyRequest& r) {
  const http::Request& req = *r.request;
  json::object e;
  e["version"] = "2.0";
  e["routeKey"] = r.route_key;
  e["rawPath"] = r.raw_path;
  e["rawQueryString"] = std::string(req.query());
  json::array cookies;
  json::object headers;
  for (const auto& [name, value] : req.headers) {
    if (name == "cookie") {
      std::string_view v = value;
      while (!v.empty()) {
        size_t semi = v.find(';');
        std::string_view c = v.substr(0, semi);
        while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
        if (!c.empty()) cookies.emplace_back(c);
        if (semi == std::string_view::npos) break;
        v.remove_prefix(semi + 1);
      }
      continue;
    }
    if (auto* prev = headers.if_contains(name)) {
      prev->as_string().append(",").append(value);
    } else {
      headers[name] = value;
    }
  }
  if (!cookies.empty()) e["cookies"] = std::move(cookies);
  e["headers"] = std::move(headers);
  json::object query;
  for (auto& [k, v] : query_pairs(req.query())) {
    if (auto* prev = query.if_contains(k)) {
      prev->as_string().append(",").append(v);
    } else {
      query[k] = v;
    }
  }
  if (!query.empty()) e["queryStringParameters"] = std::move(query);
  std::string ip = source_ip(req.remote);
  std::string agent(req.header("user-agent"));
  e["requestContext"] =
      json::object{{"accountId", r.account_id},
                   {"apiId", r.api_id},
                   {"domainName", r.domain_name},
                   {"domainPrefix", r.domain_name.substr(0, r.domain_name.find('.'))},
                   {"http", json::object{{"method", req.method},
                                         {"path", r.raw_path},
                                         {"protocol", "HTTP/1.1"},
                                         {"sourceIp", ip},
                                         {"userAgent", agent}}},
                   {"requestId", r.request_id},
                   {"routeKey", r.route_key},
                   {"stage", r.stage},
                   {"time", clf_time(r.time_ms)},
                   {"timeEpoch", r.time_ms}};
  if (r.authorizer) e["requestContext"].as_object()["authorizer"] = *r.authorizer;
  if (r.caller) {
    auto& ctx = e["requestContext"].as_object();
    ctx["authorizer"] = json::object{{"iam", json::object{{"accessKey", r.caller->access_key_id},
                                                          {"accountId", r.caller->account_id},
                                                          {"callerId", r.caller->principal_id},
                                                          {"cognitoIdentity", nullptr},
                                                          {"principalOrgId", nullptr},
                                                          {"userArn", r.caller->principal_arn},
                                                          {"userId", r.caller->principal_id}}}};
    if (r.account_id == "anonymous") ctx["accountId"] = r.caller->account_id;  // function URLs
  }
  if (!r.path_params.empty()) e["pathParameters"] = map_object(r.path_params);
  if (!r.stage_variables.empty()) e["stageVariables"] = map_object(r.stage_variables);
  put_body(e, r, false);
  return json::serialize(e);
}

std::string event_v1(const ProxyRequest& r) {
  const http::Request& req = *r.request;
  json::object e;
  if (r.http_api) e["version"] = "1.0";
  e["resource"] = r.resource_path;
  e["path"] = r.path;
  e["httpMethod"] = req.method;
  json::object headers, multi;
  for (const auto& [name, value] : req.headers) {
    // REST APIs hand headers over as the client spelled them; the edge keeps
    // them lower-cased, which HTTP APIs do too.
    headers[name] = value;
    auto& list = multi[name];
    if (list.is_null()) list = json::array();
    list.as_array().emplace_back(value);
  }
  e["headers"] = std::move(headers);
  e["multiValueHeaders"] = std::move(multi);
  json::object query, mquery;
  for (auto& [k, v] : query_pairs(req.query())) {
    query[k] = v;
    auto& list = mquery[k];
    if (list.is_null()) list = json::array();
    list.as_array().emplace_back(v);
  }
  if (query.empty()) {
    e["queryStringParameters"] = nullptr;
    e["multiValueQueryStringParameters"] = nullptr;
  } else {
    e["queryStringParameters"] = std::move(query);
    e["multiValueQueryStringParameters"] = std::move(mquery);
  }
  std::string agent(req.header("user-agent"));
  json::object identity{{"cognitoIdentityPoolId", nullptr},
                        {"accountId", nullptr},
                        {"cognitoIdentityId", nullptr},
                        {"caller", nullptr},
                        {"sourceIp", source_ip(req.remote)},
                        {"principalOrgId", nullptr},
                        {"accessKey", nullptr},
                        {"cognitoAuthenticationType", nullptr},
                        {"cognitoAuthenticationProvider", nullptr},
                        {"userArn", nullptr},
                        {"userAgent", agent},
                        {"user", nullptr}};
  if (r.caller) {
    identity["accessKey"] = r.caller->access_key_id;
    identity["accountId"] = r.caller->account_id;
    identity["caller"] = r.caller->principal_id;
    identity["user"] = r.caller->principal_id;
    identity["userArn"] = r.caller->principal_arn;
  }
  std::string context_path = r.raw_path;
  e["requestContext"] =
      json::object{{"accountId", r.account_id},
                   {"apiId", r.api_id},
                   {"domainName", r.domain_name},
                   {"domainPrefix", r.domain_name.substr(0, r.domain_name.find('.'))},
                   {"extendedRequestId", r.request_id},
                   {"httpMethod", req.method},
                   {"identity", std::move(identity)},
                   {"path", context_path},
                   {"protocol", "HTTP/1.1"},
                   {"requestId", r.request_id},
                   {"requestTime", clf_time(r.time_ms)},
                   {"requestTimeEpoch", r.time_ms},
                   {"resourceId", r.resource_id},
                   {"resourcePath", r.resource_path},
                   {"stage", r.stage}};
  if (r.authorizer) e["requestContext"].as_object()["authorizer"] = *r.authorizer;
  e["pathParameters"] =
      r.path_params.empty() ? json::value(nullptr) : json::value(map_object(r.path_params));
  e["stageVariables"] =
      r.stage_variables.empty() ? json::value(nullptr) : json::value(map_object(r.stage_variables));
  put_body(e, r, true);
  return json::serialize(e);
}

std::optional<http::Response> response_v2(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec) return std::nullopt;
  if (!v.is_object() || !v.as_object().contains("statusCode")) {
    http::Response resp;
    resp.set_header("Content-Type", "application/json");
    resp.body = std::string(payload);
    return resp;
  }
  const auto& o = v.as_object();
  auto resp = common_response(o);
  if (!resp) return std::nullopt;
  if (const auto* c = o.if_contains("cookies"); c != nullptr && !c->is_null()) {
    if (!c->is_array()) return std::nullopt;
    for (const auto& cookie : c->as_array()) {
      if (!cookie.is_string()) return std::nullopt;
      resp->headers.emplace_back("Set-Cookie", std::string(cookie.as_string()));
    }
  }
  return resp;
}

std::optional<http::Response> response_v1(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto resp = common_response(o);
  if (!resp) return std::nullopt;
  if (const auto* m = o.if_contains("multiValueHeaders"); m != nullptr && !m->is_null()) {
    if (!m->is_object()) return std::nullopt;
    for (const auto& entry : m->as_object()) {
      std::string_view k = entry.key();
      const json::value& list = entry.value();
      if (!list.is_array()) return std::nullopt;
      // A name in both: only multiValueHeaders' values are sent.
      std::erase_if(resp->headers, [k](const auto& h) { return http::iequals(h.first, k); });
      for (const auto& item : list.as_array()) {
        auto s = scalar(item);
        if (!s) return std::nullopt;
        resp->headers.emplace_back(std::string(k), std::move(*s));
      }
    }
  }
  if (resp->header("content-type").empty()) resp->set_header("Content-Type", "application/json");
  return resp;
}

}  // namespace nimbus::services::apigateway
