// storage_bench: commits per second and fsyncs per second of Storage in sync
// (or async) mode with N concurrent writers, each doing commit_sync of one
// small record in a loop. Figures go to docs/storage.md.
//
//   storage_bench DIR [THREADS] [SECONDS] [sync|async]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "storage/storage.h"

int main(int argc, char** argv) {
  using namespace nimbus::storage;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [THREADS] [SECONDS] [sync|async]\n", argv[0]);
    return 64;
  }
  int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  double seconds = argc > 3 ? std::atof(argv[3]) : 3.0;
  bool async = argc > 4 && std::string(argv[4]) == "async";
  auto t0 = std::chrono::steady_clock::now();
  auto opened = Storage::open(Options{argv[1], async ? Durability::kAsync : Durability::kSync});
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 2;
  }
  Storage& st = **opened;
  std::printf(
      "open_ms=%.1f\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  std::atomic<bool> stop{false};
  std::atomic<long> failures{0};
  std::vector<std::thread> workers;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::string value(100, 'v');
      for (long i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        WriteBatch b;
        b.put("bench", std::to_string(t) + "/" + std::to_string(i), value);
        if (!st.commit_sync(std::move(b))) ++failures;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Stats s = st.stats();
  std::printf(
      "%s writers=%d seconds=%.2f commits/s=%.0f groups/s=%.0f fsyncs/s=%.0f "
      "commits/group=%.1f failures=%ld\n",
      async ? "async" : "sync", threads, elapsed, s.commits / elapsed, s.groups / elapsed,
      s.syncs / elapsed, s.groups ? double(s.commits) / double(s.groups) : 0.0, failures.load());
  return failures == 0 ? 0 : 1;
}
