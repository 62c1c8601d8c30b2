// One running nimbus: storage, services, the protocol engine and the HTTP
// edge, wired together. Owns every long-lived object; start() and shutdown()
// are called from the main thread only.
#pragma once

#include <memory>

#include "common/result.h"
#include "server/options.h"

namespace nimbus::server {

class App {
 public:
  explicit App(ServeOptions options);
  ~App();

  // Opens storage, builds and starts the services (each reads back its
  // stored state) and starts listening. On success the bound port is
  // returned (useful with --port 0); a service that cannot start fails it.
  Result<uint16_t> start();
  // SIGTERM path: stop accepting, drain in-flight requests, stop the loops,
  // finish queued blocking work and flush storage.
  void shutdown();

  struct Impl;

 private:
  void publish_stats();

  std::unique_ptr<Impl> impl_;
};

}  // namespace nimbus::server
