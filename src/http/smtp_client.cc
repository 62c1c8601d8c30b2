#include "http/smtp_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <istream>
#include <list>

#include "http/client.h"
#include "http/outbound_loop.h"

namespace nimbus::http {

namespace asio = boost::asio;
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

Error fail(const char* code, std::string message, int status = 502) {
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

// One command and the reply code class that lets the conversation go on.
struct Step {
  std::string command;  // "" for the greeting
  char expect;          // '2' or '3'
};

}  // namespace

class SmtpSession;

struct SmtpClient::Impl {
  explicit Impl(SmtpRelay r) : relay(std::move(r)) {}
  SmtpRelay relay;
  OutboundLoop<SmtpSession> loop;
};

// One message: resolve, connect, then the steps in order, each a command
// and its (possibly multi-line) reply.
class SmtpSession : public std::enable_shared_from_this<SmtpSession> {
 public:
  SmtpSession(SmtpClient::Impl& impl, Mail mail, SendDone done)
      : impl_(impl),
        done_(std::move(done)),
        resolver_(impl.loop.ioc),
        socket_(impl.loop.ioc),
        timer_(impl.loop.ioc) {
    steps_.push_back({"", '2'});
    steps_.push_back({"EHLO " + impl.relay.helo + "\r\n", '2'});
    steps_.push_back({"MAIL FROM:<" + mail.from + ">\r\n", '2'});
    for (const auto& to : mail.to) steps_.push_back({"RCPT TO:<" + to + ">\r\n", '2'});
    steps_.push_back({"DATA\r\n", '3'});
    steps_.push_back({stuffed(mail.data), '2'});
    steps_.push_back({"QUIT\r\n", '2'});
  }

  void start(std::list<std::weak_ptr<SmtpSession>>::iterator self) {
    self_ = self;
    timer_.expires_after(impl_.relay.timeout);
    timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
      auto s = w.lock();
      if (!ec && s) {
        s->timed_out_ = true;
        s->abort();
      }
    });
    resolver_.async_resolve(
        impl_.relay.host, impl_.relay.port,
        [s = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type rs) {
          if (ec) return s->finish(s->error("ResolveFailed", "cannot resolve the relay", ec));
          asio::async_connect(
              s->socket_, rs, [s](boost::system::error_code ec, const tcp::endpoint&) {
                if (ec) {
                  return s->finish(s->error("ConnectFailed", "cannot connect to the relay", ec));
                }
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

  void next() {
    if (++step_ == steps_.size()) return finish(Status::ok());
    asio::async_write(socket_, asio::buffer(steps_[step_].command),
                      [s = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (ec && s->quitting()) return s->finish(Status::ok());
                        if (ec) return s->finish(s->error("ConnectFailed", "writing failed", ec));
                        s->read_reply();
                      });
  }

  // Reads reply lines until the last one ("NNN text"; "NNN-text" goes on).
  void read_reply() {
    asio::async_read_until(
        socket_, in_, "\r\n", [s = shared_from_this()](boost::system::error_code ec, size_t) {
          if (ec && s->quitting()) return s->finish(Status::ok());
          if (ec) return s->finish(s->error("BadReply", "reading the reply failed", ec));
          std::istream lines(&s->in_);
          std::string line;
          std::getline(lines, line);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          bool coded = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                       std::isdigit(static_cast<unsigned char>(line[1])) &&
                       std::isdigit(static_cast<unsigned char>(line[2]));
          if (!coded || line.size() > 1000) {
            return s->finish(fail("BadReply", "the relay's answer is not SMTP"));
          }
          if (line.size() > 3 && line[3] == '-') return s->read_reply();
          s->on_reply(line);
        });
  }

  // Once the message was taken, a failed QUIT changes nothing.
  bool quitting() const { return step_ + 1 == steps_.size(); }

  void on_reply(const std::string& line) {
    if (quitting()) return finish(Status::ok());
    if (line[0] == steps_[step_].expect) return next();
    if (line[0] == '4') return finish(fail("MailDeferred", "the relay answered " + line));
    finish(fail("MailRejected", "the relay answered " + line, 400));
  }

  Error error(const char* code, const std::string& what, boost::system::error_code ec) const {
    if (cancelled_) return fail("ClientStopped", "the client is stopping");
    if (timed_out_) return fail("Timeout", "the relay did not finish in time");
    return fail(code, what + ": " + ec.message());
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
  SendDone done_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf in_;
  std::vector<Step> steps_;
  size_t step_ = 0;
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
          done(fail("ClientStopped", "the client is stopping"));
          return s;
        }
        return std::make_shared<SmtpSession>(*impl, std::move(mail), std::move(done));
      });
}

}  // namespace nimbus::http
