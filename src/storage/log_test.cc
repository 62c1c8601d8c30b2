// Log: sequences, reads, waits, trims and partitions, across restarts.
#include "storage/log.h"

#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <cstdio>
#include <filesystem>
#include <future>

#include "storage/key_codec.h"
#include "storage/keys.h"
#include "storage/test_dir.h"

namespace nimbus::storage {
namespace {

using namespace std::chrono_literals;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void TearDown() override { close(); }

  void open() {
    auto s = Storage::open(Options{dir_.path(), Durability::kSync});
    ASSERT_TRUE(s) << s.error().message;
    storage_ = std::move(*s);
    auto l = Log::open(*storage_, "test.log", clock_, scheduler_);
    ASSERT_TRUE(l) << l.error().message;
    log_ = std::move(*l);
  }
  void close() {
    log_.reset();
    storage_.reset();
  }
  void reopen() {
    close();
    open();
  }

  Appended append(std::string_view p, std::vector<std::string> records) {
    auto r = log_->append_sync(p, std::move(records));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Appended{};
  }
  std::vector<uint64_t> seqs(std::string_view p, uint64_t from = 0, ReadLimits limits = {}) {
    auto r = log_->read(p, from, limits);
    EXPECT_TRUE(r);
    std::vector<uint64_t> out;
    for (const auto& rec : *r) out.push_back(rec.seq);
    return out;
  }
  Status trim(auto fn) {
    std::promise<Status> done;
    fn([&](Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  testing::TempDir dir_;
  ManualClock clock_{Clock::time_point(1'700'000'000'000ms)};
  // Timers run on real time here, as before the Scheduler took a clock.
  SystemClock timer_clock_;
  Scheduler scheduler_{timer_clock_};
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Log> log_;
};

TEST_F(LogTest, AppendAssignsIncreasingSequencesAndArrivalTimes) {
  Appended a = append("shard-1", {"a", "bb"});
  EXPECT_EQ(a.first_seq, 1u);
  EXPECT_EQ(a.count, 2u);
  EXPECT_EQ(a.arrival_ms, clock_.now_millis());
  clock_.advance(5ms);
  Appended b = append("shard-1", {"ccc"});
  EXPECT_EQ(b.first_seq, 3u);
  EXPECT_EQ(append("shard-2", {"x"}).first_seq, 1u);  // per partition

  auto r = log_->read("shard-1", 0);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].data, "a");
  EXPECT_EQ((*r)[2].data, "ccc");
  EXPECT_EQ((*r)[2].arrival_ms, a.arrival_ms + 5);
  EXPECT_EQ(seqs("shard-1", 2), (std::vector<uint64_t>{2, 3}));
  EXPECT_TRUE(seqs("missing").empty());

  auto info = log_->info("shard-1");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->first_seq, 1u);
  EXPECT_EQ(info->next_seq, 4u);
  EXPECT_EQ(info->bytes, 6u);
}

TEST_F(LogTest, AppendInTwoPiecesStoresEachRecordJoined) {
  append("p", {"first"});
  std::promise<Result<Appended>> done;
  {
    // The tails are read during the call only: they are gone before the
    // commit is durable.
    std::vector<std::string> tails{"-tail", std::string(3000, 't'), ""};
    log_->append("p", {"a", "b", "c"}, {tails[0], tails[1], tails[2]},
                 [&](Result<Appended> r) { done.set_value(std::move(r)); });
  }
  auto r = done.get_future().get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first_seq, 2u);
  EXPECT_EQ(r->count, 3u);
  auto read = log_->read("p", 2);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->size(), 3u);
  EXPECT_EQ((*read)[0].data, "a-tail");
  EXPECT_EQ((*read)[1].data, "b" + std::string(3000, 't'));
  EXPECT_EQ((*read)[2].data, "c");
  EXPECT_EQ(log_->info("p")->bytes, 5u + 6u + 3001u + 1u);  // offsets count both pieces

  std::promise<Result<Appended>> bad;
  log_->append("p", {"x", "y"}, {"only one"},
               [&](Result<Appended> r) { bad.set_value(std::move(r)); });
  EXPECT_FALSE(bad.get_future().get());
  EXPECT_EQ(log_->info("p")->next_seq, 5u);  // nothing appended
}

TEST_F(LogTest, ReadStopsAtRecordAndByteLimits) {
  std::vector<std::string> recs;
  for (int i = 0; i < 600; ++i) recs.push_back(std::string(10, 'x'));
  append("p", recs);
  EXPECT_EQ(seqs("p", 0, ReadLimits{5, 1 << 20}).size(), 5u);
  EXPECT_EQ(seqs("p", 0, ReadLimits{1000, 95}).size(), 9u);
  EXPECT_EQ(seqs("p", 0, ReadLimits{1000, 1}).size(), 1u);          // always at least one
  EXPECT_EQ(seqs("p", 0, ReadLimits{1000, 1 << 20}).size(), 600u);  // across pages
  EXPECT_EQ(seqs("p", 599).size(), 2u);
}

