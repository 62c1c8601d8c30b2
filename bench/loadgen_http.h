// What the C++ load generators share: a minimal blocking HTTP/1.1
// keep-alive client, the SigV4-signed awsJson request they send (test/test,
// us-east-1), and the figures they print. One Connection and one Signer per
// thread; nothing here is thread-safe except ErrorLog.
//
// The client is minimal: responses must carry Content-Length (nimbus's edge,
// moto_server's werkzeug and dynalite all do) or be chunked; a response with
// `Connection: close` closes the socket and the next request reconnects.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4.h"

namespace nimbus::bench {

// "http://HOST:PORT[/...]" -> host and port; false when it is not http://.
struct Endpoint {
  std::string host = "127.0.0.1";
  std::string port = "4566";
};
bool parse_endpoint(std::string_view url, Endpoint& out);

// The load generators' command lines (CLI11): each adds --endpoint
// (http://HOST:PORT into `endpoint`) and its own options to its app, then
// calls parse_or_exit: --help prints the options and exits 0; a bad command
// line prints what is wrong and exits 2.
void add_endpoint(CLI::App& app, Endpoint& endpoint);
void parse_or_exit(CLI::App& app, int argc, char** argv);

struct HttpResponse {
  int status = 0;
  std::string body;
};

// One keep-alive connection. Throws std::runtime_error when the peer goes
// away, std::logic_error on a response it cannot read.
class Connection {
 public:
  explicit Connection(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `wire` (a whole request) and reads one response. A request on a
  // connection the peer closed while idle is retried once on a new one.
  HttpResponse round_trip(std::string_view wire);
  // The same for a response with a Content-Length, whose body is read into
  // one reused buffer of `buffer` bytes and dropped, as `cat FILE >
  // /dev/null` reads a file: one copy into user space per byte. Returns the
  // status and the body's length; no retry.
  struct Drained {
    int status = 0;
    uint64_t bytes = 0;
  };
  Drained round_trip_drained(std::string_view wire, size_t buffer = 1 << 20);
  void close();

 private:
  // What a response head says about the body after it.
  struct Head {
    int status = 0;
    std::optional<uint64_t> length;
    bool chunked = false;
    bool close_after = false;
  };
  void connect();
  void send_all(std::string_view wire);
  Head read_response_head();
  HttpResponse exchange(std::string_view wire);
  bool fill();
  std::string read_head();
  std::string read_line();
  std::string read_exact(size_t n);
  std::string read_to_close();

  Endpoint endpoint_;
  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;
};

// The wire form of a signed awsJson POST to `/` (`content_type` says which
// version): X-Amz-Target is `target_prefix.operation`, signed for `service`
// in us-east-1 with test/test. form() signs an awsQuery POST instead (a
// form-encoded body, no X-Amz-Target).
class Signer {
 public:
  Signer(const Endpoint& endpoint, std::string service, std::string target_prefix,
         std::string content_type = "application/x-amz-json-1.0");
  std::string request(std::string_view operation, std::string body) const;
  std::string form(std::string body) const;

 private:
  std::string sign(std::vector<std::pair<std::string, std::string>> headers,
                   std::string body) const;
  std::string host_header_, service_, target_prefix_, content_type_;
  auth::Credentials creds_;
};

// An error worth reporting: the first few go to stderr, prefixed by `tool`.
class ErrorLog {
 public:
  explicit ErrorLog(std::string tool) : tool_(std::move(tool)) {}
  void report(std::string_view what, const std::string& detail);

 private:
  std::string tool_;
  std::mutex mu_;
  int printed_ = 0;
};

// The nearest-rank percentile `p` (0..1) of microsecond samples, in ms
// (reorders `v`); 0 when empty.
double percentile_ms(std::vector<uint32_t>& v, double p);
double round3(double x);

}  // namespace nimbus::bench
