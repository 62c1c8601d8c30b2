// A deliberately dumb HTTP client for the edge's tests: a blocking TCP
// socket to 127.0.0.1, raw bytes out, responses read by hand, so tests see
// exactly what went over the wire (interim 100s, Connection: close, EOF).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace nimbus::http::testing {

struct RawResponse {
  int status = 0;
  Headers headers;  // names lower-cased
  std::string body;
  std::string_view header(std::string_view lower_name) const;
};

class TestClient {
 public:
  explicit TestClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // One response; its body per Content-Length or chunked (none when `head`).
  // nullopt on EOF, timeout or garbage.
  std::optional<RawResponse> read_response(bool head = false);
  // True when the server closes (EOF or reset) within `wait`; bytes that
  // arrive meanwhile are discarded.
  bool closed_by_peer(std::chrono::milliseconds wait);
  void shutdown_write();
  void set_timeout(std::chrono::milliseconds timeout);  // for the reads that follow
  void close();

 private:
  bool fill();  // one recv into buf_; false on EOF/error/timeout
  int fd_ = -1;
  std::string buf_;
};

// "GET /path HTTP/1.1\r\nHost: t\r\n<extra>\r\n"
std::string get(std::string_view target, std::string_view extra_headers = "");

}  // namespace nimbus::http::testing
