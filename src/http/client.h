// An outbound HTTP/1.1 client for the server's own deliveries (SNS http/https
// subscriptions): one request per connection, http and https, asynchronous.
//
// The client runs its own event loop (an io_context and one thread), so that
// no caller's loop ever waits on a remote endpoint: names are resolved with
// Asio's asynchronous resolver, connect / TLS handshake / write / read are
// asynchronous, and every step is bounded by the request's timeouts. https
// verifies the peer against the system CA store (OpenSSL's default paths) and
// the host name, unless ClientOptions::accept_self_signed is set (tests,
// air-gapped endpoints with their own certificates).
//
// Threads: fetch() from any thread; `done` runs once on the client's thread
// and must be quick. The destructor cancels what is in flight (each `done`
// then runs with an error, before the destructor returns) and joins.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/message.h"

namespace nimbus::http {

struct ClientOptions {
  // https: skip certificate and host-name verification.
  bool accept_self_signed = false;
  // A response body over this is an error ("ResponseTooLarge").
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds connect_timeout{5'000};  // resolve + connect + TLS handshake
};

struct ClientRequest {
  std::string method = "POST";
  std::string url;  // http://host[:port]/path?query or https://...
  Headers headers;  // sent as given; Host, Content-Length, User-Agent are added
                    // (a Host or User-Agent given here replaces ours)
  std::string body;
  // Writing the request and reading the whole response.
  std::chrono::milliseconds timeout{15'000};
};

struct ClientResponse {
  int status = 0;
  std::string reason;  // the status line's reason phrase, as the endpoint sent it
  Headers headers;     // names lower-cased
  std::string body;
  std::string_view header(std::string_view lower_name) const;
};

// Errors: "InvalidUrl", "ResolveFailed", "ConnectFailed", "TlsFailed",
// "Timeout", "ResponseTooLarge", "BadResponse", "ClientStopped".
using FetchDone = std::function<void(Result<ClientResponse>)>;

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void fetch(ClientRequest request, FetchDone done);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// An answer outside 2xx as an error (code "UnsuccessfulStatus"), for
// callers that retry on it.
Error unsuccessful(const ClientResponse& response);

// "host", "host:port", "[v6]" or "[v6]:port" split: the host without
// brackets, the port's digits as written ("" when there is none, or only
// the colon). nullopt when the host is empty, a bracket is not closed or is
// followed by anything but a port, or the port is not a number in 1-65535.
struct HostPort {
  std::string host;
  std::string port;
  bool colon = false;  // a ':' before the port was there (even with no digits)
  static std::optional<HostPort> parse(std::string_view authority);
};

// scheme, host, port and target ("/path?query") of an http(s) URL.
struct Url {
  bool https = false;
  std::string host;
  std::string port;
  std::string target;
  static std::optional<Url> parse(std::string_view url);
};

}  // namespace nimbus::http
