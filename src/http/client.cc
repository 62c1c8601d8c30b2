#include "http/client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <optional>

#include "http/outbound_loop.h"

namespace nimbus::http {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string_view ClientResponse::header(std::string_view lower_name) const {
  for (const auto& [n, v] : headers) {
    if (n == lower_name) return v;
  }
  return {};
}

std::optional<HostPort> HostPort::parse(std::string_view authority) {
  HostPort out;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    auto close = authority.find(']');
    if (close == authority.npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      out.colon = true;
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != authority.npos) {
      out.colon = true;
      port = authority.substr(colon + 1);
    }
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) return std::nullopt;
    unsigned long n = std::stoul(std::string(port));
    if (n == 0 || n > 65535) return std::nullopt;
    out.port = std::string(port);
  }
  return out;
}

std::optional<Url> Url::parse(std::string_view url) {
  Url u;
  auto starts = [&](std::string_view p) { return iequals(url.substr(0, p.size()), p); };
  if (starts("https://")) {
    u.https = true;
    url.remove_prefix(8);
  } else if (starts("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  auto end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, end);
  std::string_view rest = end == url.npos ? std::string_view() : url.substr(end);
  if (auto hash = rest.find('#'); hash != rest.npos) rest = rest.substr(0, hash);
  if (authority.find('@') != authority.npos) return std::nullopt;
  auto hp = HostPort::parse(authority);
  if (!hp) return std::nullopt;
  u.host = std::move(hp->host);
  u.port = !hp->port.empty() ? std::move(hp->port) : u.https ? "443" : "80";
  u.target =
      rest.empty() ? "/" : (rest.front() == '?' ? "/" + std::string(rest) : std::string(rest));
  return u;
}

namespace {

Error fail(const char* code, std::string message) {
  return Error::make(code, std::move(message), 502);
}

}  // namespace

class Session;

struct Client::Impl {
  explicit Impl(ClientOptions o) : options(std::move(o)) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(options.accept_self_signed ? ssl::verify_none : ssl::verify_peer);
  }
  ClientOptions options;
  ssl::context tls{ssl::context::tls_client};
  OutboundLoop<Session> loop;
};

// One request: resolve, connect, (TLS handshake), write, read, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Client::Impl& impl, Url url, ClientRequest req, FetchDone done)
      : impl_(impl),
        url_(std::move(url)),
        req_(std::move(req)),
        done_(std::move(done)),
        resolver_(impl.loop.ioc),
        socket_(impl.loop.ioc),
        timer_(impl.loop.ioc) {}

  void start(std::list<std::weak_ptr<Session>>::iterator self) {
    self_ = self;
    arm(impl_.options.connect_timeout);
    resolver_.async_resolve(url_.host, url_.port,
                            [s = shared_from_this()](boost::system::error_code ec,
                                                     tcp::resolver::results_type results) {
                              s->on_resolve(ec, std::move(results));
                            });
  }

  void cancel() {
    cancelled_ = true;
    abort();
  }

 private:
  void arm(std::chrono::milliseconds after) {
    timer_.expires_after(after);
    timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
      auto s = w.lock();
      if (!ec && s) {
        s->timed_out_ = true;
        s->abort();
      }
    });
  }
  void abort() {
    resolver_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void on_resolve(boost::system::error_code ec, tcp::resolver::results_type results) {
    if (ec) return finish(error("ResolveFailed", "cannot resolve " + url_.host, ec));
    asio::async_connect(socket_, results,
                        [s = shared_from_this()](boost::system::error_code ec,
                                                 const tcp::endpoint&) { s->on_connect(ec); });
  }

  void on_connect(boost::system::error_code ec) {
    if (ec) return finish(error("ConnectFailed", "cannot connect to " + url_.host, ec));
    if (!url_.https) return write(socket_);
    tls_.emplace(socket_, impl_.tls);
    SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str());
    if (!impl_.options.accept_self_signed) {
      tls_->set_verify_callback(ssl::host_name_verification(url_.host));
    }
    tls_->async_handshake(
        ssl::stream_base::client, [s = shared_from_this()](boost::system::error_code ec) {
          if (ec) {
            return s->finish(s->error("TlsFailed", "TLS with " + s->url_.host + " failed", ec));
          }
          s->write(*s->tls_);
        });
  }

  template <typename Stream>
  void write(Stream& stream) {
    arm(req_.timeout);
    out_.method_string(req_.method);
    out_.target(url_.target);
    out_.version(11);
    bool default_port = url_.port == (url_.https ? "443" : "80");
    std::string host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    out_.set(bhttp::field::host, default_port ? host : host + ":" + url_.port);
    out_.set(bhttp::field::user_agent, "nimbus");
    out_.set(bhttp::field::connection, "close");
    // A caller's Host or User-Agent replaces ours (a gateway forwards its
    // client's, or overwrites Host).
    for (const auto& [n, v] : req_.headers) {
      if (iequals(n, "host") || iequals(n, "user-agent")) {
        out_.set(n, v);
      } else {
        out_.insert(n, v);
      }
    }
    out_.body() = std::move(req_.body);
    out_.prepare_payload();
    parser_.body_limit(impl_.options.max_body_bytes);
    parser_.skip(req_.method == "HEAD");  // its Content-Length announces no body
    bhttp::async_write(
        stream, out_, [s = shared_from_this(), &stream](boost::system::error_code ec, size_t) {
          if (ec) return s->finish(s->error("ConnectFailed", "writing failed", ec));
          bhttp::async_read(stream, s->buffer_, s->parser_,
                            [s](boost::system::error_code ec, size_t) { s->on_read(ec); });
        });
  }

  void on_read(boost::system::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return finish(fail(
          "ResponseTooLarge",
          "the response body is over " + std::to_string(impl_.options.max_body_bytes) + " bytes"));
    }
    if (ec && !(parser_.is_done())) return finish(error("BadResponse", "reading failed", ec));
    auto& msg = parser_.get();
    ClientResponse r;
    r.status = static_cast<int>(msg.result_int());
    r.reason = std::string(msg.reason());
    for (const auto& f : msg) {
      r.headers.emplace_back(
          to_lower(std::string_view(f.name_string().data(), f.name_string().size())),
          std::string(f.value()));
    }
    r.body = std::move(msg.body());
    finish(std::move(r));
  }

  Error error(const char* code, std::string what, boost::system::error_code ec) const {
    if (cancelled_) return fail("ClientStopped", "the client is stopping");
    if (timed_out_) return fail("Timeout", "timed out: " + req_.method + " " + req_.url);
    return fail(code, what + ": " + ec.message());
  }

  void finish(Result<ClientResponse> r) {
    if (!done_) return;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
    impl_.loop.erase(self_);
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(r));
  }

  Client::Impl& impl_;
  Url url_;
  ClientRequest req_;
  FetchDone done_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::optional<ssl::stream<tcp::socket&>> tls_;
  asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> out_;
  bhttp::response_parser<bhttp::string_body> parser_;
  std::list<std::weak_ptr<Session>>::iterator self_;
  bool timed_out_ = false;
  bool cancelled_ = false;
};

Client::Client(ClientOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

Client::~Client() {
  impl_->loop.stop();
}

void Client::fetch(ClientRequest request, FetchDone done) {
  impl_->loop.start_session([impl = impl_.get(), request = std::move(request),
                             done = std::move(done)](bool stopping) mutable {
    std::shared_ptr<Session> s;
    if (stopping) {
      done(fail("ClientStopped", "the client is stopping"));
      return s;
    }
    auto url = Url::parse(request.url);
    if (!url) {
      done(Error::make("InvalidUrl", "not an http(s) URL: " + request.url, 400));
      return s;
    }
    return std::make_shared<Session>(*impl, std::move(*url), std::move(request), std::move(done));
  });
}

Error unsuccessful(const ClientResponse& response) {
  return Error::make("UnsuccessfulStatus",
                     "the endpoint answered " + std::to_string(response.status));
}

}  // namespace nimbus::http
