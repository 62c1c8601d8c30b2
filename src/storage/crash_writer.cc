// storage_crash_writer: the writer side of tests/crash/storage_crash_test.py.
//
//   storage_crash_writer write DIR [THREADS] [sync|async]
//     N threads commit one record each, in a loop, until killed. A key is
//     printed to stdout (one write(2) per line, so lines never interleave or
//     sit in a buffer) only after its commit was acknowledged.
//   storage_crash_writer verify DIR < keys
//     Opens DIR after the crash and checks every key read from stdin is there
//     with its value. Exit status 0 when all are, 1 otherwise.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "storage/crash_harness.h"

namespace {

using nimbus::storage::Storage;
using nimbus::storage::WriteBatch;

constexpr const char* kNamespace = "crash";

std::string value_for(const std::string& key) {
  return "value-of-" + key + std::string(64, '.');
}

void write_keys(Storage& st, int t) {
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
    nimbus::storage::crash::print_ack(key + "\n");
  }
}

int verify_keys(Storage& st) {
  auto records = st.records(kNamespace);
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
  return nimbus::storage::crash::main(argc, argv, {write_keys, verify_keys});
}
