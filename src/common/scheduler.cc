#include "common/scheduler.h"

namespace nimbus {

Scheduler::Scheduler() : thread_([this] { run(); }) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Scheduler::TimerId Scheduler::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto deadline = std::chrono::steady_clock::now() + delay;
  TimerId id;
  bool earliest;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    earliest = by_deadline_.empty() || deadline < by_deadline_.begin()->first;
    by_deadline_.emplace(deadline, id);
    fns_.emplace(id, std::make_pair(deadline, std::move(fn)));
  }
  if (earliest) cv_.notify_one();
  return id;
}

bool Scheduler::cancel(TimerId id) {
  std::lock_guard lock(mu_);
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

size_t Scheduler::pending() const {
  std::lock_guard lock(mu_);
  return fns_.size();
}

void Scheduler::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (by_deadline_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto next = by_deadline_.begin();
    // A copy: while waiting the lock is released and cancel() may free the node.
    const Deadline deadline = next->first;
    if (std::chrono::steady_clock::now() < deadline) {
      cv_.wait_until(lock, deadline);
      continue;
    }
    TimerId id = next->second;
    by_deadline_.erase(next);
    auto it = fns_.find(id);
    auto fn = std::move(it->second.second);
    fns_.erase(it);
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace nimbus
