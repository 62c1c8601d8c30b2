// What a lazily parsed model costs when its service is first used: resident
// memory with every embedded model parsed (and each one's share), and parse
// time (the fastest of 8 fresh parses, so scheduling noise on a shared
// machine drops out). Start-up parses none (src/protocol/README.md, Models).
//
// Usage: build/bench/model_parse_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/engine.h"
#include "protocol/model.h"

namespace {

using nimbus::protocol::ModelRegistry;

double rss_mb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

double parse_ms(const std::string& name) {
  ModelRegistry fresh({name});
  auto t0 = std::chrono::steady_clock::now();
  (void)fresh.by_name(name);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
  std::printf("models: botocore %s from %s\n",
              std::string(ModelRegistry::botocore_version()).c_str(),
              std::string(ModelRegistry::models_from()).c_str());
  ModelRegistry models;
  std::printf("RSS before any model is parsed: %.1f MB\n", rss_mb());
  const auto names = ModelRegistry::embedded_services();
  std::vector<double> grown;
  std::vector<std::size_t> operations;
  // Memory first: the timing runs below free what they parse, and later
  // parses would reuse that memory.
  for (const auto& name : names) {
    double before = rss_mb();
    const auto* model = models.by_name(name);
    grown.push_back(rss_mb() - before);
    operations.push_back(model == nullptr ? 0 : model->operations().size());
  }
  double all_rss = rss_mb();
  double total_ms = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    double best = parse_ms(names[i]);
    for (int run = 0; run < 7; ++run) best = std::min(best, parse_ms(names[i]));
    total_ms += best;
    std::printf("%-16s %4zu operations  parse %5.2f ms  RSS +%.1f MB\n", names[i].c_str(),
                operations[i], best, grown[i]);
  }
  std::printf("all %zu parsed: RSS %.1f MB; parse times add up to %.1f ms\n", names.size(), all_rss,
              total_ms);
  return 0;
}
