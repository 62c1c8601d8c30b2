#include "common/clock.h"

#include <algorithm>
#include <cassert>

#include "common/thread_role.h"

namespace nimbus {

bool SimulatedClock::attach(TimerQueue* q) const {
  MutexLock lock(mu_);
  queues_.push_back(q);
  return true;
}

void SimulatedClock::detach(TimerQueue* q) const {
  MutexLock lock(mu_);
  std::erase(queues_, q);
}

void SimulatedClock::step_to(int64_t mono_ns) {
  if (mono_ns > mono_.load()) mono_ = mono_ns;
}

void SimulatedClock::advance(std::chrono::nanoseconds d) {
  assert(d.count() >= 0);
#ifndef NDEBUG
  // From a timer callback it would wait for that callback to return.
  if (thread_role() == ThreadRole::kScheduler) {
    detail::thread_role_violation("SimulatedClock::advance");
  }
#endif
  MutexLock lock(mu_);
  const int64_t target = mono_.load() + std::max<int64_t>(d.count(), 0);
  while (true) {
    // The earliest deadline of any queue that falls within this advance.
    std::optional<int64_t> next;
    for (auto* q : queues_) {
      auto deadline = q->next_deadline();
      if (deadline && deadline->count() <= target && (!next || deadline->count() < *next)) {
        next = deadline->count();
      }
    }
    if (!next) {
      if (mono_.load() == target) break;
      // Look once more after the last step: a timer another thread added
      // while this loop looked (its deadline read from the time before the
      // step) is due now, and would otherwise wait for the next advance.
      step_to(target);
      continue;
    }
    step_to(*next);
    for (auto* q : queues_) q->run_due();
  }
}

}  // namespace nimbus
