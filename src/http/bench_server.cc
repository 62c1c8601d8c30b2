// A minimal server on the edge for measuring it alone (no router, no
// SigV4): `http_bench_server [port] [threads]`, then for example
// `wrk -t1 -c32 -d10s --latency http://127.0.0.1:PORT/`. Stops on Enter.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "http/server.h"

int main(int argc, char** argv) {
  nimbus::http::ServerOptions o;
  o.port = argc > 1 ? static_cast<uint16_t>(std::atoi(argv[1])) : 0;
  o.threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 0;
  nimbus::http::Server server(o, [](nimbus::http::Request req, nimbus::http::Reply reply) {
    nimbus::http::Response r;
    r.set_header("Content-Type", "text/plain");
    r.body = "ok\n";
    reply(std::move(r));
  });
  auto port = server.start();
  if (!port.is_ok()) {
    std::fprintf(stderr, "%s\n", port.error().message.c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  std::string line;
  std::getline(std::cin, line);
  server.stop_accepting();
  server.drain(std::chrono::seconds(5));
  server.stop();
  auto st = server.stats();
  std::printf("requests %llu connections %llu bad %llu\n",
              static_cast<unsigned long long>(st.requests),
              static_cast<unsigned long long>(st.connections_total),
              static_cast<unsigned long long>(st.bad_requests));
}