TEST_F(LogTest, ReadEachVisitsRecordsInPlaceWithTheSameLimits) {
  std::vector<std::string> recs;
  for (int i = 0; i < 20; ++i) recs.push_back(std::string(10, static_cast<char>('a' + i)));
  append("p", recs);
  append("p2", {"other partition"});  // the next partition's records are not read
  auto visit = [&](uint64_t from, ReadLimits limits) {
    std::vector<std::pair<uint64_t, std::string>> got;
    auto n = log_->read_each("p", from, limits, [&](uint64_t seq, int64_t ms, std::string_view d) {
      EXPECT_EQ(ms, 1'700'000'000'000);
      got.emplace_back(seq, std::string(d));  // a copy: the view ends with the call
    });
    EXPECT_TRUE(n);
    EXPECT_EQ(n ? *n : 0, got.size());
    return got;
  };
  auto all = visit(0, {});
  ASSERT_EQ(all.size(), 20u);
  EXPECT_EQ(all.front(), std::make_pair(uint64_t{1}, std::string(10, 'a')));
  EXPECT_EQ(all.back(), std::make_pair(uint64_t{20}, std::string(10, 't')));
  EXPECT_EQ(visit(18, {}).size(), 3u);
  EXPECT_EQ(visit(0, ReadLimits{4, 1 << 20}).size(), 4u);
  EXPECT_EQ(visit(5, ReadLimits{100, 35}).front().first, 5u);
  EXPECT_EQ(visit(5, ReadLimits{100, 35}).size(), 3u);
  EXPECT_EQ(visit(0, ReadLimits{100, 1}).size(), 1u);  // always at least one
  EXPECT_TRUE(visit(21, {}).empty());
  EXPECT_EQ(*log_->read_each("missing", 0, {}, [](uint64_t, int64_t, std::string_view) {}), 0u);
}

TEST_F(LogTest, ArrivalTimeNeverGoesBackAndSeqAtTime) {
  append("p", {"1"});  // t0
  clock_.advance(100ms);
  append("p", {"2", "3"});  // t0+100
  clock_.set(clock_.now() - 1s);
  Appended late = append("p", {"4"});  // the clock stepped back: stays t0+100
  int64_t t0 = late.arrival_ms - 100;
  clock_.advance(2s);
  append("p", {"5"});  // t0+1100

  auto r = log_->read("p", 0);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[3].arrival_ms, t0 + 100);
  EXPECT_EQ(*log_->seq_at_time("p", t0).value(), 1u);
  EXPECT_EQ(*log_->seq_at_time("p", t0 + 1).value(), 2u);
  EXPECT_EQ(*log_->seq_at_time("p", t0 + 100).value(), 2u);
  EXPECT_EQ(*log_->seq_at_time("p", t0 + 101).value(), 5u);
  EXPECT_EQ(*log_->seq_at_time("p", t0 + 5000).value(), 6u);  // next_seq: nothing yet
  EXPECT_FALSE(log_->seq_at_time("nope", 0).value().has_value());
}

TEST_F(LogTest, SequencesSurviveRestart) {
  append("p", {"a", "b", "c"});
  append("q", {"z"});
  reopen();
  EXPECT_EQ(seqs("p"), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(append("p", {"d"}).first_seq, 4u);
  EXPECT_EQ(log_->info("p")->bytes, 4u);
  EXPECT_EQ(log_->partitions(), (std::vector<std::string>{"p", "q"}));
}

TEST_F(LogTest, TrimBySequenceAgeAndSize) {
  for (int i = 0; i < 10; ++i) {
    append("p", {std::string(10, 'a' + i)});
    clock_.advance(1s);
  }
  int64_t start = clock_.now_millis() - 10'000;
  ASSERT_TRUE(trim([&](auto done) { log_->trim("p", 3, done); }));
  EXPECT_EQ(seqs("p").front(), 3u);
  EXPECT_EQ(log_->info("p")->bytes, 80u);
  // Arrived before start + 5 s: seqs 1..5.
  ASSERT_TRUE(trim([&](auto done) { log_->trim_older_than("p", start + 5000, done); }));
  EXPECT_EQ(seqs("p").front(), 6u);
  ASSERT_TRUE(trim([&](auto done) { log_->trim_to_bytes("p", 25, done); }));
  EXPECT_EQ(seqs("p"), (std::vector<uint64_t>{9, 10}));
  EXPECT_EQ(log_->info("p")->bytes, 20u);
  // Reading below the trim point starts at the first record.
  EXPECT_EQ(seqs("p", 1).front(), 9u);

  // Trimming everything keeps the partition and its sequence, also after a restart.
  ASSERT_TRUE(trim([&](auto done) { log_->trim("p", 100, done); }));
  EXPECT_TRUE(seqs("p").empty());
  reopen();
  auto info = log_->info("p");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->first_seq, 11u);
  EXPECT_EQ(info->bytes, 0u);
  EXPECT_EQ(append("p", {"next"}).first_seq, 11u);
}

