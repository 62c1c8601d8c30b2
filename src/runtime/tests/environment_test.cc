// Environments running the native sample and shell-script bootstraps.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "common/thread_role.h"
#include "runtime/spawn.h"
#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

TEST(Environment, NativeEchoColdThenWarm) {
  auto env = Environment::create(host(), echo_spec());
  InvokeResult r = invoke(*env, R"({"hello":"world"})");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload;
  EXPECT_EQ(r.payload, R"({"hello":"world"})");
  EXPECT_TRUE(r.cold_start);
  EXPECT_GT(r.init_duration.count(), 0);
  EXPECT_NE(r.log_tail.find("START RequestId: "), std::string::npos) << r.log_tail;
  EXPECT_NE(r.log_tail.find("REPORT RequestId: "), std::string::npos);
  EXPECT_NE(r.log_tail.find("Init Duration: "), std::string::npos);
  InvokeResult warm = invoke(*env, R"("again")");
  ASSERT_EQ(warm.status, InvokeStatus::kOk);
  EXPECT_EQ(warm.payload, R"("again")");
  EXPECT_FALSE(warm.cold_start);
  EXPECT_EQ(warm.log_tail.find("Init Duration"), std::string::npos);
  env->kill();
  EXPECT_TRUE(wait_quiet());
}

TEST(Host, TheLoopAndTheSpawnPoolSayWhatTheyAre) {
  std::promise<ThreadRole> loop, spawner;
  boost::asio::post(host().loop(), [&] { loop.set_value(thread_role()); });
  host().workers().post([&] { spawner.set_value(thread_role()); });
  EXPECT_EQ(loop.get_future().get(), ThreadRole::kRuntimeLoop);
  EXPECT_EQ(spawner.get_future().get(), ThreadRole::kRuntimeSpawn);
}

#ifndef NDEBUG
TEST(HostDeathTest, SpawningOnTheRuntimeLoopAborts) {
  EXPECT_DEATH(
      {
        set_thread_role(ThreadRole::kRuntimeLoop);
        (void)spawn(SpawnPlan{}, Isolation{}, CgroupJoin{});
      },
      "runtime::spawn called on the runtime loop thread");
}
#endif

// A bootstrap still open for writing somewhere (here: by the test, as a
// child another thread forked while the code was unpacked would hold it)
// cannot be executed (ETXTBSY); the sandbox waits for the writer to close it.
TEST(Environment, ABootstrapBusyForAMomentStillStarts) {
  std::string dir = make_code({});
  std::string bootstrap = dir + "/bootstrap";
  std::filesystem::copy_file(echo_function_path(), bootstrap);
  int writer = ::open(bootstrap.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  std::thread closer([writer] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::close(writer);
  });
  InvokeResult r = invoke_once(spec("provided.al2023", "unused", dir), R"("busy")");
  closer.join();
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload;
  EXPECT_EQ(r.payload, R"("busy")");
  EXPECT_TRUE(wait_quiet());
}

TEST(Environment, LogLinesAreStampedWithTheHostClock) {
  auto env = Environment::create(host(), echo_spec());
  auto at = std::chrono::system_clock::time_point(std::chrono::seconds(2000000000));
  test_clock().set(at);
  sink().clear();
  InvokeResult r = invoke(*env, R"("x")");
  test_clock().set(std::chrono::system_clock::now());
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload;
  auto entries = sink().entries();
  ASSERT_FALSE(entries.empty());
  for (const auto& e : entries) EXPECT_EQ(e.time, at) << e.text;
  env->kill();
  EXPECT_TRUE(wait_quiet());
}

TEST(Environment, LogLinesKeepTheirOrderAndArriveBeforeTheResult) {
  // A runtime that writes one line while handling each event.
  auto code = make_code({{"bootstrap+x", R"(#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HEADERS=$(mktemp)
while true; do
  BODY=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '\r' | cut -d' ' -f2)
  echo "handling $BODY"
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" -d "$BODY"
done
)"}});
  auto env = Environment::create(host(), spec("provided.al2023", "x", code));
  sink().clear();
  for (const char* payload : {R"("one")", R"("two")"}) {
    InvokeResult r = invoke(*env, payload);
    ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
    // Everything of this invocation is in the sink when its result arrives.
    auto lines = sink().lines();
    ASSERT_GE(lines.size(), 4u) << sink().joined();
    size_t n = lines.size();
    EXPECT_EQ(lines[n - 4].rfind("START RequestId: ", 0), 0u) << sink().joined();
    EXPECT_EQ(lines[n - 3], std::string("handling ") + payload) << sink().joined();
    EXPECT_EQ(lines[n - 2].rfind("END RequestId: ", 0), 0u) << sink().joined();
    EXPECT_EQ(lines[n - 1].rfind("REPORT RequestId: ", 0), 0u) << sink().joined();
    EXPECT_NE(lines[n - 1].find("Max Memory Used: "), std::string::npos);
  }
  env->kill();
  EXPECT_TRUE(wait_quiet());
}

// nimbus's bootstraps send an invocation's result and their next /next in
// one write. The Runtime API holds the result's 202 and sends it with the
// next invocation, so such a runtime reads once per invocation; a runtime
// that waits for the 202 before asking again gets it at once (every other
// test here).
TEST(Environment, APipelinedResultIsAnsweredWithTheNextInvocation) {
  auto code = make_code({{"bootstrap+x", R"(#!/usr/bin/python3
import json, os, socket
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
def req(method, path, body=b""):
    return (b"%s /2018-06-01/runtime/invocation/%s HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: %d\r\n\r\n" % (method, path, len(body)) + body)
buf = b""
def answers(n):  # reads n answers: [(status, headers, body)], recv calls
    global buf
    out, reads = [], 0
    while len(out) < n:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            lines = buf[:end].decode().split("\r\n")
            h = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
            size = int(h.get("content-length", "0"))
            if len(buf) >= end + 4 + size:
                out.append((int(lines[0].split()[1]), h, buf[end + 4:end + 4 + size]))
                buf = buf[end + 4 + size:]
                continue
        chunk = s.recv(65536)
        assert chunk
        buf += chunk
        reads += 1
    return out, reads
s.sendall(req(b"GET", b"next"))
[(_, h, body)], _ = answers(1)
seen = {"first": body.decode()}
while True:
    rid = h["lambda-runtime-aws-request-id"].encode()
    s.sendall(req(b"POST", rid + b"/response", json.dumps(seen).encode()) + req(b"GET", b"next"))
    got, reads = answers(2)
    (_, h, body) = got[1]
    seen = {"statuses": [a[0] for a in got], "posted": got[0][2].decode(), "reads": reads,
            "event": body.decode()}
)"}});
  auto env = Environment::create(host(), spec("provided.al2023", "x", code));
  InvokeResult first = invoke(*env, R"("one")");
  ASSERT_EQ(first.status, InvokeStatus::kOk) << first.payload << first.log_tail;
  EXPECT_EQ(first.payload, R"({"first": "\"one\""})");
  // Each later invocation: the previous result's 202, then the event, in
  // one read.
  for (std::string word : {"two", "three"}) {
    InvokeResult r = invoke(*env, "\"" + word + "\"");
    ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
    EXPECT_EQ(r.payload, R"({"statuses": [202, 200], "posted": "{\"status\":\"OK\"}", )"
                         R"("reads": 1, "event": "\")" +
                             word + R"(\""})");
  }
  env->kill();
  EXPECT_TRUE(wait_quiet());
}

}  // namespace
}  // namespace nimbus::runtime::testing
