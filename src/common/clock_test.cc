#include "common/clock.h"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

using namespace std::chrono_literals;

TEST(SimulatedClock, AdvanceMovesWallAndMonotonicTime) {
  SimulatedClock clock(Clock::time_point(1000s));
  auto mono = clock.monotonic();
  clock.advance(1500ms);
  EXPECT_EQ(clock.now(), Clock::time_point(1001500ms));
  EXPECT_EQ(clock.now_millis(), 1001500);
  EXPECT_EQ(clock.monotonic() - mono, 1500ms);
}

TEST(SimulatedClock, SetMovesOnlyWallTime) {
  SimulatedClock clock(Clock::time_point(1000s));
  auto mono = clock.monotonic();
  clock.set(Clock::time_point(10s));
  EXPECT_EQ(clock.now(), Clock::time_point(10s));
  EXPECT_EQ(clock.monotonic(), mono);
}

TEST(SystemClock, MonotonicNeverGoesBack) {
  SystemClock clock;
  auto a = clock.monotonic();
  auto b = clock.monotonic();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace nimbus
