// An outbound SMTP client for the server's own mail (SNS email and
// email-json subscriptions): each message is one plain SMTP conversation
// (RFC 5321: greeting, EHLO, MAIL FROM, RCPT TO, DATA, QUIT) with one relay
// named at start-up, on the client's own event loop, so no caller's loop
// waits on the relay. No STARTTLS and no AUTH: the relay is the operator's
// own (a local MTA or a smarthost that trusts this host).
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
  // The whole conversation, connecting included.
  std::chrono::milliseconds timeout{30'000};

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
// SMTP), "MailRejected" (a 5xx reply: the relay will not take it, status
// 400), "MailDeferred" (a 4xx reply: try again later), "ClientStopped".
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
