// A bounded pool of threads for blocking work (fsync waits, process spawn,
// large file I/O) so that nothing blocking runs on an event loop.
// post() is thread-safe; tasks run in FIFO order across `threads` workers.
// The destructor finishes queued tasks, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/thread_role.h"

namespace nimbus {

class WorkerPool {
 public:
  // `role` is what the threads are (thread_role.h): kWorker, or the
  // runtime's kRuntimeSpawn.
  explicit WorkerPool(unsigned threads, ThreadRole role = ThreadRole::kWorker);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> task);
  size_t queued() const;
  // The pool's threads (fixed at construction).
  size_t threads() const { return threads_.size(); }

 private:
  void run(ThreadRole role);

  mutable Mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace nimbus
