// Storage::open and the committer: async and blocking commits, group commit,
// async durability, open errors, close.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::storage {
namespace {

std::unique_ptr<Storage> open_at(const std::string& dir, Durability d = Durability::kSync) {
  auto s = Storage::open(Options{dir, d});
  EXPECT_TRUE(s.is_ok()) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

WriteBatch one(std::string_view key, std::string_view value) {
  WriteBatch b;
  b.put("t", key, value);
  return b;
}

TEST(Commit, CallbackRunsAfterTheWriteIsVisible) {
  testing::TempDir dir;
  auto st = open_at(dir.path());
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool visible = false;
  st->commit(one("k", "v"), [&](Status s) {
    EXPECT_TRUE(s.is_ok());
    auto got = st->records("t").get("k");
    std::lock_guard<std::mutex> lock(mu);
    visible = got && got->has_value();
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_TRUE(visible);
}

TEST(Commit, QueueOrderIsCommitOrder) {
  testing::TempDir dir;
  auto st = open_at(dir.path());
  for (int i = 0; i < 50; ++i) st->commit(one("k", std::to_string(i)), nullptr);
  ASSERT_TRUE(st->commit_sync(WriteBatch()));  // an empty batch is a barrier
  EXPECT_EQ(**st->records("t").get("k"), "49");
}

// A round's callbacks run on the callbacks thread when the round is large
// and another waits, or when that thread has earlier rounds left; on the
// committer otherwise; either way in commit order. Bursts with a large
// batch now and then (the hand-off), small batches (run in place) and a
// slow callback now and then (the callbacks thread still busy when the
// next round is applied) mix both.
TEST(Commit, CallbacksRunInCommitOrderOnEitherThread) {
  testing::TempDir dir;
  auto st = open_at(dir.path(), Durability::kAsync);
  constexpr int kCommits = 600;
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> all;
  const std::string large(70 << 10, 'x');  // over the hand-off size
  for (int i = 0; i < kCommits; ++i) {
    st->commit(one("k" + std::to_string(i), i % 10 == 3 ? large : "v"), [&, i](Status s) {
      EXPECT_TRUE(s);
      if (i % 50 == 7) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      if (order.size() == kCommits) all.set_value();
    });
    if (i % 20 == 19) std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  all.get_future().wait();
  for (int i = 0; i < kCommits; ++i) ASSERT_EQ(order[i], i);
}

// Batches that share a round write some keys more than once (as every
// PutItem rewrites its table's statistics record); the last write of a key
// wins, as if each batch had been applied alone, and a range delete
// between two writes of a key still falls between them.
TEST(Commit, TheLastWriteOfAKeyInARoundWins) {
  testing::TempDir dir;
  auto st = open_at(dir.path(), Durability::kAsync);
  for (int i = 0; i < 300; ++i) {
    WriteBatch b;
    b.put("t", "shared", std::to_string(i));
    b.put("t", "own" + std::to_string(i), "v");
    if (i % 3 == 2) {
      b.del("t", "flip");
    } else {
      b.put("t", "flip", std::to_string(i));
    }
    if (i % 7 == 0) b.put("t", "twice", "first");
    if (i % 7 == 0) b.put("t", "twice", std::to_string(i));
    if (i % 50 == 10) b.del_range("t", "r0", "r5");
    if (i % 50 == 9 || i % 50 == 11) b.put("t", "r" + std::to_string(i % 50 - 8), "kept");
    st->commit(std::move(b), nullptr);
  }
  ASSERT_TRUE(st->commit_sync(WriteBatch()));
  auto t = st->records("t");
  EXPECT_EQ(**t.get("shared"), "299");
  EXPECT_FALSE(t.get("flip")->has_value());  // deleted by 299, put by 298
  EXPECT_EQ(**t.get("twice"), "294");
  EXPECT_FALSE(t.get("r1")->has_value());  // put by 259, deleted by 260's range
  EXPECT_EQ(**t.get("r3"), "kept");        // put by 261, after the range
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(t.get("own" + std::to_string(i))->has_value()) << i;
}

TEST(Commit, ConcurrentWritersShareFsyncs) {
  testing::TempDir dir;
  auto st = open_at(dir.path());
  constexpr int kThreads = 16;
  constexpr int kPerThread = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = std::to_string(t) + "/" + std::to_string(i);
        if (!st->commit_sync(one(key, "v"))) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  Stats s = st->stats();
  EXPECT_EQ(s.commits, uint64_t{kThreads * kPerThread});
  EXPECT_EQ(s.syncs, s.groups);
  // With 16 writers blocked on each fsync, a round carries many batches.
  // Expect well under one fsync per two commits (typically ~1 per 10+).
  EXPECT_LT(s.syncs * 2, s.commits) << "groups=" << s.groups << " commits=" << s.commits;
  EXPECT_EQ(st->records("t").scan("", 10000)->size(), size_t{kThreads * kPerThread});
}

TEST(Commit, LargeBatchesAreSplitAcrossRounds) {
  testing::TempDir dir;
  auto st = open_at(dir.path());
  std::string big(6 << 20, 'x');  // four of these exceed one round's 16 MB cap
  std::vector<std::future<Status>> results;
  std::vector<std::promise<Status>> promises(4);
  for (int i = 0; i < 4; ++i) {
    results.push_back(promises[i].get_future());
    st->commit(one("big" + std::to_string(i), big),
               [&promises, i](Status s) { promises[i].set_value(std::move(s)); });
  }
  for (auto& r : results) ASSERT_TRUE(r.get());
  EXPECT_GE(st->stats().groups, 2u);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(st->records("t").get("big" + std::to_string(i))->value(), big);
}

// The committer encodes every round into one RocksDB batch it keeps from
// round to round (and gives back after a run of much smaller rounds): each
// round writes its own batches once, whatever came before it. A round that
// also carried an earlier round's writes would show in the WAL's size (and
// put back values since overwritten).
TEST(Commit, EachRoundWritesOnlyItsOwnBatches) {
  testing::TempDir dir;
  auto st = open_at(dir.path(), Durability::kAsync);
  std::string big(2 << 20, 'b');
  std::string small(1 << 10, 's');
  ASSERT_TRUE(st->commit_sync(one("k", big)));
  for (int i = 0; i < 80; ++i) {  // past the 64 rounds after which it shrinks
    ASSERT_TRUE(st->commit_sync(one("k", small + std::to_string(i))));
  }
  ASSERT_TRUE(st->commit_sync(one("k2", big)));
  ASSERT_TRUE(st->commit_sync(one("k", "last")));
  EXPECT_EQ(**st->records("t").get("k"), "last");
  EXPECT_EQ(**st->records("t").get("k2"), big);
  uintmax_t wal = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir.path() + "/db")) {
    if (f.path().extension() == ".log") wal += f.file_size();
  }
  // Payload: 4 MiB + 80 KiB; with a round's earlier writes repeated, 80 MiB
  // and more.
  EXPECT_GT(wal, 4u << 20);
  EXPECT_LT(wal, 5u << 20);
}

TEST(Commit, AsyncModeDoesNotFsyncAndPersists) {
  testing::TempDir dir;
  {
    auto st = open_at(dir.path(), Durability::kAsync);
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(st->commit_sync(one(std::to_string(i), "v")));
    Stats s = st->stats();
    EXPECT_EQ(s.commits, 200u);
    EXPECT_EQ(s.syncs, 0u);
    EXPECT_GE(s.groups, 1u);
  }
  auto st = open_at(dir.path(), Durability::kAsync);
  EXPECT_EQ(st->records("t").scan("", 1000)->size(), 200u);
}

TEST(Commit, EverySyncedRoundIsTimedWhenAHistogramIsGiven) {
  for (Durability d : {Durability::kSync, Durability::kAsync}) {
    testing::TempDir dir;
    Histogram timed;
    auto st = Storage::open(Options{dir.path(), d, &timed});
    ASSERT_TRUE(st.is_ok());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE((*st)->commit_sync(one(std::to_string(i), "v")));
    WriteBatch deferred = one("later", "v");
    deferred.defer_sync();
    ASSERT_TRUE((*st)->commit_sync(std::move(deferred)));  // written, not fsynced: not timed
    Stats s = (*st)->stats();
    EXPECT_EQ(timed.count(), s.syncs);
    if (d == Durability::kSync) {
      EXPECT_GE(s.syncs, 50u);
      EXPECT_GT(timed.sum(), 0.0);
    } else {
      EXPECT_EQ(timed.count(), 0u);
    }
  }
}

TEST(Commit, DeferredSyncBatchesWaitForTheNextSyncedRound) {
  testing::TempDir dir;
  {
    auto st = open_at(dir.path());
    for (int i = 0; i < 20; ++i) {
      WriteBatch b = one("lines" + std::to_string(i), "v");
      b.defer_sync();
      ASSERT_TRUE(st->commit_sync(std::move(b)));
    }
    Stats s = st->stats();
    EXPECT_EQ(s.commits, 20u);
    EXPECT_EQ(s.syncs, 0u);  // acknowledged, written, not yet fsynced
    EXPECT_EQ(st->records("t").scan("", 100)->size(), 20u);
    ASSERT_TRUE(st->commit_sync(one("answer", "v")));  // a caller waits on this one
    EXPECT_EQ(st->stats().syncs, 1u);
  }
  auto st = open_at(dir.path());
  EXPECT_EQ(st->records("t").scan("", 100)->size(), 21u);
}

TEST(Commit, CommitAfterCloseFails) {
  testing::TempDir dir;
  auto st = open_at(dir.path());
  ASSERT_TRUE(st->close());
  ASSERT_TRUE(st->close());  // idempotent
  Status s = st->commit_sync(one("k", "v"));
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.error().message.find("closed"), std::string::npos);
  EXPECT_FALSE(st->records("t").get("k").is_ok());
}

#ifdef NDEBUG  // debug builds assert instead
TEST(Commit, CommitSyncFromACallbackFailsInsteadOfDeadlocking) {
  testing::TempDir dir;
  auto st = open_at(dir.path());
  std::promise<Status> inner;
  st->commit(one("a", "1"), [&](Status) { inner.set_value(st->commit_sync(one("b", "2"))); });
  Status s = inner.get_future().get();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.error().message.find("deadlock"), std::string::npos);
}
#endif

// With `sync`, the live WAL is written with zeros ahead of its records
// (wal_files.h). A copy of the directory taken while the store is open is
// what a crash leaves: records, then zeros; recovery must read past the
// zeros as preallocated space and find every acknowledged commit, also
// after a 3 MiB batch, more than the zeros ahead (the writer overtakes them).
TEST(Commit, ACrashImageWithAZeroFilledWalHasEveryAcknowledgedCommit) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  testing::TempDir zeros_after_records;
  testing::TempDir after_a_large_batch;
  auto wal_size = [&] {
    uint64_t size = 0;
    for (const auto& e : fs::directory_iterator(dir.path() + "/db")) {
      if (e.path().extension() == ".log") size = std::max<uint64_t>(size, e.file_size());
    }
    return size;
  };
  {
    auto st = open_at(dir.path());
    // 80 KiB of plain appends, then small records written over zeros.
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(st->commit_sync(one("a" + std::to_string(i), std::string(4096, 'a'))));
    }
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(st->commit_sync(one("c" + std::to_string(i), "v")));
    int probe = ::open((dir.path() + "/db").c_str(), O_RDONLY | O_DIRECT);
    if (probe >= 0) {  // a file system without O_DIRECT (tmpfs) appends plainly
      ::close(probe);
      EXPECT_GE(wal_size(), uint64_t{80 + 1024} << 10);  // the records, then zeros
    }
    fs::copy(dir.path() + "/db", zeros_after_records.path() + "/db", fs::copy_options::recursive);
    ASSERT_TRUE(st->commit_sync(one("big", std::string(3 << 20, 'x'))));
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(st->commit_sync(one("b" + std::to_string(i), "v")));
    fs::copy(dir.path() + "/db", after_a_large_batch.path() + "/db", fs::copy_options::recursive);
  }
  for (const std::string& image : {zeros_after_records.path(), after_a_large_batch.path()}) {
    bool later = image == after_a_large_batch.path();
    auto st = open_at(image);
    auto t = st->records("t");
    for (int i = 0; i < 20; ++i) {
      auto a = t.get("a" + std::to_string(i));
      ASSERT_TRUE(a && a->has_value()) << image << " a" << i;
      auto c = t.get("c" + std::to_string(i));
      ASSERT_TRUE(c && c->has_value()) << image << " c" << i;
      auto b = t.get("b" + std::to_string(i));
      ASSERT_TRUE(b && b->has_value() == later) << image << " b" << i;
    }
    auto big = t.get("big");
    ASSERT_TRUE(big && big->has_value() == later);
    if (later) EXPECT_EQ((*big)->size(), size_t{3} << 20);
  }
}

