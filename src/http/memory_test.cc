// The edge's memory bound: a 2 GiB upload streamed to a destination that
// checks and discards it, then a 2 GiB download sent from a file, must grow
// the process's resident memory by less than 64 MB (the S3 issue's bound;
// buffering either body would cost 2 GiB). Loopback, a few seconds.
//
// The client runs in this process too (a thread with one 1 MiB buffer), so
// the figure is an upper bound on the edge's own growth.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <string>

#include "common/worker_pool.h"
#include "http/file_body.h"
#include "http/server.h"

namespace nimbus::http {
namespace {

constexpr uint64_t kSize = 2ull << 30;  // 2 GiB
constexpr size_t kPiece = 1 << 20;
constexpr long kBoundKb = 64 * 1024;

// VmRSS or VmHWM (the peak) of this process, in kB.
long status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// The client's pieces: piece i is filled with the byte i % 251, so the sum
// of all bytes checks that nothing was lost, repeated or reordered across
// pieces of different values.
uint64_t expected_sum() {
  uint64_t sum = 0;
  for (uint64_t i = 0; i < kSize / kPiece; ++i) sum += (i % 251) * kPiece;
  return sum;
}

uint64_t byte_sum(std::string_view s) {
  uint64_t sum = 0;
  for (unsigned char c : s) sum += c;
  return sum;
}

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads one response; returns its head and streams its body (per
// Content-Length) through `sum`/`count` without keeping it.
struct Received {
  std::string head;
  uint64_t count = 0;
  uint64_t sum = 0;
  std::string small_body;  // kept when the body is short
};
bool read_response(int fd, Received& out) {
  std::string buf(kPiece, '\0');
  std::string pending;
  size_t end = std::string::npos;
  while ((end = pending.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) return false;
    pending.append(buf.data(), static_cast<size_t>(n));
  }
  out.head = pending.substr(0, end);
  auto at = out.head.find("Content-Length: ");
  if (at == std::string::npos) return false;
  uint64_t length = std::stoull(out.head.substr(at + 16));
  std::string_view first = std::string_view(pending).substr(end + 4);
  out.count = first.size();
  out.sum = byte_sum(first);
  if (length <= 4096) out.small_body = first;
  while (out.count < length) {
    ssize_t n = ::recv(fd, buf.data(), std::min<uint64_t>(buf.size(), length - out.count), 0);
    if (n <= 0) return false;
    std::string_view got(buf.data(), static_cast<size_t>(n));
    out.count += got.size();
    out.sum += byte_sum(got);
    if (length <= 4096) out.small_body.append(got);
  }
  return true;
}

// Checks and discards a streamed body, then answers "<bytes> <sum>".
struct Discard : std::enable_shared_from_this<Discard> {
  std::shared_ptr<BodySource> body;
  Reply reply;
  uint64_t count = 0, sum = 0;
  void next() {
    body->read([self = shared_from_this()](BodyChunk c) {
      if (!c || c->empty()) {
        Response r;
        r.status = c ? 200 : 400;
        r.body = std::to_string(self->count) + " " + std::to_string(self->sum);
        self->body.reset();
        return self->reply(std::move(r));
      }
      self->count += c->size();
      self->sum += byte_sum(*c);
      self->next();
    });
  }
};

TEST(EdgeMemory, TwoGibUpAndDownStayUnder64MbOfGrowth) {
  std::string path = ::testing::TempDir() + "/edge_memory_" + std::to_string(::getpid());
  {
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kSize)), 0);  // sparse: no disk used
    ::close(fd);
  }
  WorkerPool workers(2);
  ServerOptions o;
  o.port = 0;
  o.threads = 1;
  o.stream_bodies_over = 1 << 20;
  Server server(o, [&](Request req, Reply reply) {
    if (req.method == "PUT") {
      auto d = std::make_shared<Discard>();
      d->body = std::move(req.stream);
      d->reply = std::move(reply);
      if (!d->body) {
        Response r;
        r.status = 500;
        return d->reply(std::move(r));
      }
      return d->next();
    }
    Response r;
    auto body = file_body(path, 0, std::nullopt, workers);  // a test: blocking open is fine here
    if (body) {
      r.stream = std::move(body).value();
    } else {
      r.status = 500;
    }
    reply(std::move(r));
  });
  auto port = server.start();
  ASSERT_TRUE(port) << port.error().message;

  int fd = connect_to(*port);
  ASSERT_GE(fd, 0);
  std::string piece(kPiece, '\0');
  const long before_kb = status_kb("VmRSS");

  std::string head =
      "PUT /object HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(kSize) + "\r\n\r\n";
  ASSERT_TRUE(send_all(fd, head.data(), head.size()));
  for (uint64_t i = 0; i < kSize / kPiece; ++i) {
    std::fill(piece.begin(), piece.end(), static_cast<char>(i % 251));
    ASSERT_TRUE(send_all(fd, piece.data(), piece.size())) << "at piece " << i;
  }
  Received up;
  ASSERT_TRUE(read_response(fd, up));
  EXPECT_NE(up.head.find(" 200 "), std::string::npos) << up.head;
  EXPECT_EQ(up.small_body, std::to_string(kSize) + " " + std::to_string(expected_sum()));
  const long after_upload_kb = status_kb("VmHWM");

  std::string get = "GET /object HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(send_all(fd, get.data(), get.size()));
  Received down;
  ASSERT_TRUE(read_response(fd, down));
  const long peak_kb = status_kb("VmHWM");
  ::close(fd);
  server.stop();
  std::remove(path.c_str());

  EXPECT_EQ(down.count, kSize);
  EXPECT_EQ(down.sum, 0u);  // the sparse file reads as zeros
  std::printf("RSS before %ld kB; peak after the upload %ld kB, after the download %ld kB\n",
              before_kb, after_upload_kb, peak_kb);
  EXPECT_LT(peak_kb - before_kb, kBoundKb);
}

}  // namespace
}  // namespace nimbus::http
