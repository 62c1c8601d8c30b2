#include "runtime/runtime_api.h"

#include <unistd.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

#include "http/response_writer.h"
#include "runtime/peer.h"

namespace nimbus::runtime {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct RuntimeApi::State {
  ApiHandler* handler;  // null once closed
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::weak_ptr<tcp::socket>> sockets;  // to close on close()
  std::optional<uint32_t> peer_uid;                 // only this uid's connections
};

namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<RuntimeApi::State> state, std::shared_ptr<tcp::socket> socket)
      : state_(std::move(state)), socket_(std::move(socket)) {}

  void read() {
    parser_.emplace();
    parser_->body_limit(RuntimeApi::kMaxBody);
    http::async_read(*socket_, buffer_, *parser_,
                     [self = shared_from_this()](boost::beast::error_code ec, size_t) {
                       if (ec) return self->close();
                       self->dispatch(self->parser_->release());
                     });
  }

 private:
  void close() {
    boost::system::error_code ignored;
    socket_->close(ignored);
  }

  void dispatch(http::request<http::string_body> req) {
    keep_alive_ = req.keep_alive();
    ApiHandler* h = state_->handler;
    if (!h) return close();
    // The reply owns the session: a long-polled /next has no I/O pending
    // and would otherwise be dropped. Whoever holds it (the environment)
    // releases it on close.
    ApiReply reply = [self = shared_from_this()](ApiResponse r) { self->write(std::move(r)); };
    std::string_view target = req.target();
    if (target.substr(0, kPrefix.size()) != kPrefix)
      return reply(ApiResponse::error(404, "NotFound", "unknown path"));
    target.remove_prefix(kPrefix.size());
    bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    if (target == "invocation/next" && get) return h->on_next(std::move(reply));
    if (target == "init/error" && post)
      return h->on_init_error(std::string(req["Lambda-Runtime-Function-Error-Type"]),
                              std::move(req.body()), std::move(reply));
    constexpr std::string_view kInv = "invocation/";
    if (post && target.substr(0, kInv.size()) == kInv) {
      std::string_view rest = target.substr(kInv.size());
      auto slash = rest.rfind('/');
      if (slash != std::string_view::npos) {
        std::string id(rest.substr(0, slash));
        std::string_view what = rest.substr(slash + 1);
        if (what == "response") return h->on_response(id, std::move(req.body()), std::move(reply));
        if (what == "error")
          return h->on_error(id, std::string(req["Lambda-Runtime-Function-Error-Type"]),
                             std::move(req.body()), std::move(reply));
      }
    }
    reply(ApiResponse::error(404, "NotFound", "unknown path"));
  }

  // The edge's head writer (status line, our headers with CR/LF made
  // harmless, Content-Length, Connection) into one string; head and body go
  // out in one gathered send.
  //
  // A runtime that pipelines (nimbus's bootstraps send an invocation's
  // result and the next /next in one write) has the next request's head
  // in the buffer already: it reads nothing until that request is answered
  // too, so this answer is held and goes out with the next one. The
  // runtime then wakes once per invocation, and we write once.
  void write(ApiResponse r) {
    nimbus::http::Response resp{r.status, std::move(r.headers), std::move(r.body), nullptr};
    if (resp.header("Content-Type").empty())
      resp.headers.emplace_back("Content-Type", "application/json");
    nimbus::http::ResponseFraming framing;
    framing.keep_alive = keep_alive_;
    if (keep_alive_ && pipelined()) {
      nimbus::http::write_response_head(resp, framing, held_);
      held_ += resp.body;
      return read();
    }
    out_head_.clear();
    nimbus::http::write_response_head(resp, framing, out_head_);
    out_body_ = std::move(resp.body);
    std::array<asio::const_buffer, 3> bufs{asio::buffer(held_), asio::buffer(out_head_),
                                           asio::buffer(out_body_)};
    asio::async_write(*socket_, bufs,
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        self->held_.clear();
                        if (ec || !self->keep_alive_ || !self->state_->handler)
                          return self->close();
                        self->read();
                      });
  }

  // Whether a whole request head is waiting behind the one being answered.
  bool pipelined() const {
    auto data = buffer_.cdata();
    std::string_view unread(static_cast<const char*>(data.data()), data.size());
    return unread.find("\r\n\r\n") != std::string_view::npos;
  }

  std::shared_ptr<RuntimeApi::State> state_;
  std::shared_ptr<tcp::socket> socket_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_head_, out_body_;
  std::string held_;  // answers held for a pipelined request's (write())
  bool keep_alive_ = true;
};

void accept(std::shared_ptr<RuntimeApi::State> state) {
  if (!state->handler || !state->acceptor) return;
  state->acceptor->async_accept([state](boost::system::error_code ec, tcp::socket s) {
    if (ec || !state->handler) return;
    if (state->peer_uid) {
      // Another environment's process (or anyone else) is not served: the
      // connection is closed unanswered. A kernel that cannot tell lets it in.
      auto uid = loopback_peer_uid(s.native_handle());
      if (uid && *uid != *state->peer_uid) {
        s.close(ec);
        return accept(state);
      }
    }
    s.set_option(tcp::no_delay(true), ec);
    auto socket = std::make_shared<tcp::socket>(std::move(s));
    std::erase_if(state->sockets, [](auto& w) { return w.expired(); });
    state->sockets.push_back(socket);
    std::make_shared<Session>(state, socket)->read();
    accept(state);
  });
}

}  // namespace

ApiResponse ApiResponse::error(int status, const std::string& type, const std::string& message) {
  boost::json::object o{{"errorMessage", message}, {"errorType", type}};
  return {status, {}, boost::json::serialize(o)};
}

void RuntimeApi::only_from_uid(uint32_t uid) {
  state_->peer_uid = uid;
}

RuntimeApi::RuntimeApi(asio::io_context& loop, ApiHandler& handler)
    : state_(std::make_shared<State>(State{&handler, tcp::acceptor(loop), {}, std::nullopt})) {}

RuntimeApi::~RuntimeApi() {
  close();
}

Result<uint16_t> RuntimeApi::listen() {
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), 0);
  state_->acceptor->open(ep.protocol(), ec);
  if (!ec) state_->acceptor->bind(ep, ec);
  if (!ec) state_->acceptor->listen(64, ec);
  if (ec) return Error::internal("runtime api listen: " + ec.message());
  port_ = state_->acceptor->local_endpoint().port();
  accept(state_);
  return port_;
}

Status RuntimeApi::adopt(int fd, uint16_t port) {
  boost::system::error_code ec;
  state_->acceptor->assign(tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    return Error::internal("runtime api: " + ec.message());
  }
  state_->peer_uid.reset();
  port_ = port;
  accept(state_);
  return Status::ok();
}

void RuntimeApi::close() {
  if (!state_->handler) return;
  state_->handler = nullptr;
  boost::system::error_code ec;
  state_->acceptor->close(ec);
  for (auto& w : state_->sockets)
    if (auto s = w.lock()) s->close(ec);
  state_->sockets.clear();
}

}  // namespace nimbus::runtime
