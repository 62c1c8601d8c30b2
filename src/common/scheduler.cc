#include "common/scheduler.h"

#include "common/thread_name.h"
#include "common/thread_role.h"

namespace nimbus {

Scheduler::Scheduler(const Clock& clock) : clock_(clock) {
  // Every member is built before the clock can call next_deadline(), and
  // driven_ is set before the thread reads it.
  driven_ = clock_.attach(this);
  thread_ = std::thread([this] { run(); });
}

Scheduler::~Scheduler() {
  // First leave the clock: a SimulatedClock in the middle of advance() is
  // waited for, and does not call a Scheduler whose thread is gone.
  if (driven_) clock_.detach(this);
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  idle_.notify_all();
  thread_.join();
}

Scheduler::TimerId Scheduler::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  return add(clock_.monotonic() + delay, std::move(fn));
}

Scheduler::TimerId Scheduler::at(Clock::time_point due, std::function<void()> fn) {
  return add(clock_.monotonic_at(due), std::move(fn));
}

Scheduler::TimerId Scheduler::add(Deadline deadline, std::function<void()> fn) {
  TimerId id;
  bool earliest;
  {
    MutexLock lock(mu_);
    id = next_id_++;
    earliest = by_deadline_.empty() || deadline < by_deadline_.begin()->first;
    by_deadline_.emplace(deadline, id);
    fns_.emplace(id, std::make_pair(deadline, std::move(fn)));
  }
  if (earliest) cv_.notify_one();
  return id;
}

TimerHandle Scheduler::timer(std::chrono::milliseconds delay, std::function<void()> fn) {
  return TimerHandle(*this, after(delay, std::move(fn)));
}

bool Scheduler::cancel(TimerId id) {
  MutexLock lock(mu_);
  auto it = fns_.find(id);
  if (it == fns_.end()) return false;
  auto range = by_deadline_.equal_range(it->second.first);
  for (auto d = range.first; d != range.second; ++d) {
    if (d->second == id) {
      by_deadline_.erase(d);
      break;
    }
  }
  fns_.erase(it);
  return true;
}

bool Scheduler::cancel_and_wait(TimerId id) {
  if (cancel(id)) return true;
  MutexLock lock(mu_);
  if (std::this_thread::get_id() == runner_) return false;  // from a callback: cannot wait
  while (running_ == id) lock.wait(idle_);
  return false;
}

size_t Scheduler::pending() const {
  MutexLock lock(mu_);
  return fns_.size();
}

std::optional<std::chrono::nanoseconds> Scheduler::next_deadline() const {
  MutexLock lock(mu_);
  if (by_deadline_.empty()) return std::nullopt;
  return by_deadline_.begin()->first;
}

void Scheduler::run_due() {
  MutexLock lock(mu_);
  cv_.notify_one();
  while (!stopping_ && (running_ != 0 || due_locked())) lock.wait(idle_);
}

bool Scheduler::due_locked() const {
  return !by_deadline_.empty() && by_deadline_.begin()->first <= clock_.monotonic();
}

void Scheduler::run() {
  set_thread_role(ThreadRole::kScheduler);
  set_thread_name("nimbus-timers");
  MutexLock lock(mu_);
  runner_ = std::this_thread::get_id();
  while (!stopping_) {
    if (!due_locked()) {
      idle_.notify_all();  // run_due() waits for this
      if (by_deadline_.empty() || driven_) {
        // Simulated time: woken by run_due() or by a timer due at once.
        lock.wait(cv_);
      } else {
        // A copy: while waiting the lock is released and cancel() may free the node.
        const Deadline deadline = by_deadline_.begin()->first;
        lock.wait_until(
            cv_, std::chrono::steady_clock::time_point(
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline)));
      }
      continue;
    }
    auto next = by_deadline_.begin();
    TimerId id = next->second;
    by_deadline_.erase(next);
    auto it = fns_.find(id);
    auto fn = std::move(it->second.second);
    fns_.erase(it);
    running_ = id;
    lock.unlock();
    fn();
    fn = nullptr;  // what the callback captured goes before waiters are told
    lock.lock();
    running_ = 0;
    idle_.notify_all();
  }
}

}  // namespace nimbus
