// Limits and failures: timeout, memory, crashes, runaway output, escaping
// children, and what the sandbox forbids.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <regex>
#include <thread>

#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

TEST(Limits, TimeoutKillsTheEnvironment) {
  auto f = echo_spec();
  f->timeout = std::chrono::milliseconds(300);
  auto env = Environment::create(host(), f);
  ASSERT_EQ(invoke(*env, R"("warm")").status, InvokeStatus::kOk);
  InvokeResult r = invoke(*env, R"("sleep:5000")");
  ASSERT_EQ(r.status, InvokeStatus::kTimeout) << r.payload;
  // Never under the timeout; a little over it on a loaded machine.
  EXPECT_TRUE(
      std::regex_search(r.payload, std::regex(R"(Task timed out after 0\.[3-7][0-9] seconds)")))
      << r.payload;
  EXPECT_NE(r.log_tail.find("Task timed out after"), std::string::npos) << r.log_tail;
  EXPECT_TRUE(wait_quiet());
  EXPECT_TRUE(env->dead());
  EXPECT_EQ(invoke(*env, "1").status, InvokeStatus::kInternal);  // the pool makes a new one
}

TEST(Limits, EachInvocationGetsItsOwnTimeout) {
  auto f = echo_spec();
  f->timeout = std::chrono::milliseconds(1000);
  auto env = Environment::create(host(), f);
  ASSERT_EQ(invoke(*env, R"("warm")").status, InvokeStatus::kOk);
  // 0.5 s + 0.7 s is past the first invocation's deadline, not this one's.
  // Real time: the deadline kills a real process, so it is a real timer.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  InvokeResult fits = invoke(*env, R"("sleep:700")");
  ASSERT_EQ(fits.status, InvokeStatus::kOk) << fits.payload;
  EXPECT_GE(fits.duration, std::chrono::milliseconds(700));
  InvokeResult late = invoke(*env, R"("sleep:5000")");
  ASSERT_EQ(late.status, InvokeStatus::kTimeout) << late.payload;
  EXPECT_GE(late.duration, std::chrono::milliseconds(1000));
  EXPECT_NE(late.payload.find("Task timed out after 1."), std::string::npos) << late.payload;
  EXPECT_TRUE(wait_quiet());
}

TEST(Limits, MemoryLimitIsOutOfMemory) {
  if (!host().isolation().cgroup_version) GTEST_SKIP() << "no memory cgroup here";
  auto f = echo_spec();
  f->memory_mb = 128;
  auto env = Environment::create(host(), f);
  InvokeResult r = invoke(*env, R"("alloc:400")");
  ASSERT_EQ(r.status, InvokeStatus::kOutOfMemory) << r.payload << r.log_tail;
  EXPECT_EQ(r.error_type, "Runtime.OutOfMemory");
  EXPECT_NE(r.payload.find("Runtime exited with error: signal: killed"), std::string::npos);
  EXPECT_GE(r.max_memory_used_mb, 120u);
  EXPECT_TRUE(wait_quiet());
}

TEST(Limits, CrashDuringInvokeIsExitError) {
  auto env = Environment::create(host(), echo_spec());
  InvokeResult r = invoke(*env, R"("crash")");
  ASSERT_EQ(r.status, InvokeStatus::kExitError) << r.payload;
  EXPECT_EQ(r.error_type, "Runtime.ExitError");
  EXPECT_NE(r.payload.find("signal: aborted"), std::string::npos) << r.payload;
  EXPECT_TRUE(wait_quiet());
}

TEST(Limits, CrashDuringInitIsInitError) {
  auto code = make_code({{"app.py", "import sys\nprint('dying')\nsys.exit(3)\n"}});
  auto env = Environment::create(host(), spec("python3.12", "app.handler", code));
  InvokeResult r = invoke(*env, "{}");
  ASSERT_EQ(r.status, InvokeStatus::kInitError) << r.payload;
  // The module's sys.exit during import surfaces as the runtime's own exit.
  EXPECT_TRUE(r.error_type == "Runtime.ExitError" || r.error_type == "Runtime.Unknown")
      << r.error_type << " " << r.payload;
  EXPECT_TRUE(wait_quiet());
}

