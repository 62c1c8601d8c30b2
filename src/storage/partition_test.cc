// PartitionExecutor: one operation per key at a time, keys in parallel, and
// the next operation sees the previous one's committed write.
#include "storage/partition.h"

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "common/worker_pool.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::storage {
namespace {

// Submits kOpsPerKey read-check-write increments on each of kKeys keys from
// `threads` threads, through submit(), or run_or_submit() when
// `inline_when_idle`.
void count_without_lost_updates(bool inline_when_idle, int threads) {
  testing::TempDir dir;
  auto st = Storage::open(Options{dir.path(), Durability::kAsync});
  ASSERT_TRUE(st);
  Storage& storage = **st;
  WorkerPool pool(4);
  PartitionExecutor exec([&pool](std::function<void()> f) { pool.post(std::move(f)); });

  // Each operation reads a counter, then commits counter + 1 asynchronously.
  // Without the executor, concurrent operations would lose increments.
  constexpr int kKeys = 4, kOpsPerKey = 100;
  std::atomic<int> running[kKeys] = {};
  std::atomic<int> overlaps{0};
  std::atomic<int> done{0};
  std::promise<void> all_done;
  auto submit_some = [&](int first_op, int ops) {
    for (int i = first_op; i < first_op + ops; ++i) {
      for (int k = 0; k < kKeys; ++k) {
        std::string key = "item-" + std::to_string(k);
        auto op = [&, k, key](PartitionExecutor::Turn turn) {
          if (running[k].fetch_add(1) != 0) ++overlaps;
          auto cur = storage.records("counters").get(key);
          int n = 0;
          if (cur && *cur) std::from_chars((*cur)->data(), (*cur)->data() + (*cur)->size(), n);
          WriteBatch b(key);
          b.put("counters", key, std::to_string(n + 1));
          running[k].fetch_sub(1);  // the turn, not this thread, still holds the key
          storage.commit(std::move(b), [&, turn](Status s) {
            EXPECT_TRUE(s);
            if (++done == kKeys * kOpsPerKey) all_done.set_value();
          });
        };
        if (inline_when_idle) {
          exec.run_or_submit(key, std::move(op));
        } else {
          exec.submit(key, std::move(op));
        }
      }
    }
  };
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back(submit_some, t * kOpsPerKey / threads, kOpsPerKey / threads);
  }
  for (auto& t : submitters) t.join();
  all_done.get_future().wait();
  EXPECT_EQ(overlaps.load(), 0);
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(**storage.records("counters").get("item-" + std::to_string(k)),
              std::to_string(kOpsPerKey));
  }
}

TEST(PartitionExecutor, ReadCheckWriteOnOneKeyNeverInterleaves) {
  count_without_lost_updates(false, 1);
}

// Operations that find their key idle run on their submitters' threads, the
// others on the pool behind them: still one at a time per key.
TEST(PartitionExecutor, RunOrSubmitNeverInterleavesEither) {
  count_without_lost_updates(true, 4);
}

TEST(PartitionExecutor, RunOrSubmitRunsAnIdleKeyHereAndABusyOneOnThePool) {
  WorkerPool pool(1);
  PartitionExecutor exec([&pool](std::function<void()> f) { pool.post(std::move(f)); });
  std::optional<PartitionExecutor::Turn> held;
  std::thread::id first_ran_on;
  exec.run_or_submit("k", [&](PartitionExecutor::Turn t) {
    first_ran_on = std::this_thread::get_id();
    held = t;
  });
  EXPECT_EQ(first_ran_on, std::this_thread::get_id());  // ran before the call returned
  ASSERT_TRUE(held);

  std::promise<std::thread::id> second_ran_on;
  exec.run_or_submit(
      "k", [&](PartitionExecutor::Turn) { second_ran_on.set_value(std::this_thread::get_id()); });
  auto second = second_ran_on.get_future();
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  held->release();
  EXPECT_NE(second.get(), std::this_thread::get_id());  // it waited, then ran on the pool
}

TEST(PartitionExecutor, OtherKeysRunWhileOneIsHeld) {
  WorkerPool pool(2);
  PartitionExecutor exec([&pool](std::function<void()> f) { pool.post(std::move(f)); });
  std::promise<PartitionExecutor::Turn> held;
  exec.submit("a", [&](PartitionExecutor::Turn t) { held.set_value(t); });
  auto turn = held.get_future().get();  // "a" stays busy while we hold this

  std::atomic<bool> second_a{false};
  exec.submit("a", [&](PartitionExecutor::Turn) { second_a = true; });
  std::promise<void> b_ran;
  exec.submit("b", [&](PartitionExecutor::Turn) { b_ran.set_value(); });
  b_ran.get_future().wait();  // "b" did not wait for "a"
  EXPECT_FALSE(second_a.load());
  EXPECT_EQ(turn.key(), "a");

  std::promise<void> a_ran;
  exec.submit("a", [&](PartitionExecutor::Turn) { a_ran.set_value(); });
  turn.release();
  a_ran.get_future().wait();  // both queued "a" operations ran, in order
  EXPECT_TRUE(second_a.load());
}

TEST(PartitionExecutor, DroppedTurnReleasesTheKey) {
  WorkerPool pool(1);
  PartitionExecutor exec([&pool](std::function<void()> f) { pool.post(std::move(f)); });
  std::promise<void> ran;
  exec.submit("k", [](PartitionExecutor::Turn) { /* fails early: writes nothing */ });
  exec.submit("k", [&](PartitionExecutor::Turn) { ran.set_value(); });
  ran.get_future().wait();
}

}  // namespace
}  // namespace nimbus::storage