TEST_F(LogTest, RemovedPartitionIsGoneButSequencesAreNotReused) {
  append("p", {"a", "b"});
  append("q", {"z"});
  ASSERT_TRUE(trim([&](auto done) { log_->remove("p", done); }));
  EXPECT_FALSE(log_->info("p"));
  EXPECT_EQ(log_->partitions(), (std::vector<std::string>{"q"}));
  reopen();
  EXPECT_EQ(log_->partitions(), (std::vector<std::string>{"q"}));
  EXPECT_TRUE(seqs("p").empty());
  EXPECT_EQ(append("p", {"c"}).first_seq, 3u);
  EXPECT_EQ(seqs("p"), (std::vector<uint64_t>{3}));
  EXPECT_EQ(seqs("q"), (std::vector<uint64_t>{1}));
}

TEST_F(LogTest, AppendCommitsTheCallersBatchAtomically) {
  WriteBatch with;
  with.put("test.items", "k", "v");
  with.add_partition("table/k");
  auto before = storage_->stats();
  ASSERT_TRUE(log_->append_sync("p", {"change"}, std::move(with)));
  EXPECT_EQ(**storage_->records("test.items").get("k"), "v");
  EXPECT_EQ(storage_->stats().cross_partition, before.cross_partition + 1);
}

TEST_F(LogTest, WaitWakesOnAppendOrDeadline) {
  append("p", {"a"});
  // A record after 0 exists: ready at once.
  std::promise<Log::WaitOutcome> now;
  log_->wait("p", 0, clock_.now() + 1h, [&](Log::WaitOutcome o) { now.set_value(o); });
  EXPECT_EQ(now.get_future().get(), Log::WaitOutcome::kReady);

  std::promise<Log::WaitOutcome> later;
  log_->wait("p", 1, clock_.now() + 1h, [&](Log::WaitOutcome o) { later.set_value(o); });
  auto f = later.get_future();
  EXPECT_EQ(f.wait_for(0ms), std::future_status::timeout);
  append("p", {"b"});
  EXPECT_EQ(f.get(), Log::WaitOutcome::kReady);

  // A missing partition waits for its first append.
  std::promise<Log::WaitOutcome> fresh;
  log_->wait("new", 0, Clock::time_point::max(), [&](Log::WaitOutcome o) { fresh.set_value(o); });
  append("new", {"x"});
  EXPECT_EQ(fresh.get_future().get(), Log::WaitOutcome::kReady);

  std::promise<Log::WaitOutcome> expires;
  log_->wait("p", 2, clock_.now() + 20ms, [&](Log::WaitOutcome o) { expires.set_value(o); });
  clock_.advance(20ms);  // fires the deadline on a clock that drives the Scheduler
  EXPECT_EQ(expires.get_future().get(), Log::WaitOutcome::kDeadline);

  std::promise<Log::WaitOutcome> closed;
  log_->wait("p", 2, clock_.now() + 1h, [&](Log::WaitOutcome o) { closed.set_value(o); });
  log_.reset();
  EXPECT_EQ(closed.get_future().get(), Log::WaitOutcome::kClosed);
}

TEST_F(LogTest, RemoveFinishesWaitsOnThePartition) {
  append("p", {"a"});
  append("q", {"a"});
  std::promise<Log::WaitOutcome> on_p;
  bool on_q = false;
  log_->wait("p", 1, clock_.now() + 1h, [&](Log::WaitOutcome o) { on_p.set_value(o); });
  auto q_wait = log_->wait("q", 1, clock_.now() + 1h, [&](Log::WaitOutcome) { on_q = true; });
  ASSERT_TRUE(trim([&](auto done) { log_->remove("p", done); }));
  EXPECT_EQ(on_p.get_future().get(), Log::WaitOutcome::kClosed);
  EXPECT_FALSE(on_q);
  EXPECT_TRUE(log_->cancel_wait(q_wait));
}

TEST_F(LogTest, CancelledWaitDoesNotWake) {
  bool woke = false;
  auto id = log_->wait("p", 0, clock_.now() + 1h, [&](Log::WaitOutcome) { woke = true; });
  EXPECT_TRUE(log_->cancel_wait(id));
  EXPECT_FALSE(log_->cancel_wait(id));
  append("p", {"a"});
  EXPECT_FALSE(woke);
}

