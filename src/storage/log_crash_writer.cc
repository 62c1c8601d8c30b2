// log_crash_writer: the writer side of tests/crash/log_crash_test.py.
//
//   log_crash_writer write DIR [THREADS] [sync|async]
//     THREADS threads append batches of 1-20 records to 4 partitions, in a
//     loop, until killed. After an append is acknowledged it prints one line
//     "PARTITION FIRST_SEQ COUNT TAG" (one write(2) per line); record i of the
//     batch holds "TAG-i".
//   log_crash_writer verify DIR < lines
//     Reopens DIR and checks every acknowledged record is at its sequence
//     with its payload, and every partition's sequences strictly increase.
//     Exit status 0 when all hold, 1 otherwise.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/scheduler.h"
#include "storage/log.h"

namespace {

using namespace nimbus::storage;

constexpr const char* kNamespace = "crash.log";
constexpr int kPartitions = 4;

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

int run_writer(const std::string& dir, int threads, Durability durability) {
  auto opened = Storage::open(Options{dir, durability});
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 2;
  }
  nimbus::SystemClock clock;
  nimbus::Scheduler scheduler(clock);
  auto log = Log::open(**opened, kNamespace, clock, scheduler);
  if (!log) {
    std::fprintf(stderr, "log open: %s\n", log.error().message.c_str());
    return 2;
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&log, t] {
      std::mt19937 rng(static_cast<unsigned>(getpid() * 31 + t));
      for (long n = 0;; ++n) {
        std::string partition = "shard-" + std::to_string(rng() % kPartitions);
        // The pid keeps tags of successive crash rounds apart.
        std::string tag =
            std::to_string(getpid()) + "-" + std::to_string(t) + "-" + std::to_string(n);
        std::vector<std::string> records(1 + rng() % 20);
        for (size_t i = 0; i < records.size(); ++i) records[i] = tag + "-" + std::to_string(i);
        auto r = (*log)->append_sync(partition, records);
        if (!r) {
          std::fprintf(stderr, "append: %s\n", r.error().message.c_str());
          std::_Exit(3);
        }
        std::string line = partition + " " + std::to_string(r->first_seq) + " " +
                           std::to_string(r->count) + " " + tag + "\n";
        if (!write_all(STDOUT_FILENO, line)) std::_Exit(4);
      }
    });
  }
  for (auto& w : workers) w.join();  // never returns: killed by the test
  return 0;
}

int run_verify(const std::string& dir) {
  auto opened = Storage::open(Options{dir, Durability::kSync});
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 2;
  }
  nimbus::SystemClock clock;
  nimbus::Scheduler scheduler(clock);
  auto log = Log::open(**opened, kNamespace, clock, scheduler);
  if (!log) {
    std::fprintf(stderr, "log open: %s\n", log.error().message.c_str());
    return 2;
  }
  long bad = 0, records = 0;
  std::map<std::string, std::map<uint64_t, std::string>> stored;
  for (const auto& p : (*log)->partitions()) {
    uint64_t from = 0, last = 0;
    for (;;) {
      auto page = (*log)->read(p, from, ReadLimits{10000, 64 << 20});
      if (!page) {
        std::fprintf(stderr, "read %s: %s\n", p.c_str(), page.error().message.c_str());
        return 2;
      }
      if (page->empty()) break;
      for (auto& r : *page) {
        if (r.seq <= last && ++bad <= 10)
          std::fprintf(stderr, "%s: seq %lu after %lu\n", p.c_str(), r.seq, last);
        last = r.seq;
        stored[p][r.seq] = std::move(r.data);
        ++records;
      }
      from = last + 1;
    }
  }
  long checked = 0;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string partition, tag;
    uint64_t first = 0, count = 0;
    if (!(in >> partition >> first >> count >> tag)) continue;
    for (uint64_t i = 0; i < count; ++i) {
      ++checked;
      auto& part = stored[partition];
      auto it = part.find(first + i);
      std::string want = tag + "-" + std::to_string(i);
      if ((it == part.end() || it->second != want) && ++bad <= 10) {
        std::fprintf(stderr, "missing or wrong: %s seq %lu (want %s)\n", partition.c_str(),
                     first + i, want.c_str());
      }
    }
  }
  std::printf("checked %ld acknowledged records, %ld bad; %ld records in %zu partitions\n", checked,
              bad, records, stored.size());
  return bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 2 ? argv[1] : "";
  if (mode == "write") {
    int threads = argc > 3 ? std::atoi(argv[3]) : 8;
    bool async = argc > 4 && std::string(argv[4]) == "async";
    return run_writer(argv[2], threads > 0 ? threads : 8,
                      async ? Durability::kAsync : Durability::kSync);
  }
  if (mode == "verify") return run_verify(argv[2]);
  std::fprintf(stderr,
               "usage: %s write DIR [THREADS] [sync|async]\n"
               "       %s verify DIR < acknowledged-lines\n",
               argv[0], argv[0]);
  return 64;
}