TEST(Limits, ShellCrashBeforeNextIsExitError) {
  auto code = make_code({{"bootstrap+x", "#!/bin/sh\necho boom >&2\nexit 2\n"}});
  auto env = Environment::create(host(), spec("provided.al2023", "x", code));
  InvokeResult r = invoke(*env, "{}");
  ASSERT_EQ(r.status, InvokeStatus::kInitError);
  EXPECT_EQ(r.error_type, "Runtime.ExitError");
  EXPECT_NE(r.payload.find("exit status 2"), std::string::npos) << r.payload;
  EXPECT_NE(r.log_tail.find("boom"), std::string::npos) << r.log_tail;
}

TEST(Limits, BootstrapThatNeverCallsNextTimesOut) {
  auto code = make_code({{"bootstrap+x", "#!/bin/sh\nexec sleep 600\n"}});
  auto env = Environment::create(host(), spec("provided.al2023", "x", code));
  auto start = std::chrono::steady_clock::now();
  InvokeResult r = invoke(*env, "{}");
  EXPECT_EQ(r.status, InvokeStatus::kTimeout) << r.payload;
  EXPECT_EQ(r.error_type, "Sandbox.Timedout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(6));
  EXPECT_TRUE(wait_quiet());
}

TEST(Limits, ChildrenThatOutliveTheRuntimeAreKilled) {
  auto code = make_code({{"bootstrap+x", R"(#!/bin/sh
(sleep 600 &) ; setsid sleep 600 & nohup sleep 600 > /dev/null 2>&1 &
exit 1
)"}});
  auto env = Environment::create(host(), spec("provided.al2023", "x", code));
  EXPECT_EQ(invoke(*env, "{}").status, InvokeStatus::kInitError);
  EXPECT_TRUE(wait_quiet());
  EXPECT_EQ(child_processes(), 0);
}

TEST(Limits, RunawayOutputStaysBounded) {
  // ~200 MB of output, including one enormous line.
  auto code = make_code({{"app.py", R"(
import sys
def handler(e, c):
    chunk = "x" * (1 << 20)
    for i in range(100):
        sys.stdout.write(chunk + "\n")
    sys.stdout.write("y" * (100 << 20) + "\n")
    sys.stdout.flush()
    return "done"
)"}});
  auto f = spec("python3.12", "app.handler", code);
  // Bounded output, not speed: room for a loaded machine (200 MB through
  // the log pipe took 20-22 s at load 27 on 2 cores).
  f->timeout = std::chrono::milliseconds(60000);
  f->memory_mb = 1024;
  auto env = Environment::create(host(), f);
  sink().clear();
  InvokeResult r = invoke(*env, "{}");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload;
  EXPECT_LE(r.log_tail.size(), 4096u);
  EXPECT_NE(r.log_tail.find("REPORT RequestId"), std::string::npos);
  for (const auto& line : sink().lines()) EXPECT_LE(line.size(), LogCapture::kMaxLine);
  env->kill();
  EXPECT_TRUE(wait_quiet());
}

TEST(Sandbox, CodeIsReadOnlyTmpIsPrivateMountIsDenied) {
  if (!host().isolation().mount_ns) GTEST_SKIP() << "no mount namespace here";
  auto code = make_code({{"app.py", R"(
import os, ctypes
def handler(e, c):
    out = {}
    try:
        open("/var/task/new.txt", "w"); out["task"] = "writable"
    except OSError as x:
        out["task"] = x.strerror
    open("/tmp/scratch", "w").write("ok"); out["tmp"] = open("/tmp/scratch").read()
    libc = ctypes.CDLL(None, use_errno=True)
    rc = libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)
    out["mount"] = os.strerror(ctypes.get_errno()) if rc else "allowed"
    out["pid"] = os.getpid()
    out["tmpfs"] = os.statvfs("/tmp").f_blocks * os.statvfs("/tmp").f_frsize
    return out
)"}});
  auto f = spec("python3.12", "app.handler", code);
  f->ephemeral_mb = 600;
  auto env = Environment::create(host(), f);
  InvokeResult r = invoke(*env, "{}");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_NE(r.payload.find(R"("task": "Read-only file system")"), std::string::npos) << r.payload;
  EXPECT_NE(r.payload.find(R"("tmp": "ok")"), std::string::npos);
  EXPECT_NE(r.payload.find(R"("mount": "Operation not permitted")"), std::string::npos);
  if (host().isolation().pid_ns) {
    EXPECT_NE(r.payload.find(R"("pid": 2)"), std::string::npos);  // PID 1 is our init
  }
  EXPECT_NE(r.payload.find(R"("tmpfs": 629145600)"), std::string::npos) << r.payload;
  env->kill();
  EXPECT_TRUE(wait_quiet());
}

// PID 1 is nimbus-init, exec'd: no server command line, environment or
// descriptors through /proc/1; the function runs as a uid of its own.
TEST(Sandbox, Pid1IsNimbusInitAndTheFunctionIsUnprivileged) {
  if (!host().isolation().pid_ns) GTEST_SKIP() << "no PID namespace here";
  auto code = make_code({{"app.py", R"(
import os
def handler(e, c):
    def attempt(path):
        try:
            return open(path, "rb").read().decode("latin-1").replace("\0", " ").strip()
        except OSError as x:
            return x.strerror
    return {"cmdline": attempt("/proc/1/cmdline"), "environ": attempt("/proc/1/environ"),
            "shadow": attempt("/etc/shadow"), "uid": os.getuid(), "gid": os.getgid()}
)"}});
  auto env = Environment::create(host(), spec("python3.12", "app.handler", code));
  InvokeResult r = invoke(*env, "{}");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  auto doc = boost::json::parse(r.payload).as_object();
  std::string cmdline(doc["cmdline"].as_string());
  EXPECT_EQ(cmdline.rfind("/var/runtime/nimbus-init /", 0), 0u) << cmdline;
  EXPECT_EQ(cmdline.find("runtime_test"), std::string::npos) << cmdline;
  if (host().isolation().switch_user) {
    EXPECT_EQ(doc["environ"].as_string(), "Permission denied");
    EXPECT_EQ(doc["shadow"].as_string(), "Permission denied");
    EXPECT_GE(doc["uid"].as_int64(), int64_t{kSandboxUidBase});
    EXPECT_EQ(doc["gid"].as_int64(), doc["uid"].as_int64());
  }
  env->kill();
  EXPECT_TRUE(wait_quiet());
}

TEST(LogCapture, ABusyStreamIsHandedOverOncePerBatchInterval) {
  struct Writes final : LogSink {
    void write(const std::string&, const std::string&, std::vector<LogLine> lines) override {
      std::vector<std::string> texts;
      for (auto& l : lines) texts.push_back(l.text);
      calls.push_back(std::move(texts));
    }
    std::vector<std::vector<std::string>> calls;
  } writes;
  boost::asio::io_context loop;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  {
    LogCapture logs(loop, fds[0], &writes, test_clock(), "g", "s", std::chrono::hours(1));
    logs.platform("START 1");
    logs.flush();  // the first write after a quiet interval goes at once
    ASSERT_EQ(writes.calls.size(), 1u);
    logs.platform("END 1");
    logs.flush();
    logs.platform("START 2");
    logs.flush();
    EXPECT_EQ(writes.calls.size(), 1u);  // within the interval: held for one write
    logs.close();                        // at once, in order
    ASSERT_EQ(writes.calls.size(), 2u);
    EXPECT_EQ(writes.calls[1], (std::vector<std::string>{"END 1", "START 2"}));
  }
  ::close(fds[1]);
  loop.poll();  // the cancelled timer finds the capture gone
  EXPECT_EQ(writes.calls.size(), 2u);
}

}  // namespace
}  // namespace nimbus::runtime::testing
