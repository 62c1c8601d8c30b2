#include "http/server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <cassert>
#include <future>
#include <thread>
#include <utility>

#include "common/thread_name.h"
#include "common/thread_role.h"
#include "common/unique_fd.h"
#include "http/loop.h"

namespace nimbus::http {

namespace asio = boost::asio;
using boost::system::error_code;
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, Executor>;

struct Server::Impl {
  ServerOptions options;
  std::shared_ptr<const Handler> handler;
  std::vector<std::shared_ptr<Loop>> loops;
  std::vector<std::thread> threads;
  std::optional<Acceptor> acceptor;           // runs on loops[0]
  std::optional<asio::steady_timer> backoff;  // after accept errors (EMFILE ...)
  size_t next_loop = 0;
  bool accepting = false;             // loops[0] only
  std::atomic<bool> adopting{false};  // adopt() serves; set by start(), cleared by stop_accepting()
  std::atomic<size_t> next_adopted{0};
  bool started = false;
  bool stopped = false;

  void do_accept();
  // Runs fn on `loop` and waits for it (from the controlling thread).
  static void run_on(Loop& loop, std::function<void()> fn);
};

void Server::Impl::run_on(Loop& loop, std::function<void()> fn) {
  assert(Loop::current() == nullptr && "Server methods must not be called from a loop thread");
  std::promise<void> done;
  asio::post(loop.context(), [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

// One acceptor on loop 0 hands sockets to the loops round-robin (see
// README.md for why not SO_REUSEPORT). The accepted socket is created on its
// target loop's io_context and adopted there.
void Server::Impl::do_accept() {
  Loop& target = *loops[next_loop++ % loops.size()];
  acceptor->async_accept(target.context(), [this, &target](const error_code& ec, Socket socket) {
    if (!accepting) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // Out of descriptors or memory: back off instead of spinning.
      spdlog::warn("http: accept failed: {}", ec.message());
      backoff->expires_after(std::chrono::milliseconds(50));
      backoff->async_wait([this](const error_code& e) {
        if (!e && accepting) do_accept();
      });
      return;
    }
    error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    asio::post(target.context(),
               [&target, s = std::move(socket)]() mutable { target.adopt(std::move(s)); });
    do_accept();
  });
}

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::make_shared<const Handler>(std::move(handler));
}

Server::~Server() {
  stop();
}

Result<uint16_t> Server::listen() {
  Impl& s = *impl_;
  if (s.acceptor) return s.acceptor->local_endpoint().port();
  const ServerOptions& o = s.options;

  error_code ec;
  std::string host = o.bind == "localhost" ? "127.0.0.1" : o.bind;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return Error::make(
        "InvalidBindAddress",
        "cannot bind to '" + o.bind + "': give an IP address such as 127.0.0.1 or 0.0.0.0", 500);
  }
  if (s.loops.empty()) {  // a listen() that failed before made them already
    unsigned n = o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) s.loops.push_back(std::make_shared<Loop>(o, s.handler));
  }

  asio::ip::tcp::endpoint endpoint(address, o.port);
  std::string where = o.bind + ":" + std::to_string(o.port);
  s.acceptor.emplace(s.loops[0]->context());
  s.backoff.emplace(s.loops[0]->context());
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    s.acceptor.reset();
    return Error::make("AddressInUse",
                       where + " is already in use: stop the other server or choose another --port",
                       500);
  }
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    s.acceptor.reset();
    return Error::make("BindFailed", "cannot listen on " + where + ": " + ec.message(), 500);
  }
  return s.acceptor->local_endpoint().port();
}

Result<uint16_t> Server::start() {
  Impl& s = *impl_;
  if (s.started) return Error::make("AlreadyStarted", "http server started twice", 500);
  auto port = listen();
  if (!port) return port;
  unsigned n = static_cast<unsigned>(s.loops.size());
  s.started = true;
  s.accepting = true;
  s.adopting = true;
  s.do_accept();
  for (unsigned i = 0; i < n; ++i) {
    s.threads.emplace_back([loop = s.loops[i], i] {
      set_thread_name(("nimbus-http-" + std::to_string(i)).c_str());
      set_thread_role(ThreadRole::kEventLoop);
      loop->run();
    });
  }
  return port;
}

void Server::stop_accepting() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.adopting = false;
  Impl::run_on(*s.loops[0], [&s] {
    s.accepting = false;
    error_code ignored;
    if (s.acceptor) s.acceptor->close(ignored);
    s.backoff->cancel();
  });
}

bool Server::drain(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& loop : s.loops) {
    asio::post(loop->context(), [l = loop.get()] { l->begin_drain(); });
  }
  for (;;) {
    ServerStats st = stats();
    if (st.in_flight == 0 && st.connections_open == 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  stop_accepting();
  for (auto& loop : s.loops) Impl::run_on(*loop, [l = loop.get()] { l->close_all(); });
  s.stopped = true;
  // Anything still queued (completions of the closed sockets) is destroyed
  // with the io_context, not run.
  for (auto& loop : s.loops) loop->context().stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.backoff.reset();
  s.acceptor.reset();
}

void Server::adopt(int fd) {
  Impl& s = *impl_;
  UniqueFd owned(fd);  // closed if the handler is destroyed unrun (its loop stopped first)
  if (!s.adopting.load() || s.loops.empty()) return;
  Loop& target = *s.loops[s.next_adopted.fetch_add(1) % s.loops.size()];
  asio::post(target.context(), [&target, owned = std::move(owned)]() mutable {
    Socket socket(target.context());
    error_code ec;
    socket.assign(asio::ip::tcp::v4(), owned.get(), ec);
    if (ec) return;
    owned.release();
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    target.adopt(std::move(socket));
  });
}

size_t Server::in_flight() const {
  return static_cast<size_t>(stats().in_flight);
}

ServerStats Server::stats() const {
  ServerStats out;
  for (auto& loop : impl_->loops) {
    auto& c = loop->counters();
    constexpr auto r = std::memory_order_relaxed;
    out.connections_open += c.connections_open.load(r);
    out.connections_total += c.connections_total.load(r);
    out.requests += c.requests.load(r);
    out.bad_requests += c.bad_requests.load(r);
    out.in_flight += c.in_flight.load(r);
  }
  return out;
}

}  // namespace nimbus::http
