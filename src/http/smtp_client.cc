#include "http/smtp_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <istream>
#include <list>

#include "common/encoding.h"
#include "http/client.h"
#include "http/outbound_loop.h"
#include "http/smtp_reply.h"

namespace nimbus::http {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::optional<SmtpRelay> SmtpRelay::parse(std::string_view text) {
  auto hp = HostPort::parse(text);
  if (!hp || (hp->colon && hp->port.empty())) return std::nullopt;
  if (hp->host.find_first_of(" /@") != std::string::npos) return std::nullopt;
  SmtpRelay r;
  r.host = std::move(hp->host);
  if (!hp->port.empty()) r.port = std::move(hp->port);
  return r;
}

namespace {

Error smtp_fail(const char* code, std::string message, int status = 502) {
  return Error::make(code, std::move(message), status);
}

// `data` dot-stuffed (a line starting with "." gets another), ending in
// CRLF, then the "." line that ends DATA.
std::string stuffed(const std::string& data) {
  std::string out;
  out.reserve(data.size() + 8);
  bool line_start = true;
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (line_start && c == '.') out += '.';
    // A bare LF becomes CRLF; SMTP has no other line end.
    if (c == '\n' && (i == 0 || data[i - 1] != '\r')) out += '\r';
    out += c;
    line_start = c == '\n';
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  out += ".\r\n";
  return out;
}

// Where the conversation is: the reply read next answers this.
enum class Phase {
  kGreeting,
  kEhlo,
  kStartTls,
  kAuth,
  kAuthUser,
  kAuthPassword,
  kMail,
  kRcpt,
  kData,
  kBody,
  kQuit
};

constexpr size_t kMaxReplyLines = 128;
constexpr size_t kMaxReplyBytes = 64 * 1024;

}  // namespace

class SmtpSession;

struct SmtpClient::Impl {
  explicit Impl(SmtpRelay r) : relay(std::move(r)) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(relay.accept_self_signed ? ssl::verify_none : ssl::verify_peer);
  }
  SmtpRelay relay;
  ssl::context tls{ssl::context::tls_client};
  OutboundLoop<SmtpSession> loop;
};

// One message: resolve, connect, then one command at a time and its
// (possibly multi-line) reply, in the clear or, after STARTTLS, over TLS.
class SmtpSession : public std::enable_shared_from_this<SmtpSession> {
 public:
  SmtpSession(SmtpClient::Impl& impl, Mail mail, SendDone done)
      : impl_(impl),
        relay_(impl.relay),
        mail_(std::move(mail)),
        done_(std::move(done)),
        resolver_(impl.loop.ioc),
        socket_(impl.loop.ioc),
        timer_(impl.loop.ioc),
        in_(kMaxReplyBytes) {}

