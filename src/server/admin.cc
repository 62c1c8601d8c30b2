#include "server/admin.h"

#include <boost/json.hpp>

#include "common/version.h"
#include "services/sns/signing.h"

namespace nimbus::server {

bool is_admin_path(std::string_view path) {
  return path.starts_with("/_nimbus/");
}

namespace {

http::Response json_response(int status, const boost::json::value& body) {
  http::Response r;
  r.status = status;
  r.set_header("Content-Type", "application/json");
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace

http::Response handle_admin(const http::Request& request, const AdminInfo& info,
                            const Metrics& metrics) {
  std::string_view path = request.path();
  if (request.method != "GET" && request.method != "HEAD") {
    return json_response(405, {{"error", "method not allowed"}});
  }
  if (path == "/_nimbus/health") {
    boost::json::array services;
    for (const auto& s : info.services) services.emplace_back(s);
    double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - info.started).count();
    return json_response(200, {{"status", "ok"},
                               {"version", kVersion},
                               {"services", services},
                               {"uptime_seconds", uptime},
                               {"durability", info.durability}});
  }
  if (path == "/_nimbus/metrics") {
    http::Response r;
    r.set_header("Content-Type", "text/plain; version=0.0.4");
    r.body = metrics.prometheus();
    return r;
  }
  if (path == services::sns::kSigningCertPath && info.sns_signing_cert) {
    if (std::string pem = info.sns_signing_cert(); !pem.empty()) {
      http::Response r;
      r.set_header("Content-Type", "application/x-pem-file");
      r.body = std::move(pem);
      return r;
    }
  }
  return json_response(404, {{"error", "no such nimbus endpoint"}, {"path", std::string(path)}});
}

}  // namespace nimbus::server
