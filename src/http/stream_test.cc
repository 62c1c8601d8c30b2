// Streamed request and response bodies over real sockets: pieces, 100
// Continue on the first read, answers that refuse a body, file responses.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "common/worker_pool.h"
#include "http/file_body.h"
#include "http/piece_pool.h"
#include "http/server.h"
#include "http/test_client.h"

namespace nimbus::http {
namespace {

using namespace std::chrono_literals;
using testing::TestClient;

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

std::string put(std::string_view target, size_t length, std::string_view extra = "") {
  return "PUT " + std::string(target) +
         " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(length) + "\r\n" +
         std::string(extra) + "\r\n";
}

class StreamTest : public ::testing::Test {
 protected:
  void start(std::function<void(Request, Reply)> handler, size_t stream_over = 1024) {
    ServerOptions o;
    o.port = 0;
    o.threads = 1;
    o.stream_bodies_over = stream_over;
    server_ = std::make_unique<Server>(o, std::move(handler));
    auto port = server_->start();
    ASSERT_TRUE(port.is_ok()) << port.error().message;
    port_ = *port;
  }
  void TearDown() override {
    if (server_) server_->stop();
    for (auto& t : threads_) t.join();
  }

  // Reads the whole streamed body, then answers with its length, the
  // number of pieces and the body itself.
  static void echo_stream(Request req, Reply reply) {
    if (!req.stream) {
      Response r;
      r.set_header("X-Buffered", "yes");
      r.body = req.body;
      return reply(std::move(r));
    }
    struct State {
      std::shared_ptr<BodySource> body;
      Reply reply;
      std::string data;
      int pieces = 0;
    };
    auto st = std::make_shared<State>(State{req.stream, std::move(reply), {}, 0});
    auto step = std::make_shared<std::function<void(BodyChunk)>>();
    *step = [st, step](BodyChunk c) {
      if (!c) {
        Response r;
        r.status = 400;
        r.body = c.error().message;
        st->reply(std::move(r));
        *step = nullptr;
        return;
      }
      if (c->empty()) {
        Response r;
        r.set_header("X-Pieces", std::to_string(st->pieces));
        r.body = std::move(st->data);
        st->reply(std::move(r));
        *step = nullptr;  // breaks the cycle
        return;
      }
      ++st->pieces;
      st->data.append(*c);
      st->body->read(*step);
    };
    st->body->read(*step);
  }

  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
};

TEST_F(StreamTest, LargeBodyArrivesInPiecesAndTheConnectionIsReused) {
  start(echo_stream);
  TestClient c(port_);
  std::string body = pattern(300'000);
  ASSERT_TRUE(c.send(put("/a", body.size()) + body));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, body);
  EXPECT_GT(std::stoi(std::string(r->header("x-pieces"))), 2);
  // A pipelined request right behind a streamed body.
  ASSERT_TRUE(c.send(put("/b", 5) + "small" + put("/c", 3) + "xyz"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "small");
  EXPECT_EQ(r2->header("x-buffered"), "yes");
  auto r3 = c.read_response();
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->body, "xyz");
}

TEST_F(StreamTest, ChunkedBodyIsStreamedWithoutALength) {
  std::atomic<bool> had_size{true};
  start([&](Request req, Reply reply) {
    had_size = req.stream && req.stream->size().has_value();
    echo_stream(std::move(req), std::move(reply));
  });
  TestClient c(port_);
  ASSERT_TRUE(
      c.send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_FALSE(had_size);
}

TEST_F(StreamTest, ContinueIsSentOnlyWhenTheBodyIsFirstRead) {
  std::mutex mu;
  std::shared_ptr<BodySource> held;
  Reply held_reply;
  start([&](Request req, Reply reply) {
    std::lock_guard lock(mu);
    held = req.stream;
    held_reply = std::move(reply);
  });
  TestClient c(port_, 300ms);
  ASSERT_TRUE(c.send(put("/k", 5, "Expect: 100-continue\r\n")));
  EXPECT_FALSE(c.read_response());  // nothing yet: the body has not been asked for
  {
    std::lock_guard lock(mu);
    ASSERT_TRUE(held);
    Request again;
    again.stream = held;
    echo_stream(std::move(again), std::move(held_reply));
  }
  c.set_timeout(5s);
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("abcde"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abcde");
}

TEST_F(StreamTest, AnAnswerBeforeTheBodyIsReadGetsNoContinueAndCloses) {
  start([](Request req, Reply reply) {
    Response r;
    r.status = 403;
    r.body = "denied";
    reply(std::move(r));
  });
  TestClient c(port_);
  ASSERT_TRUE(c.send(put("/k", 100'000, "Expect: 100-continue\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);  // not 100
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer(3s));
}

TEST_F(StreamTest, ReadAllStopsAtItsLimit) {
  start([](Request req, Reply reply) {
    read_all(req.stream, 1000, [reply](Result<std::string> body) {
      Response r;
      r.status = body ? 200 : body.error().http_status;
      reply(std::move(r));
    });
  });
  TestClient c(port_);
  ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     std::string("800\r\n") + std::string(0x800, 'x') + "\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("connection"), "close");
}

TEST_F(StreamTest, ClientGoneMidBodyFailsTheRead) {
  std::promise<std::string> result;
  start([&](Request req, Reply reply) {
    read_all(req.stream, SIZE_MAX, [&result](Result<std::string> body) {
      result.set_value(body ? "ok" : body.error().code);
    });
  });
  {
    TestClient c(port_);
    ASSERT_TRUE(c.send(put("/k", 100'000) + "only a little"));
    std::this_thread::sleep_for(50ms);
  }
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), "RequestBodyUnavailable");
}

// A body of known length is read into reused buffers, each handed on
// full (kPieceBytes) even when the client writes it a little at a time.
TEST_F(StreamTest, AKnownLengthBodyComesInWholeReusedPieces) {
  std::promise<std::vector<size_t>> sizes;
  start([&](Request req, Reply reply) {
    struct Reader {
      std::shared_ptr<BodySource> body;
      Reply reply;
      std::promise<std::vector<size_t>>& out;
      std::vector<size_t> sizes;
      void next(const std::shared_ptr<Reader>& self) {
        body->read([self](BodyChunk c) {
          if (!c || c->empty()) {
            self->out.set_value(self->sizes);
            Response r;
            r.status = c ? 200 : 400;
            return self->reply(std::move(r));
          }
          self->sizes.push_back(c->size());
          recycle_piece(std::move(*c));
          self->next(self);
        });
      }
    };
    auto r = std::make_shared<Reader>(Reader{req.stream, std::move(reply), sizes, {}});
    r->next(r);
  });
  TestClient c(port_);
  const size_t total = 3 * kPieceBytes + 1000;
  ASSERT_TRUE(c.send(put("/k", total)));
  std::string body = pattern(total);
  for (size_t at = 0; at < total; at += 4096) {
    ASSERT_TRUE(c.send(std::string_view(body).substr(at, 4096)));
  }
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto got = sizes.get_future().get();
  size_t sum = 0;
  for (size_t n : got) sum += n;
  EXPECT_EQ(sum, total);
  // Whatever came with the header is handed on first; after it, every
  // piece read from the socket is a whole one but the body's last.
  ASSERT_GE(got.size(), 4u);
  EXPECT_EQ(got[got.size() - 2], kPieceBytes);
  EXPECT_EQ(got[got.size() - 3], kPieceBytes);
  EXPECT_GT(pooled_pieces(), 0u);
}

TEST(PieceBuffers, AGivenBackBufferIsHandedOutAgain) {
  std::string a = piece_buffer(kPieceBytes);
  const char* at = a.data();
  recycle_piece(std::move(a));
  std::string b = piece_buffer(1000);
  EXPECT_EQ(b.size(), 1000u);
  EXPECT_EQ(b.data(), at);
  recycle_piece(std::string(10, 'x'));  // not a piece's buffer: freed, not kept
  std::string c = piece_buffer(kPieceBytes);
  EXPECT_NE(c.data(), at);
  EXPECT_EQ(c.size(), kPieceBytes);
}

class FileResponseTest : public StreamTest {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/file_body_" + std::to_string(::getpid());
    std::ofstream(path_, std::ios::binary) << content_;
  }
  void TearDown() override {
    StreamTest::TearDown();
    std::remove(path_.c_str());
  }
  std::string content_ = pattern(1'000'000);
  std::string path_;
  WorkerPool workers_{2};
};

TEST_F(FileResponseTest, WholeFileRangeAndHead) {
  start([this](Request req, Reply reply) {
    std::optional<uint64_t> length;
    uint64_t offset = 0;
    if (req.path() == "/range") offset = 10, length = 300'000;
    auto body = file_body(path_, offset, length, workers_, 64 * 1024);
    Response r;
    if (!body) {
      r.status = body.error().http_status;
    } else {
      r.stream = std::move(body).value();
    }
    reply(std::move(r));
  });
  TestClient c(port_);
  ASSERT_TRUE(c.send(testing::get("/all")));
  auto all = c.read_response();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->body, content_);
  ASSERT_TRUE(c.send(testing::get("/range")));
  auto range = c.read_response();
  ASSERT_TRUE(range);
  EXPECT_EQ(range->body, content_.substr(10, 300'000));
  ASSERT_TRUE(c.send("HEAD /all HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = c.read_response(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->header("content-length"), std::to_string(content_.size()));
  EXPECT_EQ(head->body, "");
}

// A client that reads slowly (a tiny receive window) makes the file's
// sender wait for the socket again and again; one that goes away mid-file
// closes only its own connection (no SIGPIPE in this process).
TEST_F(FileResponseTest, SlowAndVanishingReadersOfAFile) {
  start([this](Request, Reply reply) {
    Response r;
    r.stream = file_body(path_, 0, std::nullopt, workers_).value();
    reply(std::move(r));
  });
  auto connect_small = [this] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    std::string req = testing::get("/f");
    EXPECT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    return fd;
  };
  int slow = connect_small();
  std::string got;
  char buf[1024];
  size_t want = SIZE_MAX;  // once the header is in: header + body
  while (got.size() < want) {
    ssize_t n = ::recv(slow, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    if (size_t end = got.find("\r\n\r\n"); want == SIZE_MAX && end != std::string::npos) {
      want = end + 4 + content_.size();
    }
  }
  ::close(slow);
  ASSERT_EQ(got.size(), want);
  EXPECT_EQ(got.substr(got.size() - content_.size()), content_);

  int gone = connect_small();
  ASSERT_GT(::recv(gone, buf, sizeof(buf), 0), 0);
  ::close(gone);  // unread bytes: the server's next send meets a reset
  TestClient c(port_);
  ASSERT_TRUE(c.send(testing::get("/f")));
  auto again = c.read_response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, content_);
}

TEST_F(FileResponseTest, MissingFileAndBadRange) {
  auto missing = file_body(path_ + ".none", 0, std::nullopt, workers_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().http_status, 404);
  auto past = file_body(path_, content_.size() - 5, 6, workers_);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, "InvalidRange");
}

TEST_F(FileResponseTest, ASourceThatFailsMidwayClosesTheConnection) {
  class Failing final : public BodySource {
   public:
    std::optional<uint64_t> size() const override { return 100; }
    void read(BodyCallback next) override {
      if (calls_++ == 0) return next(std::string(40, 'x'));
      next(Error::make("InternalError", "disk on fire", 500));
    }
    int calls_ = 0;
  };
  start([](Request, Reply reply) {
    Response r;
    r.stream = std::make_shared<Failing>();
    reply(std::move(r));
  });
  TestClient c(port_);
  ASSERT_TRUE(c.send(testing::get("/x")));
  EXPECT_FALSE(c.read_response());  // 40 of the promised 100 bytes, then EOF
}

// A producer that answers later, from another thread, and knows no size:
// the response goes out chunked and the connection carries the next request.
TEST_F(StreamTest, AStreamWithoutASizeIsChunked) {
  class Ticks final : public BodySource {
   public:
    explicit Ticks(std::vector<std::thread>& threads) : threads_(threads) {}
    std::optional<uint64_t> size() const override { return std::nullopt; }
    void read(BodyCallback next) override {
      int n = n_++;
      threads_.emplace_back([n, next = std::move(next)] {
        std::this_thread::sleep_for(5ms);
        next(n < 3 ? std::string(static_cast<size_t>(n + 1) * 1000, static_cast<char>('a' + n))
                   : std::string());
      });
    }
    int n_ = 0;
    std::vector<std::thread>& threads_;
  };
  start([this](Request req, Reply reply) {
    Response r;
    if (req.path() == "/ticks") {
      r.stream = std::make_shared<Ticks>(threads_);
    } else {
      r.body = "plain";
    }
    reply(std::move(r));
  });
  TestClient c(port_);
  ASSERT_TRUE(c.send(testing::get("/ticks")));
  auto ticks = c.read_response();
  ASSERT_TRUE(ticks);
  EXPECT_EQ(ticks->header("transfer-encoding"), "chunked");
  EXPECT_EQ(ticks->header("content-length"), "");
  EXPECT_EQ(ticks->body, std::string(1000, 'a') + std::string(2000, 'b') + std::string(3000, 'c'));
  ASSERT_TRUE(c.send(testing::get("/plain")));
  auto plain = c.read_response();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, "plain");

  // HTTP/1.0 has no chunks: the body ends with the connection.
  TestClient old(port_);
  ASSERT_TRUE(old.send("GET /ticks HTTP/1.0\r\nHost: t\r\n\r\n"));
  auto head = old.read_response(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->header("connection"), "close");
  EXPECT_EQ(head->header("transfer-encoding"), "");
  EXPECT_TRUE(old.closed_by_peer(5s));
}

}  // namespace
}  // namespace nimbus::http
