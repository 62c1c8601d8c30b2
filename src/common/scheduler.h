// Timers for services: run a function after a delay (long-poll deadlines,
// visibility timeouts, retry back-off, schedules). One thread keeps a heap of
// deadlines; callbacks run on that thread and must be quick (post real work
// to the WorkerPool or answer a Respond).
//
// Deadlines are measured on the steady clock of the machine. Code whose
// behaviour depends on wall time (message ages, retention) reads the
// injectable Clock and uses the Scheduler only to be woken up.
//
// Thread-safety: every method may be called from any thread, including from
// inside a callback. The destructor drops pending timers without running them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace nimbus {

class Scheduler {
 public:
  using TimerId = uint64_t;

  Scheduler();
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `fn` once, `delay` from now. The id can cancel it.
  TimerId after(std::chrono::milliseconds delay, std::function<void()> fn);
  // True when the timer was pending and will not run; false when it already
  // ran, is running, or never existed.
  bool cancel(TimerId id);
  size_t pending() const;

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Deadline, TimerId> by_deadline_;                       // guarded by mu_
  std::map<TimerId, std::pair<Deadline, std::function<void()>>> fns_;  // guarded by mu_
  TimerId next_id_ = 1;                                                // guarded by mu_
  bool stopping_ = false;                                              // guarded by mu_
  std::thread thread_;
};

}  // namespace nimbus
