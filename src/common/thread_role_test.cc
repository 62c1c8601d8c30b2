#include "common/thread_role.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <future>
#include <string>

#include "common/mutex.h"
#include "common/scheduler.h"
#include "common/thread_name.h"
#include "common/worker_pool.h"

namespace nimbus {
namespace {

ThreadRole role_on_new_thread(ThreadRole r) {
  return std::async(std::launch::async,
                    [r] {
                      set_thread_role(r);
                      return thread_role();
                    })
      .get();
}

TEST(ThreadRole, EachThreadHasItsOwn) {
  EXPECT_EQ(thread_role(), ThreadRole::kUnknown);  // tests' threads say nothing
  EXPECT_EQ(role_on_new_thread(ThreadRole::kEventLoop), ThreadRole::kEventLoop);
  EXPECT_EQ(thread_role(), ThreadRole::kUnknown);
}

TEST(ThreadRole, PoolsAndTheSchedulerSetTheirs) {
  WorkerPool workers(1);
  std::promise<ThreadRole> worker;
  workers.post([&] { worker.set_value(thread_role()); });
  EXPECT_EQ(worker.get_future().get(), ThreadRole::kWorker);

  WorkerPool spawn(1, ThreadRole::kRuntimeSpawn);
  std::promise<ThreadRole> spawner;
  spawn.post([&] { spawner.set_value(thread_role()); });
  EXPECT_EQ(spawner.get_future().get(), ThreadRole::kRuntimeSpawn);

  SimulatedClock clock;
  Scheduler s(clock);
  ThreadRole timer = ThreadRole::kUnknown;
  s.after(std::chrono::milliseconds(1), [&] { timer = thread_role(); });
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(timer, ThreadRole::kScheduler);
}

std::string this_thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

// top -H and /proc/PID/task/*/comm tell the kinds apart; Linux keeps 15 bytes.
TEST(ThreadName, PoolsNameTheirThreadsAndLongNamesAreCut) {
  WorkerPool workers(1);
  std::promise<std::string> worker;
  workers.post([&] { worker.set_value(this_thread_name()); });
  EXPECT_EQ(worker.get_future().get(), "nimbus-worker");

  WorkerPool spawn(1, ThreadRole::kRuntimeSpawn);
  std::promise<std::string> spawner;
  spawn.post([&] { spawner.set_value(this_thread_name()); });
  EXPECT_EQ(spawner.get_future().get(), "nimbus-spawn");

  auto cut = std::async(std::launch::async, [] {
               set_thread_name("nimbus-a-very-long-name");
               return this_thread_name();
             }).get();
  EXPECT_EQ(cut, "nimbus-a-very-l");
}

TEST(ThreadRole, OnlyLoopsMayNotBlock) {
  auto loop = std::async(std::launch::async, [] {
    set_thread_role(ThreadRole::kRuntimeLoop);
    return on_event_loop();
  });
  EXPECT_TRUE(loop.get());
  auto worker = std::async(std::launch::async, [] {
    set_thread_role(ThreadRole::kWorker);
    assert_may_block("a test");  // passes
    return on_event_loop();
  });
  EXPECT_FALSE(worker.get());
}

#ifndef NDEBUG
TEST(ThreadRoleDeathTest, BlockingOnAnEventLoopAborts) {
  EXPECT_DEATH(
      {
        set_thread_role(ThreadRole::kEventLoop);
        assert_may_block("Storage::commit_sync");
      },
      "Storage::commit_sync called on the event loop thread");
}

TEST(ThreadRoleDeathTest, JoiningAWorkerPoolOnTheRuntimeLoopAborts) {
  EXPECT_DEATH(
      {
        WorkerPool pool(1);
        set_thread_role(ThreadRole::kRuntimeLoop);
      },
      "WorkerPool::~WorkerPool called on the runtime loop thread");
}
#endif

TEST(Mutex, LockAndWait) {
  Mutex mu;
  std::condition_variable cv;
  bool ready = false;
  auto setter = std::async(std::launch::async, [&] {
    MutexLock lock(mu);
    ready = true;
    cv.notify_all();
  });
  MutexLock lock(mu);
  while (!ready) lock.wait(cv);
  lock.unlock();
  setter.get();
  lock.lock();
  EXPECT_TRUE(ready);
}

}  // namespace
}  // namespace nimbus
