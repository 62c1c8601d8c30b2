// s3_bench.py's one-copy GET client: one HTTP/1.1 GET, the body read into
// one reused 1 MiB buffer and dropped, as `cat FILE > /dev/null` reads a
// file: one copy into user space per byte, nothing else
// (Connection::round_trip_drained, loadgen_http.h). curl spends about as
// much CPU again per byte in user space (its write callbacks into 16 KiB
// buffers), so on a 2-core machine it bounds a loopback GET on its own;
// this client shows what the server delivers.
//
// Usage: http_get URL   (http://host:port/path?query)
// Prints "STATUS BYTES MB/s"; exits 0 when the status is 200 and the whole
// Content-Length came.
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "loadgen_http.h"

int main(int argc, char** argv) {
  nimbus::bench::Endpoint endpoint;
  if (argc != 2 || !nimbus::bench::parse_endpoint(argv[1], endpoint)) {
    std::fprintf(stderr, "usage: http_get http://host:port/path\n");
    return 2;
  }
  std::string_view url = argv[1];
  size_t slash = url.find('/', 7);  // after "http://"
  std::string target(slash == std::string_view::npos ? "/" : url.substr(slash));
  std::string wire = "GET " + target + " HTTP/1.1\r\nHost: " + endpoint.host + ":" + endpoint.port +
                     "\r\nConnection: close\r\n\r\n";
  auto start = std::chrono::steady_clock::now();
  try {
    nimbus::bench::Connection connection(endpoint);
    auto got = connection.round_trip_drained(wire);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%d %llu %.1f\n", got.status, static_cast<unsigned long long>(got.bytes),
                static_cast<double>(got.bytes) / took / 1e6);
    return got.status == 200 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_get: %s\n", e.what());
    return 1;
  }
}