TEST_F(LogTest, ConcurrentAppendersGetDenseDistinctSequences) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(log_->append_sync("p", {"r", "s"}));
    });
  }
  for (auto& t : threads) t.join();
  auto all = seqs("p", 0, ReadLimits{1000, 1 << 20});
  ASSERT_EQ(all.size(), 400u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
}

// A log's records of 256 bytes and more are kept in blob files, out of the
// LSM tree's compactions (storage.cc, log_family_options); documents of
// other namespaces are not. Close flushes the memtables.
TEST_F(LogTest, LargeRecordsGoToBlobFilesAndOtherRecordsDoNot) {
  auto blob_files = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/db")) {
      if (e.path().extension() == ".blob") ++n;
    }
    return n;
  };
  std::promise<Status> put;
  WriteBatch doc;
  doc.put("test.documents", "k", std::string(4096, 'd'));
  storage_->commit(std::move(doc), [&put](Status st) { put.set_value(std::move(st)); });
  ASSERT_TRUE(put.get_future().get());
  reopen();
  EXPECT_EQ(blob_files(), 0u);
  append("p", {std::string(1024, 'r'), std::string(1024, 's')});
  reopen();
  EXPECT_EQ(blob_files(), 1u);
  auto r = log_->read("p", 0);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].data, std::string(1024, 's'));
  auto d = storage_->records("test.documents").get("k");
  ASSERT_TRUE(d && d->has_value());
  EXPECT_EQ((*d)->size(), 4096u);
}

// A data directory from before log records had a column family of their
// own: RocksDB's default family only, holding a Log's records and partition
// documents in Log's layout next to a plain namespace. It opens with every
// record readable (moved into the log family by Log::open, in more than one
// batch), appends continue after them, and it reopens the same way.
TEST(LogFamily, OpensADataDirectoryWrittenBeforeTheLogFamily) {
  testing::TempDir dir;
  const std::string ns = "test.before-log-family";  // never a Log before this test
  const std::string partition_key = encode_key(std::string_view("p"));
  auto data = [](uint64_t seq) {
    std::string d(20000, 'x');  // 300 of them: more than one 4 MB move batch
    char head[16];
    std::snprintf(head, sizeof head, "%08llu", static_cast<unsigned long long>(seq));
    d.replace(0, 8, head);
    return d;
  };
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.path() + "/db", &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::WriteOptions wo;
    std::string meta = KeyBuilder().u64(1).i64(1000).u64(0).bytes();
    ASSERT_TRUE(db->Put(wo, keys::encode(ns + ".partitions", partition_key), meta).ok());
    for (uint64_t seq = 1; seq <= 300; ++seq) {
      std::string key = KeyBuilder().tail(partition_key).u64(seq).bytes();
      std::string value = KeyBuilder()
                              .i64(1000 + static_cast<int64_t>(seq))
                              .u64((seq - 1) * data(seq).size())
                              .bytes() +
                          data(seq);
      ASSERT_TRUE(db->Put(wo, keys::encode(ns, key), value).ok());
    }
    ASSERT_TRUE(db->Put(wo, keys::encode("test.plain", "k"), "v").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  ManualClock clock{Clock::time_point(1'700'000'000'000ms)};
  SystemClock timer_clock;
  Scheduler scheduler{timer_clock};
  for (int round = 0; round < 2; ++round) {
    auto storage = Storage::open(Options{dir.path(), Durability::kSync});
    ASSERT_TRUE(storage) << storage.error().message;
    auto log = Log::open(**storage, ns, clock, scheduler);
    ASSERT_TRUE(log) << log.error().message;
    auto info = (*log)->info("p");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->first_seq, 1u);
    EXPECT_EQ(info->next_seq, round == 0 ? 301u : 302u);
    auto all = (*log)->read("p", 0, ReadLimits{1000, 64 << 20});
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), round == 0 ? 300u : 301u);
    for (uint64_t seq = 1; seq <= 300; ++seq) {
      EXPECT_EQ((*all)[seq - 1].seq, seq);
      EXPECT_EQ((*all)[seq - 1].arrival_ms, 1000 + static_cast<int64_t>(seq));
      EXPECT_EQ((*all)[seq - 1].data, data(seq));
    }
    if (round == 0) {
      auto appended = (*log)->append_sync("p", {"after"});
      ASSERT_TRUE(appended) << appended.error().message;
      EXPECT_EQ(appended->first_seq, 301u);
    } else {
      EXPECT_EQ(all->back().data, "after");
    }
    auto plain = (*storage)->records("test.plain").get("k");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->value_or(""), "v");
  }
}

}  // namespace
}  // namespace nimbus::storage
