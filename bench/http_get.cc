// s3_bench.py's one-copy GET client: one HTTP/1.1 GET over a plain socket,
// the body read into one reused 1 MiB buffer and dropped, as `cat FILE >
// /dev/null` reads a file: one copy into user space per byte, nothing else.
// curl spends about as much CPU again per byte in user space (its write
// callbacks into 16 KiB buffers), so on a 2-core machine it bounds a
// loopback GET on its own; this client shows what the server delivers.
//
// Usage: http_get URL   (http://host:port/path?query)
// Prints "STATUS BYTES MB/s"; exits 0 when the status is 200 and the body
// has its Content-Length.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: http_get http://host:port/path\n");
    return 2;
  }
  std::string url = argv[1];
  if (url.rfind("http://", 0) != 0) return 2;
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  std::string host = authority.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* ai = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &ai) != 0) return 3;
  int fd = socket(ai->ai_family, SOCK_STREAM, 0);
  auto start = std::chrono::steady_clock::now();
  if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) return 4;
  freeaddrinfo(ai);
  std::string req =
      "GET " + target + " HTTP/1.1\r\nHost: " + authority + "\r\nConnection: close\r\n\r\n";
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return 5;
    sent += static_cast<size_t>(n);
  }
  std::vector<char> buf(1 << 20);
  std::string head;
  size_t body = 0;
  for (;;) {
    ssize_t n = recv(fd, buf.data(), 16384, 0);
    if (n <= 0) return 6;
    head.append(buf.data(), static_cast<size_t>(n));
    size_t end = head.find("\r\n\r\n");
    if (end != std::string::npos) {
      body = head.size() - end - 4;
      head.resize(end + 2);
      break;
    }
  }
  int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  long long length = -1;
  for (size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
    static const char kName[] = "content-length:";
    size_t i = 0;
    while (kName[i] && at + 2 + i < head.size() &&
           std::tolower(static_cast<unsigned char>(head[at + 2 + i])) == kName[i]) {
      ++i;
    }
    if (!kName[i]) length = std::atoll(head.c_str() + at + 2 + i);
  }
  while (length < 0 || static_cast<long long>(body) < length) {
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    body += static_cast<size_t>(n);
  }
  close(fd);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d %zu %.1f\n", status, body, static_cast<double>(body) / took / 1e6);
  return status == 200 && static_cast<long long>(body) == length ? 0 : 1;
}
