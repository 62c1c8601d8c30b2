// s3_bench.py's one-copy GET client: one HTTP/1.1 GET, the body read into
// one reused 1 MiB buffer and dropped, as `cat FILE > /dev/null` reads a
// file: one copy into user space per byte, nothing else
// (Connection::round_trip_drained, loadgen_http.h). curl spends about as
// much CPU again per byte in user space (its write callbacks into 16 KiB
// buffers), so on a 2-core machine it bounds a loopback GET on its own;
// this client shows what the server delivers.
//
// With --loopback FILE it measures the GET's limit over loopback TCP
// instead: the same client against a one-shot server on a thread of this
// process that answers with FILE by blocking sendfile(2) and nothing else
// (no parsing, no worker, no event loop). A server can do no better over
// this socket for this client; cat's figure is the page cache's, this is
// the network stack's.
//
// Usage: http_get URL   (http://host:port/path?query)
//        http_get --loopback FILE
// Prints "STATUS BYTES MB/s"; exits 0 when the status is 200 and the whole
// Content-Length came.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "loadgen_http.h"

namespace {

int get(std::string_view url) {
  nimbus::bench::Endpoint endpoint;
  if (!nimbus::bench::parse_endpoint(url, endpoint)) {
    std::fprintf(stderr, "usage: http_get http://host:port/path | --loopback FILE\n");
    return 2;
  }
  size_t slash = url.find('/', 7);  // after "http://"
  std::string target(slash == std::string_view::npos ? "/" : url.substr(slash));
  std::string wire = "GET " + target + " HTTP/1.1\r\nHost: " + endpoint.host + ":" + endpoint.port +
                     "\r\nConnection: close\r\n\r\n";
  auto start = std::chrono::steady_clock::now();
  nimbus::bench::Connection connection(endpoint);
  auto got = connection.round_trip_drained(wire);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d %llu %.1f\n", got.status, static_cast<unsigned long long>(got.bytes),
              static_cast<double>(got.bytes) / took / 1e6);
  return got.status == 200 ? 0 : 1;
}

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// Answers one connection on `listener` with the file `fd` of `size` bytes:
// the request head read and ignored, a 200 head, the body by sendfile(2).
void serve_once(int listener, int fd, uint64_t size) {
  int s = ::accept(listener, nullptr, nullptr);
  if (s < 0) return;
  std::string in;
  char buf[4096];
  while (in.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(s, buf, sizeof buf, 0);
    if (n <= 0) return (void)::close(s);
    in.append(buf, static_cast<size_t>(n));
  }
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) +
                     "\r\nConnection: close\r\n\r\n";
  if (::send(s, head.data(), head.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(head.size())) {
    return (void)::close(s);
  }
  off_t at = 0;
  while (static_cast<uint64_t>(at) < size) {
    ssize_t n = ::sendfile(s, fd, &at, static_cast<size_t>(size - static_cast<uint64_t>(at)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  ::close(s);
}

int loopback(const char* path) {
  // sendfile(2) has no MSG_NOSIGNAL: a client that gave up must not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(path);
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    fail("listen");
  }
  std::thread server(serve_once, listener, fd, static_cast<uint64_t>(st.st_size));
  int rc = 1;
  try {
    rc = get("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/");
  } catch (...) {
    ::shutdown(listener, SHUT_RDWR);  // an accept() still waiting returns
    server.join();
    throw;
  }
  server.join();
  ::close(listener);
  ::close(fd);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 3 && std::string_view(argv[1]) == "--loopback") return loopback(argv[2]);
    if (argc == 2) return get(argv[1]);
    std::fprintf(stderr, "usage: http_get http://host:port/path | --loopback FILE\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_get: %s\n", e.what());
    return 1;
  }
}
