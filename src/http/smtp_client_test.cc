// The SMTP client against a scripted relay on an ephemeral port (blocking
// sockets on a test thread): the conversation as sent, dot-stuffing, the
// ways a message fails (rejected, deferred, refused, silent relay), and
// STARTTLS (a self-signed certificate made here) with AUTH PLAIN and LOGIN.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <future>
#include <string>
#include <thread>

#include "http/smtp_client.h"
#include "http/smtp_reply.h"

namespace nimbus::http {
namespace {

// A server-side TLS context with a fresh self-signed P-256 certificate.
class TlsContext {
 public:
  TlsContext() : ctx_(SSL_CTX_new(TLS_server_method())) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_sign(x, key, EVP_sha256());
    EXPECT_EQ(SSL_CTX_use_certificate(ctx_, x), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx_, key), 1);
    X509_free(x);
    EVP_PKEY_free(key);
  }
  ~TlsContext() { SSL_CTX_free(ctx_); }
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_;
};

// One connection: greets with `greeting`, then answers each command line
// with `answer(line)`; after DATA's 354 it collects the message up to "."
// and answers 250. With `tls`, a 220 to STARTTLS is followed by the
// handshake ("<tls>" in the transcript) and the rest is encrypted. Records
// what it read.
class Relay {
 public:
  explicit Relay(std::function<std::string(const std::string&)> answer,
                 std::string greeting = "220 sink ready", SSL_CTX* tls = nullptr)
      : answer_(std::move(answer)), greeting_(std::move(greeting)), tls_(tls) {
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
    SSL* ssl = nullptr;
    auto say = [c, &ssl](const std::string& s) {
      std::string line = s + "\r\n";
      if (ssl) {
        SSL_write(ssl, line.data(), static_cast<int>(line.size()));
      } else {
        (void)!::write(c, line.data(), line.size());
      }
    };
    if (!greeting_.empty()) say(greeting_);
    std::string buf;
    bool in_data = false;
    char chunk[4096];
    for (;;) {
      auto eol = buf.find("\r\n");
      if (eol == std::string::npos) {
        auto n = ssl ? SSL_read(ssl, chunk, sizeof chunk) : ::read(c, chunk, sizeof chunk);
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
      if (line == "STARTTLS" && reply.starts_with("220") && tls_) {
        buf.clear();
        ssl = SSL_new(tls_);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) != 1) break;
        transcript += "<tls>\n";
      }
    }
    if (ssl) SSL_free(ssl);
    ::close(c);
  }

  std::function<std::string(const std::string&)> answer_;
  std::string greeting_;
  SSL_CTX* tls_;
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

// EHLO offers STARTTLS and both mechanisms (again after the handshake: the
// client must not STARTTLS twice); 235 to AUTH PLAIN, the LOGIN dialogue.
std::function<std::string(const std::string&)> tls_relay(std::string auth = "AUTH PLAIN LOGIN",
                                                         std::string plain_reply = "235 ok") {
  return [auth, plain_reply](const std::string& line) -> std::string {
    if (line.starts_with("EHLO"))
      return "250-sink\r\n250-STARTTLS\r\n250-" + auth + "\r\n250 8BITMIME";
    if (line == "STARTTLS") return "220 go ahead";
    if (line.starts_with("AUTH PLAIN")) return plain_reply;
    if (line == "AUTH LOGIN") return "334 VXNlcm5hbWU6";
    if (line == "bWU=") return "334 UGFzc3dvcmQ6";
    if (line == "c2VjcmV0") return "235 ok";
    return accept_all(line);
  };
}

SmtpRelay with_user(SmtpRelay r) {
  r.user = "me";
  r.password = "secret";
  r.accept_self_signed = true;
  return r;
}

const char* const kAfterAuth =
    "MAIL FROM:<no-reply@sns.nimbus>\nRCPT TO:<a@example.com>\nRCPT TO:<b@example.com>\n"
    "DATA\nQUIT\n";

TEST(SmtpClientTest, StartTlsThenAuthPlain) {
  TlsContext tls;
  Relay relay(tls_relay(), "220 sink ready", tls.get());
  auto st = send(with_user(relay.relay()), mail());
  ASSERT_TRUE(st.is_ok()) << st.error().message;
  // "\0me\0secret", only after the handshake and the second EHLO.
  EXPECT_EQ(relay.transcript, std::string("EHLO nimbus\nSTARTTLS\n<tls>\nEHLO nimbus\n"
                                          "AUTH PLAIN AG1lAHNlY3JldA==\n") +
                                  kAfterAuth);
  EXPECT_EQ(relay.data, "Subject: hi\n\nline one\n..starts with a dot\nbare LF\n");
}

TEST(SmtpClientTest, AuthLoginWhenPlainIsNotOffered) {
  TlsContext tls;
  Relay relay(tls_relay("AUTH=LOGIN"), "220 sink ready", tls.get());
  auto st = send(with_user(relay.relay()), mail());
  ASSERT_TRUE(st.is_ok()) << st.error().message;
  EXPECT_EQ(relay.transcript,
            std::string("EHLO nimbus\nSTARTTLS\n<tls>\nEHLO nimbus\nAUTH LOGIN\nbWU=\nc2VjcmV0\n") +
                kAfterAuth);
}

