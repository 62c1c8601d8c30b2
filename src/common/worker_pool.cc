#include "common/worker_pool.h"

#include "common/thread_name.h"

namespace nimbus {

WorkerPool::WorkerPool(unsigned threads, ThreadRole role) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this, role] { run(role); });
}

WorkerPool::~WorkerPool() {
  assert_may_block("WorkerPool::~WorkerPool");  // finishes queued tasks and joins
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::post(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

size_t WorkerPool::queued() const {
  MutexLock lock(mu_);
  return tasks_.size();
}

void WorkerPool::run(ThreadRole role) {
  set_thread_role(role);
  set_thread_name(role == ThreadRole::kRuntimeSpawn ? "nimbus-spawn" : "nimbus-worker");
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mu_);
      while (!stopping_ && tasks_.empty()) lock.wait(cv_);
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace nimbus
