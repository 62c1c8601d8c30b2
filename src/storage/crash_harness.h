// What the kill -9 writers (crash_writer.cc, log_crash_writer.cc) share: the
// command line tests/crash/crash_test.py drives them with, opening the store,
// and acknowledgement lines written whole.
//
//   WRITER write DIR [THREADS] [sync|async]
//     THREADS threads (default 8) write until killed and print one line per
//     acknowledged write.
//   WRITER verify DIR < acknowledged-lines
//     Reopens DIR and checks every acknowledged write; exit 0 when all hold.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/storage.h"

namespace nimbus::storage::crash {

// One write(2) per line, so lines of several threads never interleave or sit
// in a buffer when the process is killed. Exits the process on failure.
inline void print_ack(const std::string& line) {
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDOUT_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) std::_Exit(4);
    off += static_cast<size_t>(n);
  }
}

struct Writer {
  // Run by each of THREADS threads (t = 0..THREADS-1) until the process is killed.
  std::function<void(Storage&, int t)> write;
  // Reads the acknowledged lines from stdin; returns the exit status.
  std::function<int(Storage&)> verify;
};

inline int main(int argc, char** argv, const Writer& w) {
  std::string mode = argc > 2 ? argv[1] : "";
  if (mode != "write" && mode != "verify") {
    std::fprintf(stderr,
                 "usage: %s write DIR [THREADS] [sync|async]\n"
                 "       %s verify DIR < acknowledged-lines\n",
                 argv[0], argv[0]);
    return 64;
  }
  bool async = mode == "write" && argc > 4 && std::string(argv[4]) == "async";
  auto opened = Storage::open(Options{argv[2], async ? Durability::kAsync : Durability::kSync});
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 2;
  }
  Storage& storage = **opened;
  if (mode == "verify") return w.verify(storage);
  int threads = argc > 3 ? std::atoi(argv[3]) : 8;
  std::vector<std::thread> workers;
  for (int t = 0; t < (threads > 0 ? threads : 8); ++t) {
    workers.emplace_back([&w, &storage, t] { w.write(storage, t); });
  }
  for (auto& t : workers) t.join();  // never returns: killed by the test
  return 0;
}

}  // namespace nimbus::storage::crash
