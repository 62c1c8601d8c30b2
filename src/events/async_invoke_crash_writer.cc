// async_invoke_crash_writer: the async-invoke queue under tests/crash/crash_test.py.
//
//   async_invoke_crash_writer write DIR [THREADS] [sync|async]
//     THREADS threads queue invocations of four functions, in a loop, until
//     killed, and print an invocation's id once enqueue() reported it durable
//     (the 202 of Invoke). The functions answer after 0-9 ms; one event in
//     three fails its first attempt (retried from a durable timer), one in
//     five is throttled first (backoff), one in seven always fails (on-failure
//     destination after two retries). Both destinations append the id to
//     DIR/delivered, one line per delivery.
//   async_invoke_crash_writer verify DIR < ids
//     Starts the queue again on DIR and waits (at most 60 s) until every id
//     read from stdin was delivered, in this run or an earlier one: AWS's
//     promise for an accepted asynchronous invocation (at least once).
//     Exit status 0 when all were, 1 otherwise.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/scheduler.h"
#include "common/worker_pool.h"
#include "events/async_invoke.h"
#include "storage/storage.h"

namespace {

using namespace nimbus;
using namespace nimbus::events;

const std::string kOk = "arn:aws:sqs:us-east-1:000000000000:ok";
const std::string kFail = "arn:aws:sqs:us-east-1:000000000000:fail";

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// The destinations: every delivery appends its request id to DIR/delivered
// (O_APPEND: one write(2) per line, which a kill -9 cannot split).
struct File final : Target {
  int fd;
  explicit File(const std::string& path)
      : fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
  ~File() override { ::close(fd); }
  Status check(const std::string&) const override { return Status::ok(); }
  void deliver(const std::string&, Delivery d, DeliverDone done) override {
    if (!write_all(fd, d.id + "\n")) std::_Exit(5);
    done(Outcome::ok(d.id));
  }
};

// The functions: what an attempt does depends on the id and the attempt.
struct Scripted final : Functions {
  Scheduler& scheduler;
  std::mutex mu;
  std::map<std::string, int> attempts;  // guarded by mu

  explicit Scripted(Scheduler& s) : scheduler(s) {}

  std::optional<ResolvedFunction> resolve(const std::string& name, const std::string&) override {
    ResolvedFunction fn;
    fn.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + name;
    fn.executed_version = "$LATEST";
    fn.policy.retry_delays_ms = {50};
    fn.policy.backoff_initial_ms = 20;
    fn.policy.backoff_max_ms = 200;
    fn.policy.on_success = kOk;
    fn.policy.on_failure = kFail;
    fn.run = [this](std::string id, std::string, std::function<void(RunOutcome)> done) {
      size_t h = std::hash<std::string>{}(id);
      int n;
      {
        std::lock_guard lock(mu);
        n = attempts[id]++;
      }
      RunOutcome o{RunOutcome::Kind::kOk, "{}"};
      if (h % 7 == 0 || (h % 3 == 0 && n == 0)) o.kind = RunOutcome::Kind::kFunctionError;
      if (h % 5 == 0 && n == 0) o.kind = RunOutcome::Kind::kThrottled;
      scheduler.after(std::chrono::milliseconds(h % 10), [done, o] { done(o); });
    };
    return fn;
  }
};

struct Queue {
  SystemClock clock;
  WorkerPool workers{2};
  Scheduler scheduler{clock};
  Metrics metrics;
  Targets targets;
  File file;
  std::unique_ptr<Binding> bound;
  Scripted functions{scheduler};
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<AsyncInvoke> queue;

  explicit Queue(const std::string& dir) : file(dir + "/delivered") {}
  ~Queue() {
    queue.reset();
    bound.reset();
    if (storage) (void)storage->close();
  }
  int open(const std::string& dir, storage::Durability durability) {
    auto opened = storage::Storage::open(storage::Options{dir, durability});
    if (!opened) {
      std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
      return 2;
    }
    storage = std::move(*opened);
    bound = targets.bind("sqs", file);
    AsyncInvoke::Options o;
    o.recover_delay_ms = 0;
    o.delivery_backoff_initial_ms = 20;
    queue = std::make_unique<AsyncInvoke>(
        AsyncInvoke::Deps{*storage, workers, scheduler, clock, metrics, targets, functions}, o);
    if (auto st = queue->start(); !st) {
      std::fprintf(stderr, "start: %s\n", st.error().message.c_str());
      return 2;
    }
    return 0;
  }
};

int run_writer(const std::string& dir, int threads, storage::Durability durability) {
  Queue q(dir);
  if (int rc = q.open(dir, durability)) return rc;
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&q, t] {
      for (long n = 0;; ++n) {
        // The pid keeps ids of successive crash rounds apart.
        std::string id =
            std::to_string(getpid()) + "-" + std::to_string(t) + "-" + std::to_string(n);
        std::promise<Status> accepted;
        q.queue->enqueue("fn-" + std::to_string(n % 4), "", R"({"n":1})", id,
                         [&accepted](Status st) { accepted.set_value(std::move(st)); });
        auto st = accepted.get_future().get();
        if (!st) {
          std::fprintf(stderr, "enqueue: %s\n", st.error().message.c_str());
          std::_Exit(3);
        }
        if (!write_all(STDOUT_FILENO, id + "\n")) std::_Exit(4);
      }
    });
  }
  for (auto& w : writers) w.join();  // never returns: killed by the test
  return 0;
}

std::set<std::string> delivered(const std::string& dir, size_t* lines) {
  std::set<std::string> out;
  std::ifstream in(dir + "/delivered");
  std::string line;
  *lines = 0;
  while (std::getline(in, line)) {
    ++*lines;
    out.insert(line);
  }
  return out;
}

int run_verify(const std::string& dir) {
  std::vector<std::string> ids;
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty()) ids.push_back(line);
  }
  Queue q(dir);
  if (int rc = q.open(dir, storage::Durability::kSync)) return rc;
  std::vector<std::string> missing;
  size_t lines = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto got = delivered(dir, &lines);
    missing.clear();
    for (const auto& id : ids) {
      if (!got.contains(id)) missing.push_back(id);
    }
    if (missing.empty() || std::chrono::steady_clock::now() > deadline) break;
    // Real time: the queue's retries and deliveries run on a system clock.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!missing.empty()) {
    std::printf("%zu of %zu accepted invocations never delivered, e.g. %s\n", missing.size(),
                ids.size(), missing.front().c_str());
    return 1;
  }
  std::printf("%zu accepted invocations all delivered (%zu deliveries so far)\n", ids.size(),
              lines);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s write DIR [THREADS] [sync|async] | verify DIR\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1], dir = argv[2];
  if (mode == "write") {
    int threads = argc > 3 ? std::atoi(argv[3]) : 4;
    auto durability = argc > 4 && std::string(argv[4]) == "async" ? storage::Durability::kAsync
                                                                  : storage::Durability::kSync;
    return run_writer(dir, threads, durability);
  }
  if (mode == "verify") return run_verify(dir);
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
