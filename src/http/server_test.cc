// The edge over real sockets on an ephemeral port, with a small test
// handler (the real router lives in src/server/).
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "http/test_client.h"

namespace nimbus::http {
namespace {

using namespace std::chrono_literals;
using testing::get;
using testing::TestClient;

// Counters are updated on the loops just after the client sees the bytes.
// Real time: the loops and sockets are real (the server takes no Clock).
bool eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 500; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return cond();
}

// Replies on helper threads, joined at the end of each test.
class Helpers {
 public:
  ~Helpers() { join(); }
  void spawn(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    threads_.emplace_back(std::move(fn));
  }
  void join() {
    std::vector<std::thread> ts;
    {
      std::lock_guard lock(mu_);
      ts.swap(threads_);
    }
    for (auto& t : ts) t.join();
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions o = {}) {
    o.port = 0;
    if (o.threads == 0) o.threads = 2;
    server_ = std::make_unique<Server>(
        o, [this](Request req, Reply reply) { handle(std::move(req), std::move(reply)); });
    auto port = server_->start();
    ASSERT_TRUE(port.is_ok()) << port.error().message;
    port_ = *port;
  }
  void TearDown() override {
    if (server_) server_->stop();
    helpers_.join();
    server_.reset();
  }

  void handle(Request req, Reply reply) {
    Response r;
    std::string_view path = req.path();
    if (path == "/slow") {
      int ms = std::atoi(std::string(req.query().substr(3)).c_str());  // "ms=N"
      helpers_.spawn([reply = std::move(reply), ms] {
        // Real time: a late reply to a real socket, racing its real timeouts.
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        Response r;
        r.body = "slow";
        reply(std::move(r));
      });
      return;
    }
    if (path == "/throw") throw std::runtime_error("boom");
    r.set_header("X-Method", req.method);
    r.set_header("X-Target", req.target);
    r.set_header("X-Test", std::string(req.header("x-test")));
    r.set_header("X-Mixed-Seen", req.has_header("x-mixed-case") ? "yes" : "no");
    r.body = path == "/hello" ? "hello" : req.body;
    reply(std::move(r));
  }

  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  Helpers helpers_;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  TestClient c(port_);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.send(get("/hello?i=" + std::to_string(i), "X-Test: v\r\nX-Mixed-CASE: 1\r\n")));
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
    EXPECT_EQ(r->header("server"), "nimbus");
    EXPECT_EQ(r->header("content-length"), "5");
    EXPECT_EQ(r->header("date").size(), 29u);
    EXPECT_EQ(r->header("x-target"), "/hello?i=" + std::to_string(i));
    EXPECT_EQ(r->header("x-test"), "v");
    EXPECT_EQ(r->header("x-mixed-seen"), "yes");  // names arrive lower-cased
    EXPECT_EQ(r->header("connection"), "");
  }
  auto st = server_->stats();
  EXPECT_EQ(st.requests, 5u);
  EXPECT_EQ(st.connections_total, 1u);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  TestClient c(port_);
  ASSERT_TRUE(c.send(get("/slow?ms=50") + get("/hello") + get("/a")));
  auto r1 = c.read_response(), r2 = c.read_response(), r3 = c.read_response();
  ASSERT_TRUE(r1 && r2 && r3);
  EXPECT_EQ(r1->body, "slow");
  EXPECT_EQ(r2->body, "hello");
  EXPECT_EQ(r3->header("x-target"), "/a");
}

TEST_F(ServerTest, Http10ClosesAfterTheResponse) {
  start();
  TestClient c(port_);
  ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer(2s));
}

TEST_F(ServerTest, Http10KeepAliveIsHonoured) {
  start();
  TestClient c(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "keep-alive");
  }
}

TEST_F(ServerTest, ChunkedBodyIsDechunked) {
  start();
  TestClient c(port_);
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  // And the connection is still usable.
  ASSERT_TRUE(c.send(get("/hello")));
  ASSERT_TRUE(c.read_response());
}

