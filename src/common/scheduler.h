// Timers for services: run a function after a delay (long-poll deadlines,
// visibility timeouts, retry back-off, schedules). One thread keeps a heap of
// deadlines; callbacks run on that thread and must be quick (post real work
// to the WorkerPool or answer a Respond).
//
// Deadlines are durations measured on the Clock's monotonic() time:
// - on a SystemClock that is the machine's steady clock, so a wall-clock jump
//   neither fires a timer early nor stalls it; code whose behaviour depends
//   on wall time (message ages, retention) reads Clock::now() and uses the
//   Scheduler only to be woken up;
// - on a SimulatedClock nothing fires until the test advances the clock;
//   advance() returns after every due timer ran (on this thread, as in
//   production). A timer with no delay is due at once and fires without one.
//
// Thread-safety: every method may be called from any thread, including from
// inside a callback. The destructor drops pending timers without running
// them and waits for a running one.
//
// TimerHandle owns a timer: destroying it cancels the timer and, when the
// callback is running on the timer thread, waits for it to return, so an
// object that holds its TimerHandles may free itself safely. Destroyed from
// inside its own callback it does not wait. Never destroy one while holding a
// lock its callback takes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <thread>

#include "common/clock.h"
#include "common/mutex.h"

namespace nimbus {

class TimerHandle;

class Scheduler final : private TimerQueue {
 public:
  using TimerId = uint64_t;

  explicit Scheduler(const Clock& clock);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `fn` once, `delay` from now. The id can cancel it.
  TimerId after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Runs `fn` once when the clock's now() reaches `due` (at once when it
  // has). The deadline is fixed when called: setting the wall clock later
  // does not move it. Prefer it to after(due - now()), which reads the clock
  // twice and is late by whatever time passed between the readings.
  TimerId at(Clock::time_point due, std::function<void()> fn);
  // The same, owned by the returned handle.
  [[nodiscard]] TimerHandle timer(std::chrono::milliseconds delay, std::function<void()> fn);
  // True when the timer was pending and will not run; false when it already
  // ran, is running, or never existed.
  bool cancel(TimerId id);
  // cancel(), then, unless called from the timer thread, waits until `id`'s
  // callback is not running.
  bool cancel_and_wait(TimerId id);
  size_t pending() const;

  const Clock& clock() const { return clock_; }

 private:
  using Deadline = std::chrono::nanoseconds;  // on clock_.monotonic()

  TimerId add(Deadline deadline, std::function<void()> fn);
  std::optional<std::chrono::nanoseconds> next_deadline() const override;
  void run_due() override;
  bool due_locked() const REQUIRES(mu_);
  void run();

  const Clock& clock_;
  bool driven_ = false;  // the clock runs the timers (SimulatedClock)
  mutable Mutex mu_;
  std::condition_variable cv_;    // wakes the timer thread
  std::condition_variable idle_;  // a callback returned / nothing due
  std::multimap<Deadline, TimerId> by_deadline_ GUARDED_BY(mu_);
  std::map<TimerId, std::pair<Deadline, std::function<void()>>> fns_ GUARDED_BY(mu_);
  TimerId next_id_ GUARDED_BY(mu_) = 1;
  TimerId running_ GUARDED_BY(mu_) = 0;
  std::thread::id runner_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class TimerHandle {
 public:
  TimerHandle() = default;
  TimerHandle(Scheduler& scheduler, Scheduler::TimerId id) : scheduler_(&scheduler), id_(id) {}
  TimerHandle(TimerHandle&& o) noexcept : scheduler_(o.scheduler_), id_(o.id_) { o.id_ = 0; }
  TimerHandle& operator=(TimerHandle&& o) noexcept {
    if (this != &o) {
      cancel();
      scheduler_ = o.scheduler_;
      id_ = o.id_;
      o.id_ = 0;
    }
    return *this;
  }
  TimerHandle(const TimerHandle&) = delete;
  TimerHandle& operator=(const TimerHandle&) = delete;
  ~TimerHandle() { cancel(); }

  // Cancels the timer and waits for a running callback (see above). True
  // when it was pending and will not run. The handle is empty afterwards.
  bool cancel() {
    if (id_ == 0) return false;
    auto id = id_;
    id_ = 0;
    return scheduler_->cancel_and_wait(id);
  }
  // Lets the timer go: it runs as if scheduled with after().
  Scheduler::TimerId release() {
    auto id = id_;
    id_ = 0;
    return id;
  }
  Scheduler::TimerId id() const { return id_; }
  explicit operator bool() const { return id_ != 0; }

 private:
  Scheduler* scheduler_ = nullptr;
  Scheduler::TimerId id_ = 0;
};

}  // namespace nimbus
