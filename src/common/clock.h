// Time comes from a Clock so that schedules, visibility timeouts, retries,
// retention and SigV4 skew checks can be tested without waiting.
//
// A clock has two faces:
// - now(): wall time, for timestamps, ages and retention;
// - monotonic(): time for deadlines. It never goes back, and a change of the
//   wall clock (NTP step, an operator setting the date) does not move it, so
//   a timer neither fires early nor stalls when the wall clock jumps.
//
// SystemClock is the machine's (system_clock / steady_clock). SimulatedClock
// moves only when told: advance(d) moves both faces and runs every timer of
// the Schedulers built on it that falls due, in deadline order, before it
// returns (see scheduler.h). Thread-safe: any thread may call now().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/mutex.h"

namespace nimbus {

// What a SimulatedClock drives: the timers of a Scheduler built on it.
class TimerQueue {
 public:
  // The monotonic deadline of the earliest pending timer.
  virtual std::optional<std::chrono::nanoseconds> next_deadline() const = 0;
  // Runs every timer due at the clock's monotonic() (including the ones those
  // timers schedule that are due too) and returns after they ran.
  virtual void run_due() = 0;

 protected:
  ~TimerQueue() = default;
};

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  // Monotonic time since an arbitrary origin, for deadlines.
  virtual std::chrono::nanoseconds monotonic() const {
    return std::chrono::steady_clock::now().time_since_epoch();
  }
  // The monotonic() time at which now() will read `wall`, were the wall
  // clock not set meanwhile: how a deadline given in wall time becomes a
  // timer's. One reading of the clock, so a clock moving between two
  // readings (now() then monotonic()) cannot push the deadline later.
  virtual std::chrono::nanoseconds monotonic_at(time_point wall) const {
    return monotonic() + std::chrono::duration_cast<std::chrono::nanoseconds>(wall - now());
  }

  // A Scheduler registers its timers. True when this clock drives them
  // (SimulatedClock); false when the Scheduler waits on real time itself.
  virtual bool attach(TimerQueue*) const { return false; }
  virtual void detach(TimerQueue*) const {}

  int64_t now_millis() const { return to_millis(now()); }
  // Milliseconds since the epoch, the form stored records and the wire keep
  // times in, to and from a time_point.
  static int64_t to_millis(time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }
  static time_point from_millis(int64_t ms) { return time_point(std::chrono::milliseconds(ms)); }
  double now_seconds() const {
    return std::chrono::duration<double>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

// Time that moves only when a test says so.
//
// advance(d) steps from deadline to deadline: at each step the clock reads the
// deadline (so a callback sees the time it was due at), the due timers run on
// their Scheduler's thread, and the next step starts once they finished. It
// returns after every timer due by now + d has run, including timers those
// callbacks scheduled that are due by then; work they posted elsewhere (a
// WorkerPool) may still be running. One advance() runs at a time.
//
// Not from a timer callback (it would wait for itself), and no Scheduler on
// this clock is built or destroyed from one either.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(time_point start = time_point(std::chrono::seconds(1700000000)))
      : offset_(to_ns(start)) {}

  time_point now() const override {
    return time_point(std::chrono::duration_cast<time_point::duration>(
        std::chrono::nanoseconds(mono_.load() + offset_.load())));
  }
  std::chrono::nanoseconds monotonic() const override {
    return std::chrono::nanoseconds(mono_.load());
  }
  std::chrono::nanoseconds monotonic_at(time_point wall) const override {
    return std::chrono::nanoseconds(to_ns(wall) - offset_.load());
  }

  // Moves time forward by `d` (>= 0) and runs the timers that fall due.
  void advance(std::chrono::nanoseconds d);
  // Sets the wall clock only, as an operator or NTP would: monotonic time and
  // therefore timers do not move.
  void set(time_point t) { offset_ = to_ns(t) - mono_.load(); }

  bool attach(TimerQueue* q) const override;
  void detach(TimerQueue* q) const override;

 private:
  static int64_t to_ns(time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
  // Raises monotonic time to `mono_ns` (never lowers it).
  void step_to(int64_t mono_ns);
  // Time is monotonic time plus an offset that only set() changes: an
  // advance moves one number, so now() and monotonic_at() never see the two
  // faces half moved.
  std::atomic<int64_t> mono_{0};
  std::atomic<int64_t> offset_;  // now() - monotonic(), in ns
  // Held for a whole advance(): queues cannot come or go while it steps.
  mutable Mutex mu_;
  mutable std::vector<TimerQueue*> queues_ GUARDED_BY(mu_);
};

// The name tests used before the clock drove timers.
using ManualClock = SimulatedClock;

}  // namespace nimbus
