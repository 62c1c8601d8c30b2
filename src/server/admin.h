// nimbus's own endpoints under /_nimbus/: health, Prometheus metrics and
// SNS's signing certificate.
// Runs on the event loop; every answer is computed from in-memory state.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "http/message.h"

namespace nimbus::server {

struct AdminInfo {
  std::chrono::steady_clock::time_point started;
  std::vector<std::string> services;
  std::string data_dir;
  std::string durability;
  // SNS's signing certificate (PEM), served at kSigningCertPath; empty
  // while a fresh data directory's key is still being made. Never waits.
  std::function<std::string()> sns_signing_cert;
};

bool is_admin_path(std::string_view path);
http::Response handle_admin(const http::Request& request, const AdminInfo& info,
                            const Metrics& metrics);

}  // namespace nimbus::server
