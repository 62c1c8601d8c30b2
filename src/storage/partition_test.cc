// PartitionExecutor: one operation per key at a time, keys in parallel, and
// the next operation sees the previous one's committed write.
#include "storage/partition.h"

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <future>
#include <thread>

#include "common/worker_pool.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::storage {
namespace {

TEST(PartitionExecutor, ReadCheckWriteOnOneKeyNeverInterleaves) {
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
  for (int i = 0; i < kOpsPerKey; ++i) {
    for (int k = 0; k < kKeys; ++k) {
      std::string key = "item-" + std::to_string(k);
      exec.submit(key, [&, k, key](PartitionExecutor::Turn turn) {
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
      });
    }
  }
  all_done.get_future().wait();
  EXPECT_EQ(overlaps.load(), 0);
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(**storage.records("counters").get("item-" + std::to_string(k)),
              std::to_string(kOpsPerKey));
  }
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
