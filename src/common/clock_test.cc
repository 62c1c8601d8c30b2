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

TEST(Clock, MillisecondsSinceTheEpochConvertBothWays) {
  EXPECT_EQ(Clock::from_millis(1001500), Clock::time_point(1001500ms));
  EXPECT_EQ(Clock::to_millis(Clock::time_point(1001500ms)), 1001500);
  // A time between two milliseconds reads as the one before it.
  EXPECT_EQ(Clock::to_millis(Clock::time_point(1001500ms) + 999us), 1001500);
  EXPECT_EQ(Clock::to_millis(Clock::from_millis(-5)), -5);
}

TEST(SimulatedClock, SetMovesOnlyWallTime) {
  SimulatedClock clock(Clock::time_point(1000s));
  auto mono = clock.monotonic();
  clock.set(Clock::time_point(10s));
  EXPECT_EQ(clock.now(), Clock::time_point(10s));
  EXPECT_EQ(clock.monotonic(), mono);
}

TEST(SimulatedClock, MonotonicAtIsWhenTheWallClockReadsATime) {
  SimulatedClock clock(Clock::time_point(1000s));
  auto mono = clock.monotonic();
  EXPECT_EQ(clock.monotonic_at(Clock::time_point(1002s)), mono + 2s);
  clock.advance(500ms);
  EXPECT_EQ(clock.monotonic_at(Clock::time_point(1002s)), mono + 2s);
  EXPECT_EQ(clock.monotonic_at(clock.now()), clock.monotonic());
  clock.set(Clock::time_point(2000s));  // a jump: the same wall time is later
  EXPECT_EQ(clock.monotonic_at(Clock::time_point(2001s)), clock.monotonic() + 1s);
}

TEST(SystemClock, MonotonicAtIsWhenTheWallClockReadsATime) {
  SystemClock clock;
  auto in_a_minute = clock.monotonic_at(clock.now() + 60s) - clock.monotonic();
  EXPECT_GT(in_a_minute, 59s);
  EXPECT_LE(in_a_minute, 60s);
}

TEST(SystemClock, MonotonicNeverGoesBack) {
  SystemClock clock;
  auto a = clock.monotonic();
  auto b = clock.monotonic();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace nimbus
