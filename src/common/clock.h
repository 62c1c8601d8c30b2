// Time comes from a Clock so that schedules, visibility timeouts, retries and
// SigV4 skew checks can be tested without waiting. Thread-safe: any thread
// may call now(); ManualClock is advanced by tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace nimbus {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;

  int64_t now_millis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
  double now_seconds() const {
    return std::chrono::duration<double>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start) : ns_(start.time_since_epoch().count()) {}
  time_point now() const override { return time_point(time_point::duration(ns_.load())); }
  void advance(std::chrono::nanoseconds d) {
    ns_ += std::chrono::duration_cast<time_point::duration>(d).count();
  }
  void set(time_point t) { ns_ = t.time_since_epoch().count(); }

 private:
  std::atomic<time_point::duration::rep> ns_;
};

}  // namespace nimbus