TEST(SmtpClientTest, RefusedCredentialsAreAnAuthFailureNotARejectedMail) {
  TlsContext tls;
  Relay relay(tls_relay("AUTH PLAIN", "535 5.7.8 Authentication credentials invalid"),
              "220 sink ready", tls.get());
  auto st = send(with_user(relay.relay()), mail());
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.error().code, "AuthFailed");
  EXPECT_NE(st.error().message.find("535"), std::string::npos);
  EXPECT_EQ(relay.transcript.find("MAIL FROM"), std::string::npos);
}

TEST(SmtpClientTest, NoStartTlsNoCredentials) {
  auto plain = [](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-sink\r\n250 AUTH PLAIN LOGIN";
    return accept_all(line);
  };
  {
    // Required and not offered: nothing after EHLO.
    Relay relay(plain);
    auto r = relay.relay();
    r.starttls = SmtpRelay::StartTls::kRequired;
    auto st = send(r, mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "TlsRequired");
    EXPECT_EQ(relay.transcript, "EHLO nimbus\n");
  }
  {
    // Optional, not offered, a user set: the credentials stay here.
    Relay relay(plain);
    auto st = send(with_user(relay.relay()), mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "TlsRequired");
    EXPECT_EQ(relay.transcript, "EHLO nimbus\n");
  }
  {
    // Unless the operator allows it.
    Relay relay(plain);
    auto r = with_user(relay.relay());
    r.auth_without_tls = true;
    auto st = send(r, mail());
    ASSERT_TRUE(st.is_ok()) << st.error().message;
    EXPECT_EQ(relay.transcript,
              std::string("EHLO nimbus\nAUTH PLAIN AG1lAHNlY3JldA==\n") + kAfterAuth);
  }
  {
    // Off: STARTTLS offered but not used, plain mail without a user.
    TlsContext tls;
    Relay relay(tls_relay(), "220 sink ready", tls.get());
    auto r = relay.relay();
    r.starttls = SmtpRelay::StartTls::kOff;
    ASSERT_TRUE(send(r, mail()).is_ok());
    EXPECT_EQ(relay.transcript, std::string("EHLO nimbus\n") + kAfterAuth);
  }
}

TEST(SmtpClientTest, AnUnverifiedCertificateOrARefusedStartTlsFails) {
  {
    TlsContext tls;
    Relay relay(tls_relay(), "220 sink ready", tls.get());
    auto r = with_user(relay.relay());
    r.accept_self_signed = false;
    auto st = send(r, mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "TlsFailed");
    EXPECT_EQ(relay.transcript.find("AUTH"), std::string::npos);
  }
  {
    Relay relay([](const std::string& line) -> std::string {
      return line == "STARTTLS" ? "454 TLS not available" : tls_relay()(line);
    });
    auto st = send(with_user(relay.relay()), mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.error().code, "TlsFailed");
    EXPECT_EQ(relay.transcript.find("AUTH"), std::string::npos);
  }
  {
    // 220 to STARTTLS, then no handshake: bounded by the timeout.
    Relay relay(tls_relay(), "220 sink ready", nullptr);
    auto r = with_user(relay.relay());
    r.timeout = std::chrono::milliseconds(300);
    auto st = send(r, mail());
    ASSERT_FALSE(st.is_ok());
    EXPECT_TRUE(st.error().code == "Timeout" || st.error().code == "TlsFailed") << st.error().code;
  }
}

TEST(SmtpClientTest, ReadsReplyLinesAndEhloCapabilities) {
  EXPECT_EQ(smtp::classify("250-STARTTLS"), smtp::Line::kMore);
  EXPECT_EQ(smtp::classify("250 ok"), smtp::Line::kLast);
  EXPECT_EQ(smtp::classify("250"), smtp::Line::kLast);
  EXPECT_EQ(smtp::classify("25"), smtp::Line::kBad);
  EXPECT_EQ(smtp::classify("HTTP/1.1 400"), smtp::Line::kBad);
  EXPECT_EQ(smtp::classify("250 " + std::string(1000, 'x')), smtp::Line::kBad);
  auto caps = smtp::capabilities({"250-relay STARTTLS", "250-starttls", "250 AUTH CRAM-MD5 login"});
  EXPECT_TRUE(caps.starttls);
  EXPECT_FALSE(caps.plain);
  EXPECT_TRUE(caps.login);
  // The first line is the relay's name, not an extension; the old AUTH= form.
  caps = smtp::capabilities({"250 STARTTLS"});
  EXPECT_FALSE(caps.starttls);
  caps = smtp::capabilities({"250-relay", "250-AUTH=PLAIN", "250 AUTHX LOGIN"});
  EXPECT_TRUE(caps.plain);
  EXPECT_FALSE(caps.login);
}

}  // namespace
}  // namespace nimbus::http
