// storage_crash_writer: the writer side of tests/crash/storage_crash_test.py.
//
//   storage_crash_writer write DIR [THREADS] [sync|async]
//     N threads commit one record each, in a loop, until killed. A key is
//     printed to stdout (one write(2) per line, so lines never interleave or
//     sit in a buffer) only after its commit was acknowledged.
//   storage_crash_writer verify DIR < keys
//     Opens DIR after the crash and checks every key read from stdin is there
//     with its value. Exit status 0 when all are, 1 otherwise.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "storage/storage.h"

namespace {

using nimbus::storage::Durability;
using nimbus::storage::Options;
using nimbus::storage::Storage;
using nimbus::storage::WriteBatch;

constexpr const char* kNamespace = "crash";

std::string value_for(const std::string& key) {
  return "value-of-" + key + std::string(64, '.');
}

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
  Storage& st = **opened;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&st, t] {
      // The pid keeps keys of successive crash rounds apart.
      std::string base = "p" + std::to_string(getpid()) + "-t" + std::to_string(t) + "-";
      for (long seq = 0;; ++seq) {
        std::string key = base + std::to_string(seq);
        WriteBatch b;
        b.put(kNamespace, key, value_for(key));
        nimbus::Status s = st.commit_sync(std::move(b));
        if (!s) {
          std::fprintf(stderr, "commit %s: %s\n", key.c_str(), s.error().message.c_str());
          std::_Exit(3);
        }
        if (!write_all(STDOUT_FILENO, key + "\n")) std::_Exit(4);
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
  auto records = (*opened)->records(kNamespace);
  long checked = 0, missing = 0;
  std::string key;
  while (std::getline(std::cin, key)) {
    if (key.empty()) continue;
    ++checked;
    auto got = records.get(key);
    if (!got || !got->has_value() || **got != value_for(key)) {
      if (++missing <= 10) std::fprintf(stderr, "missing or wrong: %s\n", key.c_str());
    }
  }
  auto all = records.scan("", SIZE_MAX);
  std::printf("checked %ld acknowledged keys, %ld missing; %zu keys in store\n", checked, missing,
              all ? all->size() : size_t{0});
  return missing == 0 ? 0 : 1;
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
               "       %s verify DIR < acknowledged-keys\n",
               argv[0], argv[0]);
  return 64;
}
