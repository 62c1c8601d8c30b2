// The SMTP client against a scripted relay on an ephemeral port (blocking
// sockets on a test thread): the conversation as sent, dot-stuffing, and
// the ways a message fails (rejected, deferred, refused, silent relay).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <future>
#include <string>
#include <thread>

#include "http/smtp_client.h"

namespace nimbus::http {
namespace {

// One connection: greets with `greeting`, then answers each command line
// with `answer(line)`; after DATA's 354 it collects the message up to "."
// and answers 250. Records what it read.
class Relay {
 public:
  explicit Relay(std::function<std::string(const std::string&)> answer,
                 std::string greeting = "220 sink ready")
      : answer_(std::move(answer)), greeting_(std::move(greeting)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Relay() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  SmtpRelay relay() const {
    SmtpRelay r;
    r.host = "127.0.0.1";
    r.port = std::to_string(port_);
    r.timeout = std::chrono::milliseconds(2'000);
    return r;
  }
  std::string transcript;  // read after the client's done
  std::string data;

 private:
  void serve() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    auto say = [c](const std::string& s) {
      std::string line = s + "\r\n";
      (void)!::write(c, line.data(), line.size());
    };
    if (!greeting_.empty()) say(greeting_);
    std::string buf;
    bool in_data = false;
    char chunk[4096];
    for (;;) {
      auto eol = buf.find("\r\n");
      if (eol == std::string::npos) {
        auto n = ::read(c, chunk, sizeof chunk);
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
        continue;
      }
      std::string line = buf.substr(0, eol);
      buf.erase(0, eol + 2);
      if (in_data) {
        if (line == ".") {
          in_data = false;
          say("250 queued");
        } else {
          data += line + "\n";
        }
        continue;
      }
      transcript += line + "\n";
      std::string reply = answer_(line);
      if (line == "DATA" && reply.starts_with("354")) in_data = true;
      say(reply);
      if (line == "QUIT") break;
    }
    ::close(c);
  }

  std::function<std::string(const std::string&)> answer_;
  std::string greeting_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

std::string accept_all(const std::string& line) {
  if (line.starts_with("EHLO")) return "250-sink\r\n250 8BITMIME";
  if (line == "DATA") return "354 go ahead";
  if (line == "QUIT") return "221 bye";
  return "250 ok";
}

Status send(SmtpRelay relay, Mail m) {
  SmtpClient c(std::move(relay));
  std::promise<Status> p;
  c.send(std::move(m), [&p](Status st) { p.set_value(std::move(st)); });
  return p.get_future().get();
}

Mail mail() {
  Mail m;
  m.from = "no-reply@sns.nimbus";
  m.to = {"a@example.com", "b@example.com"};
  m.data = "Subject: hi\r\n\r\nline one\r\n.starts with a dot\nbare LF\r\n";
  return m;
}

TEST(SmtpClientTest, SendsTheConversationAndStuffsDots) {
  Relay relay(accept_all);
  auto st = send(relay.relay(), mail());
  ASSERT_TRUE(st.is_ok()) << st.error().message;
  EXPECT_EQ(relay.transcript,
            "EHLO nimbus\nMAIL FROM:<no-reply@sns.nimbus>\nRCPT TO:<a@example.com>\n"
            "RCPT TO:<b@example.com>\nDATA\nQUIT\n");
  // The relay sees the stuffed line; a reader undoes the stuffing.
  EXPECT_EQ(relay.data, "Subject: hi\n\nline one\n..starts with a dot\nbare LF\n");
}

TEST(SmtpClientTest, APermanentRefusalIsRejectedAndATemporaryOneDeferred) {
  {
    Relay relay([](const std::string& line) {
      return line.starts_with("RCPT") ? "550 5.1.1 no such user" : accept_all(line);
    });
    auto st = send(relay.relay(), mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "MailRejected");
    EXPECT_NE(st.error().message.find("550 5.1.1 no such user"), std::string::npos);
  }
  {
    Relay relay([](const std::string& line) {
      return line.starts_with("MAIL") ? "451 try later" : accept_all(line);
    });
    auto st = send(relay.relay(), mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "MailDeferred");
  }
  {
    Relay relay(accept_all, "554 go away");
    auto st = send(relay.relay(), mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "MailRejected");
  }
}

TEST(SmtpClientTest, NotSmtpASilentRelayAndARefusedConnectionFail) {
  {
    Relay relay(accept_all, "HTTP/1.1 400 Bad Request");
    auto st = send(relay.relay(), mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "BadReply");
  }
  {
    Relay relay(accept_all, "");  // never greets
    auto r = relay.relay();
    r.timeout = std::chrono::milliseconds(200);
    auto st = send(r, mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "Timeout");
  }
  SmtpRelay closed;
  {
    Relay relay(accept_all);
    closed = relay.relay();
    // Connected once so the relay's thread ends.
    ASSERT_TRUE(send(closed, mail()).is_ok());
  }
  auto st = send(closed, mail());
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.error().code, "ConnectFailed");
}

TEST(SmtpClientTest, ParsesRelayAddresses) {
  auto r = SmtpRelay::parse("mail.example.com:2525");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "mail.example.com");
  EXPECT_EQ(r->port, "2525");
  r = SmtpRelay::parse("localhost");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->port, "25");
  r = SmtpRelay::parse("[::1]:587");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "::1");
  EXPECT_EQ(r->port, "587");
  for (const char* bad :
       {"", ":25", "host:", "host:0", "host:70000", "host:2x", "a b:25", "[::1", "[::1]x"}) {
    EXPECT_FALSE(SmtpRelay::parse(bad)) << bad;
  }
}

TEST(SmtpClientTest, StoppingFailsWhatIsInFlight) {
  Relay relay(accept_all, "");  // never greets: the send is in flight
  std::promise<Status> p;
  {
    auto r = relay.relay();
    r.timeout = std::chrono::milliseconds(10'000);
    SmtpClient c(r);
    // Posted before the destructor's cancel: started, then cancelled.
    c.send(mail(), [&p](Status st) { p.set_value(std::move(st)); });
  }
  auto st = p.get_future().get();
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.error().code, "ClientStopped");
}

}  // namespace
}  // namespace nimbus::http
