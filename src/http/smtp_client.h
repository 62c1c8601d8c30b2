// An outbound SMTP client for the server's own mail (SNS email and
// email-json subscriptions): each message is one SMTP conversation
// (RFC 5321: greeting, EHLO, MAIL FROM, RCPT TO, DATA, QUIT) with one relay
// named at start-up, on the client's own event loop, so no caller's loop
// waits on the relay.
//
// STARTTLS (RFC 3207) when the relay's EHLO offers it (or fail when it must
// and does not): the certificate is verified against the system CA store
// and the relay's host name unless accept_self_signed; EHLO again after the
// handshake. AUTH (RFC 4954) when a user is set: PLAIN if the relay offers
// it, else LOGIN; never over an unencrypted connection unless
// auth_without_tls.
//
// Threads: send() from any thread; `done` runs once on the client's thread
// and must be quick. The destructor cancels what is in flight (each `done`
// then runs with "ClientStopped" before the destructor returns) and joins.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::http {

struct SmtpRelay {
  std::string host;
  std::string port = "25";
  std::string helo = "nimbus";  // the name EHLO announces
  // The whole conversation, connecting and the TLS handshake included.
  std::chrono::milliseconds timeout{30'000};

  enum class StartTls { kOff, kOptional, kRequired };
  StartTls starttls = StartTls::kOptional;
  bool accept_self_signed = false;  // skip certificate and host-name checks
  std::string user;                 // AUTH when not empty
  std::string password;
  bool auth_without_tls = false;  // send credentials over a plain connection

  // "HOST:PORT" or "HOST" (port 25); "[v6]:PORT" for IPv6 literals.
  static std::optional<SmtpRelay> parse(std::string_view text);
};

struct Mail {
  std::string from;             // the envelope sender (an address)
  std::vector<std::string> to;  // envelope recipients
  // The message (RFC 5322 headers, a blank line, the body), lines ending in
  // CRLF; dot-stuffing and the final "." are the client's.
  std::string data;
};

// Errors: "ResolveFailed", "ConnectFailed", "Timeout", "BadReply" (not
// SMTP), "MailRejected" (a 5xx reply to the message: the relay will not take
// it, status 400), "MailDeferred" (a 4xx reply: try again later),
// "TlsFailed" (STARTTLS refused or the handshake failed), "TlsRequired"
// (no STARTTLS offered when required, or credentials would go unencrypted),
// "AuthFailed" (AUTH refused, e.g. 535, or no mechanism we speak offered),
// "ClientStopped". Only MailRejected is about the message; the others are
// worth retrying once the relay or the configuration is fixed.
using SendDone = std::function<void(Status)>;

class SmtpClient {
 public:
  explicit SmtpClient(SmtpRelay relay);
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  void send(Mail mail, SendDone done);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace nimbus::http
