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
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/scheduler.h"
#include "storage/crash_harness.h"
#include "storage/log.h"

namespace {

using namespace nimbus::storage;

constexpr const char* kNamespace = "crash.log";
constexpr int kPartitions = 4;

nimbus::SystemClock clock_;
nimbus::Scheduler scheduler_(clock_);

std::unique_ptr<Log> open_log(Storage& storage) {
  auto opened = Log::open(storage, kNamespace, clock_, scheduler_);
  if (!opened) {
    std::fprintf(stderr, "log open: %s\n", opened.error().message.c_str());
    std::_Exit(2);
  }
  return std::move(*opened);
}

void append_batches(Storage& storage, int t) {
  // One log for every writer thread; never freed: the writers run until killed.
  static Log& log = *open_log(storage).release();
  std::mt19937 rng(static_cast<unsigned>(getpid() * 31 + t));
  for (long n = 0;; ++n) {
    std::string partition = "shard-" + std::to_string(rng() % kPartitions);
    // The pid keeps tags of successive crash rounds apart.
    std::string tag = std::to_string(getpid()) + "-" + std::to_string(t) + "-" + std::to_string(n);
    std::vector<std::string> records(1 + rng() % 20);
    for (size_t i = 0; i < records.size(); ++i) records[i] = tag + "-" + std::to_string(i);
    auto r = log.append_sync(partition, records);
    if (!r) {
      std::fprintf(stderr, "append: %s\n", r.error().message.c_str());
      std::_Exit(3);
    }
    crash::print_ack(partition + " " + std::to_string(r->first_seq) + " " +
                     std::to_string(r->count) + " " + tag + "\n");
  }
}

int verify_batches(Storage& storage) {
  auto opened = open_log(storage);
  Log& log = *opened;
  long bad = 0, records = 0;
  std::map<std::string, std::map<uint64_t, std::string>> stored;
  for (const auto& p : log.partitions()) {
    uint64_t from = 0, last = 0;
    for (;;) {
      auto page = log.read(p, from, ReadLimits{10000, 64 << 20});
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
  return crash::main(argc, argv, {append_batches, verify_batches});
}
