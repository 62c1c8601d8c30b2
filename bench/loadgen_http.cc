#include "loadgen_http.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "http/message.h"

namespace nimbus::bench {

bool parse_endpoint(std::string_view url, Endpoint& out) {
  if (!url.starts_with("http://")) return false;
  std::string e(url.substr(7));
  if (auto slash = e.find('/'); slash != std::string::npos) e.resize(slash);
  auto colon = e.rfind(':');
  if (colon == std::string::npos) {
    out.host = e;
    out.port = "80";
  } else {
    out.host = e.substr(0, colon);
    out.port = e.substr(colon + 1);
  }
  return true;
}

void add_endpoint(CLI::App& app, Endpoint& endpoint) {
  app.add_option_function<std::string>(
      "--endpoint",
      [&endpoint](const std::string& url) {
        if (!parse_endpoint(url, endpoint)) {
          throw CLI::ValidationError("--endpoint", "must start with http://");
        }
      },
      "the server, http://HOST:PORT");
}

void parse_or_exit(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e) == 0 ? 0 : 2);
  }
}

HttpResponse Connection::round_trip(std::string_view wire) {
  bool fresh = fd_ < 0;
  if (fresh) connect();
  try {
    return exchange(wire);
  } catch (const std::runtime_error&) {
    close();
    if (fresh) throw;
  }
  connect();
  return exchange(wire);
}

void Connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  pos_ = 0;
}

void Connection::connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(endpoint_.host.c_str(), endpoint_.port.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error(std::string("getaddrinfo: ") + ::gai_strerror(rc));
  int fd = -1;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) throw std::runtime_error("connect failed: " + std::string(std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
}

void Connection::send_all(std::string_view wire) {
  for (size_t off = 0; off < wire.size();) {
    ssize_t n = ::send(fd_, wire.data() + off, wire.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("send: " + std::string(std::strerror(errno)));
    off += static_cast<size_t>(n);
  }
}

Connection::Head Connection::read_response_head() {
  buf_.erase(0, pos_);
  pos_ = 0;
  std::string head = read_head();
  // Status line: HTTP/1.1 200 OK
  auto sp = head.find(' ');
  if (sp == std::string::npos || head.compare(0, 5, "HTTP/") != 0)
    throw std::logic_error("bad status line: " + head.substr(0, 80));
  Head h;
  h.status = std::atoi(head.c_str() + sp + 1);
  h.close_after = head.compare(0, 8, "HTTP/1.0") == 0;
  size_t line = head.find("\r\n");
  while (line != std::string::npos && line + 2 < head.size()) {
    size_t start = line + 2;
    size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    std::string_view field(head.data() + start, end - start);
    auto colon = field.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = field.substr(0, colon);
      std::string_view v = field.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (http::iequals(name, "content-length")) {
        h.length = std::strtoull(std::string(v).c_str(), nullptr, 10);
      } else if (http::iequals(name, "transfer-encoding")) {
        h.chunked = http::to_lower(v).find("chunked") != std::string::npos;
      } else if (http::iequals(name, "connection")) {
        std::string lv = http::to_lower(v);
        if (lv.find("close") != std::string::npos) h.close_after = true;
        if (lv.find("keep-alive") != std::string::npos) h.close_after = false;
      }
    }
    line = end;
  }
  return h;
}

HttpResponse Connection::exchange(std::string_view wire) {
  send_all(wire);
  Head h = read_response_head();
  HttpResponse r;
  r.status = h.status;
  if (h.chunked) {
    for (;;) {
      std::string size_line = read_line();
      size_t n = std::strtoull(size_line.c_str(), nullptr, 16);
      if (n == 0) {
        while (!read_line().empty()) {
        }
        break;
      }
      r.body += read_exact(n);
      read_line();
    }
  } else if (h.length) {
    r.body = read_exact(*h.length);
  } else {
    // No length: the body runs to the close (HTTP/1.0 servers).
    r.body = read_to_close();
    h.close_after = true;
  }
  if (h.close_after) close();
  return r;
}

Connection::Drained Connection::round_trip_drained(std::string_view wire, size_t buffer) {
  if (fd_ < 0) connect();
  send_all(wire);
  Head h = read_response_head();
  if (h.chunked || !h.length) throw std::logic_error("a drained response needs a Content-Length");
  // What came with the head, then straight from the socket.
  Drained d{h.status, std::min<uint64_t>(*h.length, buf_.size() - pos_)};
  pos_ += static_cast<size_t>(d.bytes);
  std::vector<char> into(buffer);
  while (d.bytes < *h.length) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(into.size(), *h.length - d.bytes));
    ssize_t n = ::recv(fd_, into.data(), want, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("recv: " + std::string(std::strerror(errno)));
    if (n == 0) throw std::runtime_error("connection closed in a body");
    d.bytes += static_cast<uint64_t>(n);
  }
  if (h.close_after) close();
  return d;
}