TEST_F(ServerTest, ExpectContinueGetsInterim100BeforeTheBody) {
  start();
  TestClient c(port_);
  ASSERT_TRUE(
      c.send("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("abcde"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abcde");
}

TEST_F(ServerTest, ExpectContinueOverTheLimitIs413WithoutReadingTheBody) {
  ServerOptions o;
  o.max_body_bytes = 100;
  start(o);
  TestClient c(port_);
  ASSERT_TRUE(c.send(
      "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);  // no interim 100 first
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer(3s));
}

TEST_F(ServerTest, OversizeHeaderIs431) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  start(o);
  TestClient c(port_);
  ASSERT_TRUE(c.send(get("/", "X-Big: " + std::string(2000, 'a') + "\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(server_->stats().bad_requests, 1u);
}

TEST_F(ServerTest, OversizeBodyIs413ForLengthAndChunked) {
  ServerOptions o;
  o.max_body_bytes = 10;
  start(o);
  {
    TestClient c(port_);
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n01234567890"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    TestClient c(port_);
    ASSERT_TRUE(
        c.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               "6\r\n012345\r\n6\r\n012345\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    TestClient c(port_);  // exactly at the limit is fine
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "0123456789");
  }
}

TEST_F(ServerTest, GarbageIs400AndOtherConnectionsAreUnaffected) {
  static constexpr char kTlsHello[] =
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n";
  start();
  TestClient good(port_);
  ASSERT_TRUE(good.send(get("/hello")));
  ASSERT_TRUE(good.read_response());

  TestClient bad(port_);
  ASSERT_TRUE(bad.send(std::string_view(kTlsHello, sizeof(kTlsHello) - 1)));
  auto r = bad.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(bad.closed_by_peer(3s));

  ASSERT_TRUE(good.send(get("/hello")));
  ASSERT_TRUE(good.read_response());
  TestClient fresh(port_);
  ASSERT_TRUE(fresh.send(get("/hello")));
  auto f = fresh.read_response();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->status, 200);
}

TEST_F(ServerTest, UnsupportedVersionIs505) {
  start();
  TestClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/2.0\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 505);
}

TEST_F(ServerTest, IdleTimeoutClosesTheConnection) {
  ServerOptions o;
  o.idle_timeout = 100ms;
  start(o);
  TestClient c(port_);
  ASSERT_TRUE(c.send(get("/hello")));
  ASSERT_TRUE(c.read_response());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 90ms);
  EXPECT_TRUE(eventually([&] { return server_->stats().connections_open == 0; }));
}

TEST_F(ServerTest, RequestTimeoutClosesAHalfSentRequest) {
  ServerOptions o;
  o.request_timeout = 150ms;
  start(o);
  TestClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n"));  // never finished
  EXPECT_TRUE(c.closed_by_peer(3s));
}

TEST_F(ServerTest, ReplyFromAnotherThreadAfterADelay) {
  start();
  TestClient c(port_);
  ASSERT_TRUE(c.send(get("/slow?ms=100")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "slow");
  // Counted until the write completes, just after the client has the bytes.
  EXPECT_TRUE(eventually([&] { return server_->in_flight() == 0; }));
}

TEST_F(ServerTest, ReplyAfterTheConnectionDiedIsDropped) {
  start();
  {
    TestClient c(port_);
    ASSERT_TRUE(c.send(get("/slow?ms=100")));
  }  // closed before the reply; the server notices only when it writes
  helpers_.join();
  EXPECT_TRUE(eventually([&] { return server_->in_flight() == 0; }));
  TestClient c(port_);
  ASSERT_TRUE(c.send(get("/hello")));
  ASSERT_TRUE(c.read_response());
}

TEST_F(ServerTest, ReplyAfterTheServerIsGoneIsSafe) {
  std::mutex mu;
  Reply kept;
  auto have = [&] {
    std::lock_guard lock(mu);
    return static_cast<bool>(kept);
  };
  {
    ServerOptions o;
    o.port = 0;
    o.threads = 1;
    Server s(o, [&](Request, Reply reply) {
      std::lock_guard lock(mu);
      kept = std::move(reply);
    });
    auto port = s.start();
    ASSERT_TRUE(port.is_ok());
    TestClient c(*port);
    ASSERT_TRUE(c.send(get("/")));
    // Real time: waits for the real loop to read the request off the socket.
    for (int i = 0; i < 200 && !have(); ++i) std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(have());
  }
  kept(Response{});  // the loop is stopped and the connection gone: dropped
}

TEST_F(ServerTest, HandlerThatThrowsAnswers500) {
  start();
  TestClient c(port_);
  ASSERT_TRUE(c.send(get("/throw")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  start();
  TestClient c(port_);
  ASSERT_TRUE(c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("content-length"), "5");
  // No body bytes may precede the next response.
  ASSERT_TRUE(c.send(get("/hello")));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "hello");
}

TEST_F(ServerTest, ManyConcurrentConnections) {
  start();
  constexpr int kClients = 64, kRequests = 20;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      TestClient c(port_);
      for (int j = 0; j < kRequests; ++j) {
        std::string body = std::to_string(i) + "-" + std::to_string(j);
        if (!c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body)) {
          return;
        }
        auto r = c.read_response();
        if (r && r->body == body) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(server_->stats().connections_total, static_cast<uint64_t>(kClients));
}

TEST_F(ServerTest, DrainWaitsForAnInFlightReplyThenReturnsTrue) {
  start();
  TestClient idle(port_);
  ASSERT_TRUE(idle.send(get("/hello")));
  ASSERT_TRUE(idle.read_response());
  ASSERT_TRUE(eventually([&] { return server_->in_flight() == 0; }));
  TestClient busy(port_);
  ASSERT_TRUE(busy.send(get("/slow?ms=300")));
  ASSERT_TRUE(eventually([&] { return server_->in_flight() == 1; }));

  server_->stop_accepting();
  TestClient refused(port_);
  EXPECT_FALSE(refused.connected());

  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(server_->drain(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 200ms);
  EXPECT_TRUE(idle.closed_by_peer(1s));  // idle keep-alive connection closed
  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "slow");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(server_->in_flight(), 0u);  // drain saw it reach zero
}

TEST_F(ServerTest, DrainTimesOutWhenAReplyNeverComes) {
  start();
  TestClient busy(port_);
  ASSERT_TRUE(busy.send(get("/slow?ms=1000")));
  ASSERT_TRUE(eventually([&] { return server_->in_flight() == 1; }));
  server_->stop_accepting();
  EXPECT_FALSE(server_->drain(100ms));
  server_->stop();  // the late reply then finds nothing to answer
}

TEST_F(ServerTest, PortInUseIsAClearError) {
  start();
  ServerOptions o;
  o.port = port_;
  Server second(o, [](Request, Reply reply) { reply(Response{}); });
  auto r = second.start();
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().code, "AddressInUse");
  EXPECT_NE(r.error().message.find(std::to_string(port_)), std::string::npos);
}

}  // namespace
}  // namespace nimbus::http
