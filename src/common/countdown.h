// countdown: one completion from several. The function it returns is called
// `n` times (n > 0), from any threads; `done` runs once, on the last call,
// with the first error among them (ok when there was none).
//
//   auto each = countdown(targets.size(), std::move(done));
//   for (auto& t : targets) deliver(t, each);
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

#include "common/mutex.h"
#include "common/result.h"

namespace nimbus {

inline std::function<void(Status)> countdown(size_t n, std::function<void(Status)> done) {
  struct State {
    Mutex mu;
    size_t left;
    Status first = Status::ok();
    std::function<void(Status)> done;
  };
  auto s = std::make_shared<State>();
  s->left = n;
  s->done = std::move(done);
  return [s](Status st) {
    std::function<void(Status)> fire;
    Status result = Status::ok();
    {
      MutexLock lock(s->mu);
      if (!st && s->first) s->first = std::move(st);
      if (--s->left == 0) {
        fire = std::move(s->done);
        result = std::move(s->first);
      }
    }
    if (fire) fire(std::move(result));
  };
}

}  // namespace nimbus