// Appends what the socket has; false at end of stream. Never moves data
// (offsets into buf_ stay valid); exchange() compacts between responses.
bool Connection::fill() {
  char tmp[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("recv: " + std::string(std::strerror(errno)));
    if (n == 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
}

std::string Connection::read_head() {
  size_t scan = pos_;
  for (;;) {
    size_t end = buf_.find("\r\n\r\n", scan);
    if (end != std::string::npos) {
      std::string head = buf_.substr(pos_, end - pos_);
      pos_ = end + 4;
      return head;
    }
    scan = std::max(pos_, buf_.size() >= 3 ? buf_.size() - 3 : 0);
    if (!fill()) throw std::runtime_error("connection closed before a response");
  }
}

std::string Connection::read_line() {
  for (;;) {
    size_t end = buf_.find("\r\n", pos_);
    if (end != std::string::npos) {
      std::string l = buf_.substr(pos_, end - pos_);
      pos_ = end + 2;
      return l;
    }
    if (!fill()) throw std::runtime_error("connection closed in a chunked body");
  }
}

std::string Connection::read_exact(size_t n) {
  while (buf_.size() - pos_ < n)
    if (!fill()) throw std::runtime_error("connection closed in a body");
  std::string out = buf_.substr(pos_, n);
  pos_ += n;
  return out;
}

std::string Connection::read_to_close() {
  while (fill()) {
  }
  std::string out = buf_.substr(pos_);
  pos_ = buf_.size();
  return out;
}

Signer::Signer(const Endpoint& endpoint, std::string service, std::string target_prefix,
               std::string content_type)
    : host_header_(endpoint.host + ":" + endpoint.port),
      service_(std::move(service)),
      target_prefix_(std::move(target_prefix)),
      content_type_(std::move(content_type)),
      creds_{"test", "test", "000000000000", ""} {}

std::string Signer::request(std::string_view operation, std::string body) const {
  return sign({{"host", host_header_},
               {"content-type", content_type_},
               {"x-amz-target", target_prefix_ + "." + std::string(operation)}},
              std::move(body));
}

std::string Signer::form(std::string body) const {
  return sign({{"host", host_header_},
               {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}},
              std::move(body));
}

std::string Signer::sign(std::vector<std::pair<std::string, std::string>> headers,
                         std::string body) const {
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.headers = std::move(headers);
  req.body = std::move(body);
  auth::sign(req, creds_, "us-east-1", service_, std::chrono::system_clock::now());
  std::string wire;
  wire.reserve(req.body.size() + 512);
  wire += "POST / HTTP/1.1\r\n";
  for (const auto& [name, value] : req.headers) {
    wire += name;
    wire += ": ";
    wire += value;
    wire += "\r\n";
  }
  wire += "content-length: " + std::to_string(req.body.size()) + "\r\n\r\n";
  wire += req.body;
  return wire;
}

void ErrorLog::report(std::string_view what, const std::string& detail) {
  std::lock_guard lock(mu_);
  if (printed_++ < 5)
    std::fprintf(stderr, "%s: %.*s: %s\n", tool_.c_str(), static_cast<int>(what.size()),
                 what.data(), detail.substr(0, 400).c_str());
}

double percentile_ms(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

double round3(double x) {
  return static_cast<double>(static_cast<int64_t>(x * 1000 + 0.5)) / 1000;
}

}  // namespace nimbus::bench
