// The HTTP/1.1 edge: accepts connections, parses requests into
// nimbus::http::Request, hands them to one Handler and writes its Response.
// Beast and Asio stay behind the pimpl so that including this header is cheap.
//
// Threading: `threads` event loops (io_context + one thread each). Every
// connection is pinned to one loop for its whole life; the Handler runs on
// that loop and must not block (send blocking work to common/worker_pool.h).
// Server's own methods are called from one controlling thread (main), never
// from a loop thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/message.h"

namespace nimbus::http {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 4566;                      // 0 = ephemeral; start() returns the one bound
  unsigned threads = 0;                      // event loops; 0 = one per core
  size_t max_header_bytes = 16 * 1024;       // request line + fields, else 431
  size_t max_body_bytes = 16 * 1024 * 1024;  // de-chunked buffered body, else 413
  // Request bodies declared larger than this, chunked bodies and bodies
  // behind `Expect: 100-continue` are not buffered: the Handler gets the
  // request at once with `Request::stream` to pull the body from (its 100
  // Continue is sent on the first read), and no size limit applies at the
  // edge. SIZE_MAX (the default) buffers every body.
  size_t stream_bodies_over = SIZE_MAX;
  // Waiting for the first byte of a request on an open connection.
  std::chrono::milliseconds idle_timeout{60'000};
  // Reading one request once it has started, and writing one response. The
  // time a Handler takes to reply is not bounded here.
  std::chrono::milliseconds request_timeout{5 * 60'000};
};

// Answers one request. Call it exactly once, from any thread; later calls
// are ignored. Safe to call after the connection (or the Server) is gone:
// it holds the connection weakly and the response is then dropped.
using Reply = std::function<void(Response)>;
// Runs on the connection's event loop; must not block. May call the Reply
// before returning or keep it and call it later from anywhere. A Handler
// that throws before replying answers 500.
using Handler = std::function<void(Request, Reply)>;

struct ServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_total = 0;  // accepted since start
  uint64_t requests = 0;           // complete requests handed to the Handler
  uint64_t bad_requests = 0;       // answered 400/413/417/431/505 by the edge
  uint64_t in_flight = 0;          // handed to the Handler, response not yet written
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // stop()s if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens without accepting yet (connections wait in the
  // backlog), so the port is known before the rest of the program starts.
  // Returns the bound port, or an error ("AddressInUse",
  // "InvalidBindAddress", ...) saying what to change.
  [[nodiscard]] Result<uint16_t> listen();
  // listen()s unless done, then accepts and starts the loops. Returns the
  // bound port or listen()'s error.
  [[nodiscard]] Result<uint16_t> start();

  // Graceful shutdown, in order (SIGTERM): stop_accepting() closes the
  // listening socket; drain() answers what is in flight, closes idle
  // keep-alive connections and closes every other one after its current
  // response, returning true when none is left, false on timeout; stop()
  // closes whatever remains, stops the loops and joins their threads.
  void stop_accepting();
  bool drain(std::chrono::milliseconds timeout);
  void stop();

  // Serves `fd`, a connected TCP socket accepted elsewhere (a function's
  // connection to nimbus inside its own network namespace), as a connection
  // accepted here; owns it from now on. The one method callable from any
  // thread, but not concurrently with the Server's destruction; before
  // start() and from stop_accepting() on, the socket is closed at once.
  void adopt(int fd);

  size_t in_flight() const;
  ServerStats stats() const;  // summed over loops; each field is a relaxed read

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nimbus::http
