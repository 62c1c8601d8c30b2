// The outbound client against the project's own http::Server on an
// ephemeral port: requests and responses as sent, and every way a request
// fails (refused, timeout, oversized body, bad URL, the client going away).
#include "http/client.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "http/server.h"

namespace nimbus::http {
namespace {

class ClientTest : public ::testing::Test {
 protected:
  void serve(Handler h) {
    ServerOptions o;
    o.port = 0;
    o.threads = 1;
    server_ = std::make_unique<Server>(o, std::move(h));
    auto port = server_->start();
    ASSERT_TRUE(port.is_ok());
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  static Result<ClientResponse> fetch(Client& c, ClientRequest r) {
    std::promise<Result<ClientResponse>> p;
    c.fetch(std::move(r), [&p](Result<ClientResponse> out) { p.set_value(std::move(out)); });
    return p.get_future().get();
  }

  std::unique_ptr<Server> server_;
  std::string base_;
};

TEST_F(ClientTest, PostsHeadersAndBodyAndReadsTheResponse) {
  std::mutex mu;
  Request seen;
  serve([&](Request r, Reply reply) {
    {
      std::lock_guard lock(mu);
      seen = r;
    }
    Response out;
    out.status = 201;
    out.set_header("X-Echo", std::string(r.header("x-amz-sns-message-type")));
    out.body = "got " + r.body;
    reply(std::move(out));
  });
  Client c;
  ClientRequest r;
  r.url = base_ + "/hook?a=1";
  r.headers = {{"x-amz-sns-message-type", "Notification"}, {"Content-Type", "text/plain"}};
  r.body = "hello";
  auto out = fetch(c, r);
  ASSERT_TRUE(out.is_ok()) << out.error().message;
  EXPECT_EQ(out->status, 201);
  EXPECT_EQ(out->reason, "Created");
  EXPECT_EQ(out->body, "got hello");
  EXPECT_EQ(out->header("x-echo"), "Notification");
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/hook?a=1");
  EXPECT_EQ(seen.header("content-type"), "text/plain");
  EXPECT_EQ(seen.header("host"), base_.substr(7));
}

TEST_F(ClientTest, ErrorStatusesAreResponses) {
  serve([](Request, Reply reply) {
    Response out;
    out.status = 503;
    reply(std::move(out));
  });
  Client c;
  ClientRequest r;
  r.method = "GET";
  r.url = base_ + "/";
  auto out = fetch(c, r);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->status, 503);
}

TEST_F(ClientTest, ConnectionRefused) {
  serve([](Request, Reply reply) { reply(Response{}); });
  std::string url = base_ + "/";
  server_->stop();
  server_.reset();
  Client c;
  auto out = fetch(c, ClientRequest{"POST", url, {}, "x"});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "ConnectFailed");
}

TEST_F(ClientTest, ASlowEndpointTimesOut) {
  std::mutex mu;
  std::vector<Reply> held;  // never answered until the end
  serve([&](Request, Reply reply) {
    std::lock_guard lock(mu);
    held.push_back(std::move(reply));
  });
  Client c;
  ClientRequest r{"POST", base_ + "/", {}, "x"};
  r.timeout = std::chrono::milliseconds(200);
  auto out = fetch(c, r);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "Timeout");
}

TEST_F(ClientTest, AResponseOverTheLimitFails) {
  serve([](Request, Reply reply) {
    Response out;
    out.body = std::string(5000, 'x');
    reply(std::move(out));
  });
  ClientOptions o;
  o.max_body_bytes = 4096;
  Client c(o);
  auto out = fetch(c, ClientRequest{"GET", base_ + "/", {}, ""});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "ResponseTooLarge");
}

TEST_F(ClientTest, BadUrlsAndUnknownHosts) {
  Client c;
  for (const char* url : {"ftp://x/", "http://", "http://a@b/", "http://h:99999/", "h/x"}) {
    auto out = fetch(c, ClientRequest{"GET", url, {}, ""});
    ASSERT_FALSE(out.is_ok()) << url;
    EXPECT_EQ(out.error().code, "InvalidUrl") << url;
  }
  auto out = fetch(c, ClientRequest{"GET", "http://no-such-host.invalid/", {}, ""});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "ResolveFailed");
}

TEST_F(ClientTest, HttpsToAPlainServerFailsTheHandshake) {
  serve([](Request, Reply reply) { reply(Response{}); });
  ClientOptions o;
  o.accept_self_signed = true;
  Client c(o);
  auto out = fetch(c, ClientRequest{"GET", "https" + base_.substr(4) + "/", {}, ""});
  ASSERT_FALSE(out.is_ok());
  EXPECT_TRUE(out.error().code == "TlsFailed" || out.error().code == "Timeout") << out.error().code;
}

TEST_F(ClientTest, DestroyingTheClientFailsWhatIsInFlight) {
  std::mutex mu;
  std::vector<Reply> held;
  serve([&](Request, Reply reply) {
    std::lock_guard lock(mu);
    held.push_back(std::move(reply));
  });
  std::promise<Result<ClientResponse>> p;
  {
    Client c;
    c.fetch(ClientRequest{"POST", base_ + "/", {}, "x"},
            [&p](Result<ClientResponse> out) { p.set_value(std::move(out)); });
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu);
        if (!held.empty()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  auto out = p.get_future().get();
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "ClientStopped");
}

TEST(UrlTest, Parses) {
  auto u = Url::parse("HTTPS://example.com?x=1");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/?x=1");
  u = Url::parse("http://[::1]:8080/a/b#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/a/b");
}

TEST(HostPortTest, SplitsHostAndPort) {
  auto a = HostPort::parse("example.com:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "example.com");
  EXPECT_EQ(a->port, "8080");
  EXPECT_TRUE(a->colon);
  a = HostPort::parse("example.com");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->port, "");
  EXPECT_FALSE(a->colon);
  a = HostPort::parse("example.com:");  // a colon with no digits: the caller decides
  ASSERT_TRUE(a);
  EXPECT_EQ(a->port, "");
  EXPECT_TRUE(a->colon);
  a = HostPort::parse("[::1]");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_FALSE(a->colon);
}

TEST(HostPortTest, RefusesMalformedAuthorities) {
  for (const char* bad :
       {"", ":80", "[::1", "[::1]x", "[]:80", "h:0", "h:65536", "h:8o", "h:123456", "h:-1"}) {
    EXPECT_FALSE(HostPort::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace nimbus::http