  void start(std::list<std::weak_ptr<SmtpSession>>::iterator self) {
    self_ = self;
    timer_.expires_after(relay_.timeout);
    timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
      auto s = w.lock();
      if (!ec && s) {
        s->timed_out_ = true;
        s->abort();
      }
    });
    resolver_.async_resolve(
        relay_.host, relay_.port,
        [s = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type rs) {
          if (ec) return s->finish(s->error("ResolveFailed", "cannot resolve the relay", ec));
          asio::async_connect(
              s->socket_, rs, [s](boost::system::error_code ec, const tcp::endpoint&) {
                if (ec) {
                  return s->finish(s->error("ConnectFailed", "cannot connect to the relay", ec));
                }
                s->phase_ = Phase::kGreeting;
                s->read_reply();
              });
        });
  }

  void cancel() {
    cancelled_ = true;
    abort();
  }

 private:
  void abort() {
    resolver_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void send(std::string command, Phase phase) {
    phase_ = phase;
    out_ = std::move(command);
    reply_.clear();
    auto written = [s = shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec && s->phase_ == Phase::kQuit) return s->finish(Status::ok());
      if (ec) return s->finish(s->error("ConnectFailed", "writing failed", ec));
      s->read_reply();
    };
    if (tls_) {
      asio::async_write(*tls_, asio::buffer(out_), std::move(written));
    } else {
      asio::async_write(socket_, asio::buffer(out_), std::move(written));
    }
  }

  // Reads reply lines until the last one ("NNN text"; "NNN-text" goes on).
  void read_reply() {
    auto read = [s = shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec && s->phase_ == Phase::kQuit) return s->finish(Status::ok());
      if (ec) return s->finish(s->error("BadReply", "reading the reply failed", ec));
      std::istream lines(&s->in_);
      std::string line;
      std::getline(lines, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto kind = smtp::classify(line);
      if (kind == smtp::Line::kBad || s->reply_.size() >= kMaxReplyLines) {
        return s->finish(smtp_fail("BadReply", "the relay's answer is not SMTP"));
      }
      s->reply_.push_back(line);
      if (kind == smtp::Line::kMore) return s->read_reply();
      s->on_reply(line);
    };
    if (tls_) {
      asio::async_read_until(*tls_, in_, "\r\n", std::move(read));
    } else {
      asio::async_read_until(socket_, in_, "\r\n", std::move(read));
    }
  }

  void on_reply(const std::string& line) {
    char c = line[0];
    switch (phase_) {
      case Phase::kGreeting:
        if (c != '2') return refused(line);
        return send("EHLO " + relay_.helo + "\r\n", Phase::kEhlo);
      case Phase::kEhlo:
        if (c != '2') return refused(line);
        return greeted();
      case Phase::kStartTls:
        if (!line.starts_with("220")) {
          return finish(smtp_fail("TlsFailed", "the relay refused STARTTLS: " + line));
        }
        return handshake();
      case Phase::kAuth:
        if (login_) {
          if (!line.starts_with("334")) return auth_failed(line);
          return send(base64_encode(relay_.user) + "\r\n", Phase::kAuthUser);
        }
        if (c != '2') return auth_failed(line);
        return send("MAIL FROM:<" + mail_.from + ">\r\n", Phase::kMail);
      case Phase::kAuthUser:
        if (!line.starts_with("334")) return auth_failed(line);
        return send(base64_encode(relay_.password) + "\r\n", Phase::kAuthPassword);
      case Phase::kAuthPassword:
        if (c != '2') return auth_failed(line);
        return send("MAIL FROM:<" + mail_.from + ">\r\n", Phase::kMail);
      case Phase::kMail:
      case Phase::kRcpt:
        if (c != '2') return refused(line);
        if (rcpt_ < mail_.to.size()) {
          return send("RCPT TO:<" + mail_.to[rcpt_++] + ">\r\n", Phase::kRcpt);
        }
        return send("DATA\r\n", Phase::kData);
      case Phase::kData:
        if (c != '3') return refused(line);
        return send(stuffed(mail_.data), Phase::kBody);
      case Phase::kBody:
        if (c != '2') return refused(line);
        return send("QUIT\r\n", Phase::kQuit);
      case Phase::kQuit:
        // Once the message was taken, a failed QUIT changes nothing.
        return finish(Status::ok());
    }
  }

  // After EHLO: STARTTLS if offered (and wanted), then AUTH if configured,
  // then the message.
  void greeted() {
    auto caps = smtp::capabilities(reply_);
    if (!tls_ && relay_.starttls != SmtpRelay::StartTls::kOff && caps.starttls) {
      return send("STARTTLS\r\n", Phase::kStartTls);
    }
    if (!tls_ && relay_.starttls == SmtpRelay::StartTls::kRequired) {
      return finish(smtp_fail("TlsRequired", "the relay does not offer STARTTLS"));
    }
    if (relay_.user.empty()) return send("MAIL FROM:<" + mail_.from + ">\r\n", Phase::kMail);
    if (!tls_ && !relay_.auth_without_tls) {
      return finish(
          smtp_fail("TlsRequired", "credentials are not sent over an unencrypted connection"));
    }
    if (caps.plain) {
      std::string token;
      token += '\0';
      token += relay_.user;
      token += '\0';
      token += relay_.password;
      return send("AUTH PLAIN " + base64_encode(token) + "\r\n", Phase::kAuth);
    }
    if (caps.login) {
      login_ = true;
      return send("AUTH LOGIN\r\n", Phase::kAuth);
    }
    finish(
        smtp_fail("AuthFailed", "the relay offers no AUTH mechanism nimbus speaks (PLAIN, LOGIN)"));
  }

  void handshake() {
    // RFC 3207: nothing the relay sent before the handshake counts.
    in_.consume(in_.size());
    tls_.emplace(socket_, impl_.tls);
    boost::system::error_code not_ip;
    asio::ip::make_address(relay_.host, not_ip);
    // SNI names a host; an address literal is not sent (RFC 6066).
    if (not_ip) SSL_set_tlsext_host_name(tls_->native_handle(), relay_.host.c_str());
    if (!relay_.accept_self_signed) {
      tls_->set_verify_callback(ssl::host_name_verification(relay_.host));
    }
    tls_->async_handshake(
        ssl::stream_base::client, [s = shared_from_this()](boost::system::error_code ec) {
          if (ec) {
            return s->finish(s->error("TlsFailed", "the TLS handshake failed", ec));
          }
          s->send("EHLO " + s->relay_.helo + "\r\n", Phase::kEhlo);
        });
  }

  void refused(const std::string& line) {
    if (line[0] == '4') return finish(smtp_fail("MailDeferred", "the relay answered " + line));
    finish(smtp_fail("MailRejected", "the relay answered " + line, 400));
  }

  void auth_failed(const std::string& line) {
    finish(smtp_fail("AuthFailed", "the relay refused the credentials: " + line));
  }

  Error error(const char* code, const std::string& what, boost::system::error_code ec) const {
    if (cancelled_) return smtp_fail("ClientStopped", "the client is stopping");
    if (timed_out_) return smtp_fail("Timeout", "the relay did not finish in time");
    return smtp_fail(code, what + ": " + ec.message());
  }

  void finish(Status st) {
    if (!done_) return;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
    impl_.loop.erase(self_);
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(st));
  }

  SmtpClient::Impl& impl_;
  const SmtpRelay& relay_;
  Mail mail_;
  SendDone done_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::optional<ssl::stream<tcp::socket&>> tls_;  // after STARTTLS
  asio::steady_timer timer_;
  asio::streambuf in_;
  std::string out_;
  std::vector<std::string> reply_;  // the lines of the reply being read
  Phase phase_ = Phase::kGreeting;
  size_t rcpt_ = 0;
  bool login_ = false;
  std::list<std::weak_ptr<SmtpSession>>::iterator self_;
  bool timed_out_ = false;
  bool cancelled_ = false;
};

SmtpClient::SmtpClient(SmtpRelay relay) : impl_(std::make_shared<Impl>(std::move(relay))) {}

SmtpClient::~SmtpClient() {
  impl_->loop.stop();
}

void SmtpClient::send(Mail mail, SendDone done) {
  impl_->loop.start_session(
      [impl = impl_.get(), mail = std::move(mail), done = std::move(done)](bool stopping) mutable {
        std::shared_ptr<SmtpSession> s;
        if (stopping) {
          done(smtp_fail("ClientStopped", "the client is stopping"));
          return s;
        }
        return std::make_shared<SmtpSession>(*impl, std::move(mail), std::move(done));
      });
}

}  // namespace nimbus::http
