// A Lambda Runtime API client for native functions, in one header, using only
// the C++ standard library and POSIX sockets:
//
//   #include "lambda_function.h"
//   int main() {
//     return nimbus::lambda::run([](const nimbus::lambda::Invocation& inv) {
//       return nimbus::lambda::Response::ok(inv.payload);
//     });
//   }
//
// Build it into an executable named `bootstrap` and deploy it with a
// provided.al2023 (or provided.al2) runtime. One keep-alive connection to
// AWS_LAMBDA_RUNTIME_API; responses must carry Content-Length (the Runtime
// API always does).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>

namespace nimbus::lambda {

struct Invocation {
  std::string request_id;
  std::string payload;
  std::string function_arn;
  std::string trace_id;
  std::string client_context;
  std::string cognito_identity;
  long long deadline_ms = 0;
  long long remaining_ms() const {
    using namespace std::chrono;
    return deadline_ms -
           duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

struct Response {
  std::string body;
  std::string error_type;  // non-empty: reported through /error
  static Response ok(std::string body) { return {std::move(body), {}}; }
  static Response error(std::string type, const std::string& message) {
    return {"{\"errorMessage\":\"" + message + "\",\"errorType\":\"" + type + "\"}", type};
  }
};

namespace detail {

class Connection {
 public:
  Connection() {
    const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
    std::string hp = api ? api : "127.0.0.1:9001";
    auto colon = hp.rfind(':');
    host_ = hp.substr(0, colon);
    port_ = static_cast<uint16_t>(std::atoi(hp.c_str() + colon + 1));
  }
  ~Connection() { close(); }

  // Sends one request and reads the response; reconnects once on failure.
  bool exchange(const std::string& method, const std::string& path, const std::string& body,
                const std::string& extra_headers, std::string& head, std::string& out) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !connect()) return false;
      std::string req = request(method, path, body, extra_headers);
      if (send_all(req) && read_response(head, out)) return true;
      close();
    }
    return false;
  }

  // POSTs a result and asks for the next invocation (`next_path`) in one
  // send (HTTP/1.1 pipelining): the Runtime API answers both together, so
  // the loop sends once and wakes once per invocation. Reconnects once on
  // failure; the next invocation's head and body land in head/out.
  bool post_then_next(const std::string& path, const std::string& body,
                      const std::string& extra_headers, const std::string& next_path,
                      std::string& head, std::string& out) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !connect()) return false;
      std::string req = request("POST", path, body, extra_headers) + request("GET", next_path);
      if (send_all(req) && read_response(head, out)) {
        if (read_response(head, out)) return true;
        close();  // the long poll's connection was closed: ask again
        return exchange("GET", next_path, "", "", head, out);
      }
      close();
    }
    return false;
  }

 private:
  std::string request(const std::string& method, const std::string& path,
                      const std::string& body = {}, const std::string& extra_headers = {}) {
    return method + " " + path + " HTTP/1.1\r\nHost: " + host_ +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
           body;
  }

  bool connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    ::inet_pton(AF_INET, host_ == "localhost" ? "127.0.0.1" : host_.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close();
      return false;
    }
    buf_.clear();
    return true;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send_all(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  bool read_response(std::string& head, std::string& body) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    head = buf_.substr(0, end + 2);
    size_t length = 0;
    std::string cl = header(head, "content-length");
    if (!cl.empty()) length = std::strtoull(cl.c_str(), nullptr, 10);
    while (buf_.size() < end + 4 + length)
      if (!fill()) return false;
    body = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return true;
  }

 public:
  // Case-insensitive lookup in a raw header block.
  static std::string header(const std::string& head, const std::string& lower_name) {
    size_t pos = 0;
    while ((pos = head.find("\r\n", pos)) != std::string::npos) {
      pos += 2;
      size_t colon = head.find(':', pos), eol = head.find("\r\n", pos);
      if (colon == std::string::npos || eol == std::string::npos || colon > eol) continue;
      std::string name = head.substr(pos, colon - pos);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == lower_name) {
        size_t v = head.find_first_not_of(' ', colon + 1);
        return head.substr(v, eol - v);
      }
    }
    return {};
  }

 private:
  std::string host_;
  uint16_t port_ = 0;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace detail

// Runs the invocation loop forever; returns non-zero only if the Runtime API
// cannot be reached.
inline int run(const std::function<Response(const Invocation&)>& handler) {
  detail::Connection conn;
  std::string head, body;
  const std::string base = "/2018-06-01/runtime/invocation/";
  if (!conn.exchange("GET", base + "next", "", "", head, body)) {
    std::fprintf(stderr, "nimbus lambda: cannot reach the Runtime API\n");
    return 1;
  }
  for (;;) {
    Invocation inv;
    using C = detail::Connection;
    inv.request_id = C::header(head, "lambda-runtime-aws-request-id");
    inv.function_arn = C::header(head, "lambda-runtime-invoked-function-arn");
    inv.trace_id = C::header(head, "lambda-runtime-trace-id");
    inv.client_context = C::header(head, "lambda-runtime-client-context");
    inv.cognito_identity = C::header(head, "lambda-runtime-cognito-identity");
    inv.deadline_ms = std::atoll(C::header(head, "lambda-runtime-deadline-ms").c_str());
    inv.payload = std::move(body);
    Response r = handler(inv);
    bool failed = !r.error_type.empty();
    std::string extra =
        failed ? "Lambda-Runtime-Function-Error-Type: " + r.error_type + "\r\n" : "";
    if (!conn.post_then_next(base + inv.request_id + (failed ? "/error" : "/response"), r.body,
                             extra, base + "next", head, body)) {
      std::fprintf(stderr, "nimbus lambda: cannot reach the Runtime API\n");
      return 1;
    }
  }
}

}  // namespace nimbus::lambda
