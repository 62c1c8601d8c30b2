#include "services/apigateway/cors.h"

#include <string>

#include "common/json_fields.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// The Access-Control-Allow-Origin value for `origin`, "" when not allowed.
std::string allowed_origin(const json::object& cors, std::string_view origin) {
  if (origin.empty()) return "";
  for (const auto& o : string_list(cors, "AllowOrigins")) {
    if (o == "*") return "*";
    if (http::iequals(o, origin)) return std::string(origin);
  }
  return "";
}

bool allows(const std::vector<std::string>& items, std::string_view value) {
  for (const auto& s : items) {
    if (s == "*" || http::iequals(s, value)) return true;
  }
  return false;
}

bool credentials(const json::object& cors) {
  return boolean(cors, "AllowCredentials").value_or(false);
}

}  // namespace

std::optional<http::Response> cors_preflight(const json::object& cors, const http::Request& req) {
  if (cors.empty() || req.method != "OPTIONS" || !req.has_header("origin") ||
      !req.has_header("access-control-request-method")) {
    return std::nullopt;
  }
  http::Response resp;
  resp.status = 204;
  std::string origin = allowed_origin(cors, req.header("origin"));
  auto methods = string_list(cors, "AllowMethods");
  if (origin.empty() || !allows(methods, req.header("access-control-request-method"))) return resp;
  resp.set_header("Access-Control-Allow-Origin", origin);
  resp.set_header("Access-Control-Allow-Methods", join(methods));
  // Requested headers must each be allowed; the answer lists the allowed ones.
  std::string_view wanted = req.header("access-control-request-headers");
  auto headers = string_list(cors, "AllowHeaders");
  if (!wanted.empty()) {
    size_t i = 0;
    while (i < wanted.size()) {
      size_t comma = wanted.find(',', i);
      if (comma == std::string_view::npos) comma = wanted.size();
      std::string_view h = wanted.substr(i, comma - i);
      while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
      while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
      if (!h.empty() && !allows(headers, h)) {
        http::Response denied;
        denied.status = 204;
        return denied;
      }
      i = comma + 1;
    }
  }
  if (!headers.empty()) resp.set_header("Access-Control-Allow-Headers", join(headers));
  if (auto age = integer(cors, "MaxAge")) {
    resp.set_header("Access-Control-Max-Age", std::to_string(*age));
  }
  if (credentials(cors)) resp.set_header("Access-Control-Allow-Credentials", "true");
  return resp;
}

void add_cors_headers(const json::object& cors, const http::Request& req, http::Response& resp) {
  if (cors.empty()) return;
  std::string origin = allowed_origin(cors, req.header("origin"));
  if (origin.empty()) return;
  resp.set_header("Access-Control-Allow-Origin", origin);
  if (credentials(cors)) resp.set_header("Access-Control-Allow-Credentials", "true");
  if (auto expose = string_list(cors, "ExposeHeaders"); !expose.empty()) {
    resp.set_header("Access-Control-Expose-Headers", join(expose));
  }
}

}  // namespace nimbus::services::apigateway
