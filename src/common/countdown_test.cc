#include "common/countdown.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace nimbus {
namespace {

TEST(Countdown, FiresOnceOnTheLastCallWithTheFirstError) {
  int fired = 0;
  Status got = Status::ok();
  auto each = countdown(3, [&](Status st) {
    ++fired;
    got = std::move(st);
  });
  each(Status::ok());
  each(Error{"First", "first", 500});
  EXPECT_EQ(fired, 0);
  each(Error{"Second", "second", 500});
  EXPECT_EQ(fired, 1);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "First");
}

TEST(Countdown, AllOkFromManyThreads) {
  std::atomic<int> fired = 0;
  std::atomic<bool> ok = false;
  auto each = countdown(64, [&](Status st) {
    ++fired;
    ok = static_cast<bool>(st);
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([each] {
      for (int i = 0; i < 16; ++i) each(Status::ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace nimbus
