#include "common/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace nimbus {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, RunsInDeadlineOrderWhenTimeMoves) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::vector<int> order;  // written on the timer thread, read after advance()
  s.after(30ms, [&] { order.push_back(3); });
  s.after(10ms, [&] { order.push_back(1); });
  s.after(20ms, [&] { order.push_back(2); });
  clock.advance(9ms);
  EXPECT_TRUE(order.empty());
  clock.advance(11ms);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  clock.advance(1h);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(s.pending(), 0u);
}

TEST(Scheduler, CallbacksSeeTheTimeTheyWereDueAt) {
  auto start = Clock::time_point(std::chrono::seconds(1000));
  SimulatedClock clock(start);
  Scheduler s(clock);
  std::vector<Clock::time_point> seen;
  s.after(5s, [&] { seen.push_back(clock.now()); });
  s.after(7s, [&] { seen.push_back(clock.now()); });
  clock.advance(1min);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], start + 5s);
  EXPECT_EQ(seen[1], start + 7s);
  EXPECT_EQ(clock.now(), start + 1min);
}

TEST(Scheduler, AdvanceRunsTimersThatCallbacksScheduleWhenDue) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::vector<int> order;
  // A chain 1 s apart: the three within the advance run, the fourth not.
  std::function<void(int)> chain = [&](int n) {
    order.push_back(n);
    s.after(1s, [&, n] { chain(n + 1); });
  };
  s.after(1s, [&] { chain(1); });
  s.after(0ms, [&] { order.push_back(0); });  // due at once
  clock.advance(3s);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(s.pending(), 1u);
  clock.advance(1s);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Scheduler, WallClockJumpMovesNoTimer) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::atomic<int> ran{0};
  s.after(10s, [&] { ran++; });
  clock.set(clock.now() + 24h);  // NTP steps the wall clock a day ahead
  clock.advance(9s);
  EXPECT_EQ(ran.load(), 0);
  clock.set(clock.now() - 48h);  // and back
  clock.advance(1s);
  EXPECT_EQ(ran.load(), 1);
}

TEST(Scheduler, AtRunsWhenTheWallClockReachesTheTime) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::atomic<int> ran{0};
  auto start = clock.now();
  s.at(start + 2s, [&] { ran++; });
  clock.advance(1999ms);
  EXPECT_EQ(ran.load(), 0);
  clock.advance(1ms);
  EXPECT_EQ(ran.load(), 1);
  // A time already passed is due at once, without an advance.
  std::promise<void> late;
  s.at(start, [&] { late.set_value(); });
  EXPECT_EQ(late.get_future().wait_for(10s), std::future_status::ready);
}

TEST(Scheduler, AtFixesItsDeadlineWhenCalled) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::atomic<int> ran{0};
  s.at(clock.now() + 10s, [&] { ran++; });
  clock.set(clock.now() + 24h);  // the wall clock jumps after the call
  clock.advance(9s);
  EXPECT_EQ(ran.load(), 0);
  clock.advance(1s);
  EXPECT_EQ(ran.load(), 1);
}

// Another thread sets timers 1 ms ahead while the test advances 1 ms at a
// time. However the two interleave (a deadline read from the time before a
// step, added after advance() last looked), a timer whose time has come runs
// without waiting for another advance.
TEST(Scheduler, NoTimerSetDuringAnAdvanceWaitsForTheNextOne) {
  SimulatedClock clock;
  Scheduler s(clock);
  constexpr int kTimers = 20000;
  std::vector<int64_t> due(kTimers);  // ms; written before `set` counts it
  std::vector<std::atomic<bool>> ran(kTimers);
  std::atomic<int> set{0};
  std::thread setter([&] {
    for (int i = 0; i < kTimers; ++i) {
      due[i] = clock.now_millis() + 1;
      s.at(Clock::from_millis(due[i]), [&, i] { ran[i] = true; });
      set = i + 1;
      if (i % 8 == 0) std::this_thread::yield();
    }
  });
  int checked = 0;  // every timer before it ran
  for (int step = 0; step < 4000 && checked < kTimers; ++step) {
    clock.advance(1ms);
    int64_t now = clock.now_millis();
    int known = set.load();
    for (; checked < known && due[checked] <= now; ++checked) {
      for (int w = 0; w < 5000 && !ran[checked]; ++w) std::this_thread::sleep_for(1ms);
      ASSERT_TRUE(ran[checked]) << "timer " << checked << " due at " << due[checked]
                                << " has not run at " << now;
    }
  }
  setter.join();
}

