// Everything `nimbus serve` can be told, with its defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace nimbus::server {

enum class AuthMode { kStrict, kOff };
// IAM policy enforcement (docs/security.md): off (the default), audit
// (answer as off, log what enforce would deny), enforce.
enum class IamMode { kOff, kAudit, kEnforce };
enum class Durability { kSync, kAsync };

struct ServeOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 4566;  // 0 = ephemeral (the bound port is printed)
  std::string data_dir = ".nimbus/data";
  Durability durability = Durability::kSync;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string access_key = "test";
  std::string secret_key = "test";
  AuthMode auth = AuthMode::kStrict;
  IamMode iam = IamMode::kOff;
  unsigned threads = 0;  // event loops; 0 = one per core
  unsigned workers = 0;  // blocking-work pool; 0 = 4 per core
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 64 * 1024 * 1024;  // of a body read whole
  // Request bodies over this (and chunked ones, and those behind Expect:
  // 100-continue) are streamed by the edge (http::ServerOptions).
  size_t stream_bodies_over = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds request_timeout{300'000};
  std::chrono::milliseconds drain_timeout{10'000};
  std::string log_level = "info";
  // Per-service options, "<service>.<name>" -> value (services::Settings).
  std::map<std::string, std::string> service_options;
};

}  // namespace nimbus::server
