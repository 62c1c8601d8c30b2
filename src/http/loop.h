// One event loop: an io_context run by one thread, the connections pinned to
// it and its counters. Internal to src/http.
//
// Ownership: the loop owns its connections (registry below); pending async
// operations hold them too, so a closed connection lives until its last
// completion handler has run. A Loop is shared: every Reply holds it, so
// that posting to its io_context stays valid after the Server is gone.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "http/server.h"

namespace nimbus::http {

class Connection;

using Executor = boost::asio::io_context::executor_type;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
using Clock = std::chrono::steady_clock;

// Written only by the loop's thread, read by anyone (relaxed). One cache
// line per loop so loops never contend.
struct alignas(64) LoopCounters {
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bad_requests{0};
  std::atomic<uint64_t> in_flight{0};

  static void inc(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  static void dec(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  }
};

class Loop : public std::enable_shared_from_this<Loop> {
 public:
  Loop(const ServerOptions& options, std::shared_ptr<const Handler> handler);
  ~Loop();

  boost::asio::io_context& context() { return ioc_; }
  const ServerOptions& options() const { return options_; }
  const Handler& handler() const { return *handler_; }
  LoopCounters& counters() { return counters_; }
  bool draining() const { return draining_; }

  // The loop whose thread is calling, or null off the loops.
  static Loop* current();

  // Thread body: runs the io_context until stop().
  void run();
  // Everything below runs on this loop's thread.
  void adopt(Socket socket);   // a freshly accepted connection
  void remove(Connection& c);  // from close(); drops the registry's reference
  void begin_drain();          // close idle connections, close the rest after a response
  void close_all();            // shutdown: every connection and the sweep timer

 private:
  void schedule_sweep();
  void sweep();

  ServerOptions options_;
  std::shared_ptr<const Handler> handler_;
  LoopCounters counters_;
  bool draining_ = false;
  bool closing_ = false;
  std::vector<std::shared_ptr<Connection>> connections_;  // index == Connection::slot_
  // Declared after what connections touch: connections freed while the
  // io_context destroys its pending handlers still find the members above.
  boost::asio::io_context ioc_{1};
  std::optional<boost::asio::steady_timer> sweep_timer_;
  boost::asio::executor_work_guard<Executor> work_{ioc_.get_executor()};
};

}  // namespace nimbus::http