TEST(Scheduler, TwoSchedulersOnOneClockRunInTimeOrder) {
  SimulatedClock clock;
  Scheduler a(clock);
  Scheduler b(clock);
  std::mutex mu;
  std::vector<int> order;
  auto push = [&](int n) {
    std::lock_guard l(mu);
    order.push_back(n);
  };
  a.after(3s, [&] { push(3); });
  b.after(1s, [&] { push(1); });
  a.after(2s, [&] { push(2); });
  clock.advance(5s);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Scheduler, CancelledTimerDoesNotRun) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::atomic<int> ran{0};
  auto id = s.after(20ms, [&] { ran++; });
  EXPECT_TRUE(s.cancel(id));
  EXPECT_FALSE(s.cancel(id));
  clock.advance(1s);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(s.pending(), 0u);
}

TEST(Scheduler, RealClockFiresInOrder) {
  SystemClock clock;
  Scheduler s(clock);
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> done;
  s.after(30ms, [&] {
    std::lock_guard l(mu);
    order.push_back(3);
    done.set_value();
  });
  s.after(10ms, [&] {
    std::lock_guard l(mu);
    order.push_back(1);
  });
  s.after(20ms, [&] {
    std::lock_guard l(mu);
    order.push_back(2);
  });
  ASSERT_EQ(done.get_future().wait_for(10s), std::future_status::ready);
  std::lock_guard l(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Scheduler, CancelWhileTheThreadWaitsOnThatDeadline) {
  // The timer thread sleeps until the earliest deadline; cancelling exactly
  // that timer from another thread must be safe (found by ASan).
  SystemClock clock;
  Scheduler s(clock);
  for (int i = 0; i < 200; ++i) {
    auto id = s.after(5ms, [] {});
    std::this_thread::yield();
    s.cancel(id);
  }
  EXPECT_EQ(s.pending(), 0u);
}

TEST(Scheduler, DestructorDropsPending) {
  std::atomic<int> ran{0};
  SimulatedClock clock;
  {
    Scheduler s(clock);
    s.after(10s, [&] { ran++; });
  }
  clock.advance(1min);  // the Scheduler left the clock
  EXPECT_EQ(ran.load(), 0);
}

TEST(TimerHandle, DestroyingCancels) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::atomic<int> ran{0};
  {
    auto h = s.timer(1s, [&] { ran++; });
    EXPECT_TRUE(h);
    EXPECT_EQ(s.pending(), 1u);
  }
  EXPECT_EQ(s.pending(), 0u);
  clock.advance(2s);
  EXPECT_EQ(ran.load(), 0);
}

TEST(TimerHandle, MoveAssignCancelsTheOldTimer) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::vector<int> ran;
  auto h = s.timer(1s, [&] { ran.push_back(1); });
  h = s.timer(2s, [&] { ran.push_back(2); });
  clock.advance(5s);
  EXPECT_EQ(ran, (std::vector<int>{2}));
  EXPECT_FALSE(h.cancel());  // already ran
}

TEST(TimerHandle, DestroyWaitsForTheRunningCallback) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::promise<void> entered;
  std::promise<void> release;
  std::atomic<bool> finished{false};
  auto h = std::make_unique<TimerHandle>(s.timer(0ms, [&] {
    entered.set_value();
    release.get_future().wait();
    finished = true;
  }));
  entered.get_future().wait();  // the callback runs on the timer thread
  auto destroyer = std::async(std::launch::async, [&] {
    h.reset();
    return finished.load();
  });
  EXPECT_EQ(destroyer.wait_for(50ms), std::future_status::timeout);  // it waits
  release.set_value();
  EXPECT_TRUE(destroyer.get());  // and returns only after the callback did
}

TEST(TimerHandle, DestroyedInsideItsOwnCallbackDoesNotWait) {
  SimulatedClock clock;
  Scheduler s(clock);
  TimerHandle h;
  std::atomic<int> ran{0};
  h = s.timer(1s, [&] {
    h = TimerHandle();  // the owner drops its handle from the callback
    ran++;
  });
  clock.advance(1s);
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace nimbus