TEST(Open, SecondOpenOfTheSameDirectoryIsRefused) {
  testing::TempDir dir;
  auto first = open_at(dir.path());
  auto second = Storage::open(Options{dir.path(), Durability::kSync});
  ASSERT_FALSE(second.is_ok());
  const std::string& msg = second.error().message;
  EXPECT_NE(msg.find("data directory " + dir.path() + " is in use by another nimbus"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("pid " + std::to_string(getpid())), std::string::npos) << msg;
  // Released on close: the directory can be opened again.
  ASSERT_TRUE(first->close());
  EXPECT_TRUE(Storage::open(Options{dir.path(), Durability::kSync}).is_ok());
}

TEST(Open, ALockKeptByTheDescendantsOfADeadOwnerIsWaitedFor) {
  // After a kill -9 the lock can outlive its owner for a moment in children
  // that inherited it: a restart waits for them instead of failing.
  testing::TempDir dir;
  pid_t dead = fork();  // a pid that names no process once reaped
  if (dead == 0) _exit(0);
  ASSERT_GT(dead, 0);
  waitpid(dead, nullptr, 0);
  std::string lock = dir.path() + "/nimbus.lock";
  std::string owner = std::to_string(dead) + "\n";
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t heir = fork();
  if (heir == 0) {
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) != 0 || ftruncate(fd, 0) != 0 ||
        pwrite(fd, owner.data(), owner.size(), 0) < 0 || write(ready[1], "x", 1) != 1)
      _exit(1);
    usleep(200 * 1000);
    _exit(0);  // the lock goes with it
  }
  ASSERT_GT(heir, 0);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  auto st = Storage::open(Options{dir.path(), Durability::kSync});
  EXPECT_TRUE(st.is_ok()) << st.error().message;
  int status = 0;
  waitpid(heir, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  close(ready[0]);
  close(ready[1]);
}

TEST(Open, DirectoryThatCannotBeCreated) {
  testing::TempDir dir;
  std::string file = dir.path() + "/a-file";
  std::ofstream(file) << "x";
  auto st = Storage::open(Options{file + "/data", Durability::kSync});
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.error().message.find("cannot create data directory " + file + "/data"),
            std::string::npos)
      << st.error().message;
}

TEST(Open, ReadOnlyDirectory) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes anywhere";
  testing::TempDir dir;
  std::string ro = dir.path() + "/ro";
  ASSERT_EQ(::mkdir(ro.c_str(), 0555), 0);
  auto st = Storage::open(Options{ro, Durability::kSync});
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.error().message.find("is not writable"), std::string::npos) << st.error().message;
}

TEST(Open, EmptyDataDir) {
  EXPECT_FALSE(Storage::open(Options{}).is_ok());
}

}  // namespace
}  // namespace nimbus::storage
