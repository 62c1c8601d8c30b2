#include "server/s3_cors.h"

#include "auth/sigv4.h"
#include "protocol/quirks.h"

namespace nimbus::server {

std::optional<S3Target> s3_target(const http::Request& request) {
  std::string_view path = request.path();
  if (path.starts_with('/')) path.remove_prefix(1);
  S3Target t;
  if (auto bucket = protocol::virtual_host_bucket(request.header("host")); !bucket.empty()) {
    t.bucket = std::string(bucket);
    t.key = std::string(path);
    return t;
  }
  size_t slash = path.find('/');
  t.bucket = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) t.key = std::string(path.substr(slash + 1));
  if (t.bucket.empty()) return std::nullopt;
  return t;
}

std::optional<http::Response> s3_preflight(const services::s3::CorsRules& rules,
                                           const http::Request& request) {
  if (request.method != "OPTIONS" || !request.has_header("origin")) return std::nullopt;
  auto target = s3_target(request);
  if (!target || !rules.has_bucket(target->bucket)) return std::nullopt;
  auto answer = rules.preflight(target->bucket, target->key, request.header("origin"),
                                request.header("access-control-request-method"),
                                request.header("access-control-request-headers"));
  http::Response r;
  r.status = answer.status;
  for (auto& [name, value] : answer.headers) r.set_header(std::move(name), std::move(value));
  r.body = std::move(answer.body);
  return r;
}

services::s3::CorsRules::Headers s3_cors_headers(const services::s3::CorsRules& rules,
                                                 const http::Request& request) {
  std::string_view origin = request.header("origin");
  if (origin.empty()) return {};
  // S3's: signed for s3, or addressed to a virtual-hosted bucket; an
  // unsigned path-style request (a public object) when the bucket exists.
  auto scope = auth::peek_scope(request);
  if (scope && scope->service != "s3") return {};
  auto target = s3_target(request);
  if (!target) return {};
  return rules.actual(target->bucket, origin, request.method);
}

}  // namespace nimbus::server
