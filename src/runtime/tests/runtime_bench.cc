// Cold start per runtime against the bare interpreter, and warm invoke
// latency of the native sample, through the Environment API (no HTTP edge).
// Usage: runtime_bench [warm-iterations]
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <vector>

#include "runtime/tests/test_env.h"

using namespace nimbus::runtime;
using namespace nimbus::runtime::testing;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The bare interpreter, with an environment like the sandbox's (this
// machine's NODE_EXTRA_CA_CERTS alone adds ~50 ms to every node start).
double bare(std::vector<const char*> argv, int runs) {
  argv.push_back(nullptr);
  const char* env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=en_US.UTF-8", "TZ=:UTC", nullptr};
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    pid_t pid;
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, const_cast<char**>(argv.data()),
                    const_cast<char**>(env)) != 0)
      return -1;
    int st;
    waitpid(pid, &st, 0);
    t.push_back(ms_since(start));
  }
  return median(t);
}

void cold(const char* label, std::shared_ptr<FunctionSpec> f, double bare_ms, int runs) {
  std::vector<double> total, init;
  for (int i = 0; i < runs; ++i) {
    auto env = Environment::create(host(), f);
    auto start = Clock::now();
    InvokeResult r = invoke(*env, "{}");
    total.push_back(ms_since(start));
    init.push_back(r.init_duration.count() / 1000.0);
    if (r.status != InvokeStatus::kOk) std::printf("  %s failed: %s\n", label, r.payload.c_str());
    env->kill();
    wait_quiet();
  }
  std::printf(
      "cold %-16s first response %7.2f ms  init %7.2f ms  bare interpreter %7.2f ms  "
      "nimbus share %6.2f ms\n",
      label, median(total), median(init), bare_ms, median(total) - bare_ms);
}

}  // namespace

int main(int argc, char** argv) {
  int warm_n = argc > 1 ? std::atoi(argv[1]) : 5000;
  std::printf("isolation: %s\n", host().describe_isolation().c_str());
  auto py = make_code({{"app.py", "def handler(e, c):\n    return e\n"}});
  auto js = make_code({{"index.mjs", "export const handler = async (e) => e;\n"}});
  double bare_py = bare({"/usr/bin/python3", "-c", "pass"}, 10);
  std::string empty_js = make_code({{"empty.js", ""}}) + "/empty.js";
  double bare_node = bare({"/usr/bin/node", empty_js.c_str()}, 10);
  double bare_native = bare({echo_function_path().c_str(), "--version"}, 10);
  cold("python3.12", spec("python3.12", "app.handler", py), bare_py, 10);
  cold("nodejs20.x", spec("nodejs20.x", "index.handler", js), bare_node, 10);
  cold("provided (C++)", echo_spec(), bare_native, 10);

  auto env = Environment::create(host(), echo_spec());
  (void)invoke(*env, "0");
  std::vector<double> lat;
  lat.reserve(static_cast<size_t>(warm_n));
  auto all = Clock::now();
  for (int i = 0; i < warm_n; ++i) {
    auto start = Clock::now();
    InvokeResult r = invoke(*env, R"({"ping":1})");
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (r.status != InvokeStatus::kOk) return 1;
  }
  double secs = std::chrono::duration<double>(Clock::now() - all).count();
  std::sort(lat.begin(), lat.end());
  std::printf(
      "warm provided (C++) invoke, sequential, %d runs: p50 %.1f us  p99 %.1f us  "
      "%.0f invokes/s\n",
      warm_n, lat[lat.size() / 2], lat[lat.size() * 99 / 100], warm_n / secs);
  env->kill();
  wait_quiet();
  return 0;
}
