// A function's network: the host's by default; with a private network
// (`nimbus serve --lambda-network none`) only loopback, where its Runtime API
// and nimbus's endpoint answer and nothing else does.
#include <gtest/gtest.h>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

// A TCP listener on every host address answering each connection with
// `body` over HTTP/1.0, from a thread of its own.
class HostListener {
 public:
  explicit HostListener(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      std::abort();
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) != 1) continue;
        int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) answer(c, body_);
      }
    });
  }
  ~HostListener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

  // Reads the request head, answers, closes.
  static void answer(int c, const std::string& body) {
    std::string got;
    char buf[1024];
    pollfd p{c, POLLIN, 0};
    while (got.find("\r\n\r\n") == std::string::npos && ::poll(&p, 1, 2000) == 1) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    std::string out = "HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + body;
    ssize_t n = ::write(c, out.data(), out.size());
    (void)n;
    ::close(c);
  }

 private:
  std::string body_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The first IPv4 address of an interface that is up and not loopback; ""
// when the machine has none.
std::string outside_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string found;
  for (ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
        !(i->ifa_flags & IFF_UP))
      continue;
    char text[INET_ADDRSTRLEN];
    auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

// Reports the network devices it sees and whether each host address was
// reachable (curl's exit code: 0 answered, 7 no connection), probed once at
// start-up, and for each event what nimbus's endpoint answered.
constexpr const char* kProbe = R"(#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HEADERS=$(mktemp)
DEVS=$(sed -n '3,$s/:.*//p' /proc/net/dev | tr -d ' \n')
curl -sS -m 5 -o /dev/null "http://127.0.0.1:$HOST_PORT/" 2>/dev/null; LO=$?
OUT=none
if [ -n "$HOST_ADDR" ]; then
  curl -sS -m 5 -o /dev/null "http://$HOST_ADDR:$HOST_PORT/" 2>/dev/null; OUT=$?
fi
while true; do
  curl -sS -D "$HEADERS" -o /dev/null "$API/invocation/next"
  ID=$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\([^\r]*\).*/\1/p' "$HEADERS")
  EP=$(curl -sS -m 5 "$AWS_ENDPOINT_URL/probe" 2>/dev/null)
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" \
    -d "devs=[$DEVS] endpoint=[$EP] url=[$AWS_ENDPOINT_URL] api=[$AWS_LAMBDA_RUNTIME_API] host_lo=$LO host_out=$OUT"
done
)";

std::shared_ptr<FunctionSpec> probe_spec(uint16_t host_port, const std::string& addr) {
  auto f = spec("provided.al2023", "x", make_code({{"bootstrap+x", kProbe}}));
  f->environment["HOST_PORT"] = std::to_string(host_port);
  f->environment["HOST_ADDR"] = addr;
  f->endpoint_url = "http://127.0.0.1:" + std::to_string(host_port);
  return f;
}

TEST(Network, ByDefaultAFunctionReachesWhatTheServerReaches) {
  HostListener outside("outside");
  std::string addr = outside_address();
  InvokeResult r = invoke_once(probe_spec(outside.port(), addr), "{}");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_NE(r.payload.find("host_lo=0"), std::string::npos) << r.payload;
  if (!addr.empty()) EXPECT_NE(r.payload.find("host_out=0"), std::string::npos) << r.payload;
  // The endpoint is the spec's, on the host: here the same listener.
  EXPECT_NE(r.payload.find("endpoint=[outside]"), std::string::npos) << r.payload;
  EXPECT_TRUE(wait_quiet());
}

// A Host whose functions have no network but nimbus; nullptr (and the
// reason) when this machine cannot give one.
std::unique_ptr<Host> private_network_host(uint16_t endpoint_port, unsigned spares,
                                           std::function<void(int)> serve, std::string* why) {
  HostOptions o;
  o.state_dir = scratch_dir() + "/netns-state-" + std::to_string(spares);
  o.init_timeout = std::chrono::milliseconds(3000);
  o.log_sink = &sink();
  o.clock = &test_clock();
  o.isolation.private_network = true;
  o.isolation.endpoint_port = endpoint_port;
  o.serve_endpoint = std::move(serve);
  o.spare_sandboxes = spares;
  auto h = Host::create(o);
  if (!h) {
    *why = h.error().message;
    return nullptr;
  }
  return std::move(h).value();
}

TEST(Network, APrivateNetworkReachesOnlyNimbus) {
  HostListener outside("outside");
  std::string addr = outside_address();
  constexpr uint16_t kEndpointPort = 4566;
  // Each connection the function makes to its endpoint, as the server's
  // edge would get it.
  std::mutex mu;
  std::vector<std::thread> answers;
  auto serve = [&](int fd) {
    std::lock_guard l(mu);
    answers.emplace_back([fd] { HostListener::answer(fd, "nimbus"); });
  };
  // Without spares the sandbox is cloned on demand; with them, ahead of
  // need: both hand their listeners over.
  for (unsigned spares : {0u, 2u}) {
    SCOPED_TRACE("spares " + std::to_string(spares));
    std::string why;
    auto h = private_network_host(kEndpointPort, spares, serve, &why);
    if (!h) GTEST_SKIP() << "no private network on this machine: " << why;
    EXPECT_NE(h->describe_isolation().find("network: none but nimbus"), std::string::npos)
        << h->describe_isolation();
    auto env = Environment::create(*h, probe_spec(outside.port(), addr));
    for (int i = 0; i < 2; ++i) {  // cold, then warm
      InvokeResult r = invoke(*env, "{}");
      ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
      EXPECT_NE(r.payload.find("devs=[lo]"), std::string::npos) << r.payload;
      EXPECT_NE(r.payload.find("endpoint=[nimbus]"), std::string::npos) << r.payload;
      EXPECT_NE(r.payload.find("url=[http://127.0.0.1:4566]"), std::string::npos) << r.payload;
      EXPECT_NE(r.payload.find("api=[127.0.0.1:9001]"), std::string::npos) << r.payload;
      // Connection refused (the host's loopback is not this one) and no
      // route to the host's address.
      EXPECT_NE(r.payload.find("host_lo=7"), std::string::npos) << r.payload;
      if (!addr.empty()) EXPECT_NE(r.payload.find("host_out=7"), std::string::npos) << r.payload;
    }
    env->kill();
    for (int i = 0; i < 300 && h->live_environments().load() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(h->live_environments().load(), 0);
    env.reset();  // its timers are the host's loop's: before the host
    h.reset();
  }
  std::lock_guard l(mu);
  for (auto& t : answers) t.join();
  EXPECT_EQ(answers.size(), 4u);
}

}  // namespace
}  // namespace nimbus::runtime::testing
