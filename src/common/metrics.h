// The metrics registry: counters and latency histograms with labels, read by
// /_nimbus/metrics (Prometheus text) and, later, the CloudWatch APIs.
//
// Thread-safety: lookups take a mutex (callers on hot paths keep the returned
// reference, which stays valid for the registry's lifetime); updates are
// lock-free atomics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"

namespace nimbus {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Latency histogram in seconds with fixed buckets from 50 µs to 60 s,
// closer together from 0.5 to 2.5 ms: where a request that waits for a disk
// flush ends, and where a 2 ms p99 target is read off.
class Histogram {
 public:
  static constexpr std::array<double, 19> kBounds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.0025, 0.005,
      0.01,    0.025,  0.05,    0.1,    0.25,    0.5,   1.0,    5.0,   60.0};
  void observe(double seconds);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

class Metrics {
 public:
  Counter& counter(const std::string& name, const Labels& labels = {},
                   const std::string& help = {});
  Gauge& gauge(const std::string& name, const Labels& labels = {}, const std::string& help = {});
  Histogram& histogram(const std::string& name, const Labels& labels = {},
                       const std::string& help = {});

  // Prometheus text exposition format 0.0.4.
  std::string prometheus() const;

 private:
  struct Family {
    std::string type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, const char* type, const std::string& help) REQUIRES(mu_);

  mutable Mutex mu_;
  std::map<std::string, Family> families_ GUARDED_BY(mu_);
};

}  // namespace nimbus
