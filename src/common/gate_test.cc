#include "common/gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>

#include "common/scheduler.h"

namespace nimbus {
namespace {

using namespace std::chrono_literals;

TEST(Gate, CloseRefusesNewEntries) {
  Gate g;
  {
    auto h = g.hold();
    EXPECT_TRUE(h);
    EXPECT_EQ(g.inside(), 1u);
  }
  EXPECT_EQ(g.inside(), 0u);
  g.close();
  EXPECT_TRUE(g.closed());
  EXPECT_FALSE(g.hold());
  EXPECT_FALSE(g.try_enter());
  g.close();  // idempotent
}

TEST(Gate, CloseWaitsForEveryoneInside) {
  Gate g;
  auto h = g.hold();
  std::atomic<bool> closed{false};
  auto closer = std::async(std::launch::async, [&] {
    g.close();
    closed = true;
  });
  // The closer refuses newcomers at once but returns only after h left.
  while (!g.closed()) std::this_thread::yield();
  EXPECT_FALSE(g.hold());
  EXPECT_FALSE(closed.load());
  h.reset();
  closer.get();
  EXPECT_TRUE(closed.load());
}

TEST(Gate, CopiedHolderEntersAgainSoItCanRideInAFunction) {
  Gate g;
  std::function<void()> job;
  {
    auto h = g.hold();
    job = [h] {};  // std::function needs a copyable callable
    EXPECT_EQ(g.inside(), 2u);
  }
  EXPECT_EQ(g.inside(), 1u);  // the job still holds the gate
  std::atomic<bool> closed{false};
  auto closer = std::async(std::launch::async, [&] {
    g.close();
    closed = true;
  });
  while (!g.closed()) std::this_thread::yield();
  auto copy = job;  // a copy made while closing still counts
  job = nullptr;
  EXPECT_FALSE(closed.load());
  copy = nullptr;
  closer.get();
  EXPECT_EQ(g.inside(), 0u);
}

TEST(Gate, RawEnterLeave) {
  Gate g;
  ASSERT_TRUE(g.try_enter());
  ASSERT_TRUE(g.try_enter());
  g.leave();
  EXPECT_EQ(g.inside(), 1u);
  g.leave();
  g.close();
}

// The shared-gate pattern: a timer callback that outlives its owner finds the
// gate closed and touches nothing.
TEST(Gate, LateCallbackOfAFreedOwnerDoesNothing) {
  SimulatedClock clock;
  Scheduler s(clock);
  std::atomic<int> touched{0};
  struct Owner {
    std::shared_ptr<Gate> gate = std::make_shared<Gate>();
    std::atomic<int>* touched;
    ~Owner() { gate->close(); }
  };
  auto owner = std::make_unique<Owner>();
  owner->touched = &touched;
  auto* o = owner.get();
  s.after(1s, [o, gate = owner->gate] {
    auto h = gate->hold();
    if (!h) return;
    (*o->touched)++;
  });
  owner.reset();
  clock.advance(2s);
  EXPECT_EQ(touched.load(), 0);
}

}  // namespace
}  // namespace nimbus
