#include "http/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace nimbus::http::testing {

std::string_view RawResponse::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

namespace {

void set_socket_timeout(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

}  // namespace

TestClient::TestClient(uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  set_socket_timeout(fd_, timeout);
}

TestClient::~TestClient() {
  close();
}

void TestClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TestClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void TestClient::set_timeout(std::chrono::milliseconds timeout) {
  set_socket_timeout(fd_, timeout);
}

void TestClient::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

bool TestClient::fill() {
  char tmp[16384];
  ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

std::optional<RawResponse> TestClient::read_response(bool head) {
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return std::nullopt;
  }
  std::string block = buf_.substr(0, end + 2);
  buf_.erase(0, end + 4);
  RawResponse r;
  // "HTTP/1.1 200 OK"
  if (block.size() < 12 || block.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  r.status = std::atoi(block.c_str() + 9);
  size_t pos = block.find("\r\n") + 2;
  while (pos < block.size()) {
    size_t eol = block.find("\r\n", pos);
    std::string line = block.substr(pos, eol - pos);
    pos = eol + 2;
    size_t colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers.emplace_back(to_lower(line.substr(0, colon)), value);
  }
  if (head || r.status < 200 || r.status == 204 || r.status == 304) return r;
  if (r.header("transfer-encoding") == "chunked") {
    // "<hex size>\r\n<bytes>\r\n" ... "0\r\n\r\n" (no extensions or trailers).
    for (;;) {
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) {
        if (!fill()) return std::nullopt;
      }
      size_t size = std::strtoull(buf_.substr(0, eol).c_str(), nullptr, 16);
      while (buf_.size() < eol + 2 + size + 2) {
        if (!fill()) return std::nullopt;
      }
      if (buf_.compare(eol + 2 + size, 2, "\r\n") != 0) return std::nullopt;
      r.body.append(buf_, eol + 2, size);
      buf_.erase(0, eol + 2 + size + 2);
      if (size == 0) return r;
    }
  }
  size_t length = std::strtoull(std::string(r.header("content-length")).c_str(), nullptr, 10);
  while (buf_.size() < length) {
    if (!fill()) return std::nullopt;
  }
  r.body = buf_.substr(0, length);
  buf_.erase(0, length);
  return r;
}

bool TestClient::closed_by_peer(std::chrono::milliseconds wait) {
  set_socket_timeout(fd_, wait);
  char tmp[4096];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

std::string get(std::string_view target, std::string_view extra_headers) {
  std::string s = "GET ";
  s.append(target);
  s.append(" HTTP/1.1\r\nHost: t\r\n");
  s.append(extra_headers);
  s.append("\r\n");
  return s;
}

}  // namespace nimbus::http::testing
