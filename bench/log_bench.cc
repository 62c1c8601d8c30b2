// log_bench: storage::Log append and read throughput against the raw RocksDB
// limit, on the same disk, in the same run.
//
//   log_bench DIR [SECONDS_PER_CASE] [sync|async]
//
// For each record size (100 B, 1 KiB) and batch size (1, 500):
//   - log: THREADS appenders, each in a loop of Log::append_sync of one batch
//     to its own partition (16 threads for batches of 1, so group commit has
//     company; 4 for batches of 500);
//   - raw: the same threads writing the same number of records of the same
//     key and value sizes straight to a RocksDB of its own in DIR, one
//     rocksdb::WriteBatch per batch with WriteOptions::sync (RocksDB's own
//     write group merges concurrent writers): what the disk and RocksDB give
//     with nothing of ours on top.
//   - limit: one raw writer whose every sync write holds THREADS x batch
//     records, the largest group our committer could form from those callers;
//     the better of raw and this is the limit the log is measured against.
// Then it reads back every partition with Log::read (1000 records a call) and
// the raw database with one iterator. Prints records/s, MB/s (payload bytes),
// log/raw and log/limit.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/scheduler.h"
#include "storage/key_codec.h"
#include "storage/log.h"

namespace {

using namespace nimbus::storage;
using Clock = std::chrono::steady_clock;

struct Rate {
  double records_per_s = 0;
  double mb_per_s = 0;
};

Rate rate(uint64_t records, size_t record_bytes, double seconds) {
  return Rate{static_cast<double>(records) / seconds,
              static_cast<double>(records * record_bytes) / seconds / 1e6};
}

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `threads` copies of `step` (which writes one batch) for `seconds`;
// returns batches written.
template <class Step>
uint64_t run_for(int threads, double seconds, Step step, double& elapsed) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> batches{0};
  std::vector<std::thread> ts;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!step(t, n++)) std::_Exit(3);
        batches.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  elapsed = since(start);
  return batches.load();
}

struct Case {
  size_t record_bytes;
  size_t batch;
  int threads;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [SECONDS_PER_CASE] [sync|async]\n", argv[0]);
    return 64;
  }
  std::string dir = argv[1];
  double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
  bool sync = !(argc > 3 && std::string(argv[3]) == "async");
  std::vector<Case> cases = {{100, 1, 16}, {100, 500, 4}, {1024, 1, 16}, {1024, 500, 4}};

  std::printf("%-6s %-6s %-4s %-5s %14s %10s %14s %10s %7s %12s %7s\n", "bytes", "batch", "thr",
              "what", "log rec/s", "log MB/s", "raw rec/s", "raw MB/s", "log/raw", "limit rec/s",
              "log/lim");
  int case_no = 0;
  for (const Case& c : cases) {
    std::string base = dir + "/case" + std::to_string(case_no++);
    std::filesystem::remove_all(base);
    std::string payload(c.record_bytes, 'x');

    // --- log ---
    auto st = Storage::open(Options{base + "/log", sync ? Durability::kSync : Durability::kAsync});
    if (!st) {
      std::fprintf(stderr, "open: %s\n", st.error().message.c_str());
      return 2;
    }
    nimbus::SystemClock clock;
    nimbus::Scheduler scheduler(clock);
    auto log = Log::open(**st, "bench.log", clock, scheduler);
    if (!log) return 2;
    std::vector<std::string> batch(c.batch, payload);
    double log_secs = 0;
    uint64_t log_batches = run_for(
        c.threads, seconds,
        [&](int t, uint64_t) {
          return static_cast<bool>((*log)->append_sync("shard-" + std::to_string(t), batch));
        },
        log_secs);
    Rate log_w = rate(log_batches * c.batch, c.record_bytes, log_secs);

    auto read_start = Clock::now();
    uint64_t read_records = 0;
    for (const auto& p : (*log)->partitions()) {
      uint64_t from = 0;
      for (;;) {
        auto page = (*log)->read(p, from, ReadLimits{1000, 64 << 20});
        if (!page || page->empty()) break;
        read_records += page->size();
        from = page->back().seq + 1;
      }
    }
    Rate log_r = rate(read_records, c.record_bytes, since(read_start));
    log->reset();
    st->reset();

    // --- raw RocksDB, same key and value sizes ---
    rocksdb::Options o;
    o.create_if_missing = true;
    o.IncreaseParallelism(2);
    o.max_background_jobs = 2;
    o.write_buffer_size = 32 << 20;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open(o, base + "/raw", &raw).ok()) return 2;
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    // The log's key is namespace + partition + seq and its value carries 16
    // bytes of arrival time and offset: write the same sizes.
    std::string value(c.record_bytes + 16, 'x');
    double raw_secs = 0;
    uint64_t raw_batches = run_for(
        c.threads, seconds,
        [&](int t, uint64_t n) {
          rocksdb::WriteBatch wb;
          std::string prefix = "bench.log" + std::string(1, '\0') +
                               encode_key(std::string_view("shard-" + std::to_string(t)));
          for (size_t i = 0; i < c.batch; ++i) {
            std::string k = KeyBuilder().tail(prefix).u64(n * c.batch + i).bytes();
            if (!wb.Put(k, value).ok()) return false;
          }
          return db->Write(wo, &wb).ok();
        },
        raw_secs);
    Rate raw_w = rate(raw_batches * c.batch, c.record_bytes, raw_secs);

    // The best raw RocksDB can do with these bytes: one writer, each sync
    // write as large as the biggest group our committer could form from
    // these callers (threads x batch records).
    double grouped_secs = 0;
    size_t group = c.batch * static_cast<size_t>(c.threads);
    uint64_t grouped_batches = run_for(
        1, seconds,
        [&](int, uint64_t n) {
          rocksdb::WriteBatch wb;
          std::string prefix =
              "bench.log" + std::string(1, '\0') + encode_key(std::string_view("grouped"));
          for (size_t i = 0; i < group; ++i) {
            std::string k = KeyBuilder().tail(prefix).u64(n * group + i).bytes();
            if (!wb.Put(k, value).ok()) return false;
          }
          return db->Write(wo, &wb).ok();
        },
        grouped_secs);
    Rate grouped_w = rate(grouped_batches * group, c.record_bytes, grouped_secs);
    Rate limit_w = grouped_w.records_per_s > raw_w.records_per_s ? grouped_w : raw_w;

    read_start = Clock::now();
    uint64_t raw_read = 0;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string copy = it->value().ToString();  // Log::read copies too
      ++raw_read;
    }
    Rate raw_r = rate(raw_read, c.record_bytes, since(read_start));
    it.reset();
    db.reset();

    std::printf("%-6zu %-6zu %-4d %-5s %14.0f %10.1f %14.0f %10.1f %6.0f%% %12.0f %6.0f%%\n",
                c.record_bytes, c.batch, c.threads, "write", log_w.records_per_s, log_w.mb_per_s,
                raw_w.records_per_s, raw_w.mb_per_s,
                100 * log_w.records_per_s / raw_w.records_per_s, limit_w.records_per_s,
                100 * log_w.records_per_s / limit_w.records_per_s);
    std::printf("%-6zu %-6zu %-4s %-5s %14.0f %10.1f %14.0f %10.1f %6.0f%%\n", c.record_bytes,
                c.batch, "1", "read", log_r.records_per_s, log_r.mb_per_s, raw_r.records_per_s,
                raw_r.mb_per_s, 100 * log_r.records_per_s / raw_r.records_per_s);
    std::fflush(stdout);
    std::filesystem::remove_all(base);
  }
  return 0;
}
