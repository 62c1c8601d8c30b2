// Kinesis producer for bench/stream_pattern_bench.py: N threads, each on one
// keep-alive HTTP/1.1 connection, send SigV4-signed PutRecords calls of
// --batch small click events at a paced aggregate --rate (records/s) for
// --seconds. Each record's data is `{"k":"page-K","t":SEND_US}`: the page it
// counts for and the wall-clock microsecond its call was sent, so the
// consuming function can measure send → function per record. The partition
// key is the page.
//
// Pacing is open-loop per thread: call i is due at start + i * interval; a
// thread that falls behind sends at once and the achieved rate shows it.
// Records a call's answer lists with an ErrorCode are counted as failed and
// not resent (they were not stored).
//
// At the end it prints one JSON line: acknowledged records per page, totals,
// rates and PutRecords latency percentiles.

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "loadgen_http.h"

namespace {

namespace json = boost::json;
using nimbus::bench::Connection;
using nimbus::bench::ErrorLog;
using nimbus::bench::HttpResponse;
using Steady = std::chrono::steady_clock;

struct Options {
  nimbus::bench::Endpoint endpoint;
  std::string stream = "clicks";
  double rate = 10000;
  double seconds = 10;
  int threads = 4;
  int batch = 500;
  int pages = 50;
};

Options parse_args(int argc, char** argv) {
  Options o;
  CLI::App app(
      "Paced Kinesis producer: signed PutRecords of click events, each carrying its send time");
  nimbus::bench::add_endpoint(app, o.endpoint);
  app.add_option("--stream", o.stream);
  app.add_option("--rate", o.rate, "records/s over all threads")->check(CLI::PositiveNumber);
  app.add_option("--seconds", o.seconds)->check(CLI::PositiveNumber);
  app.add_option("--threads", o.threads)->check(CLI::PositiveNumber);
  app.add_option("--batch", o.batch, "records per PutRecords")->check(CLI::Range(1, 500));
  app.add_option("--pages", o.pages, "distinct page keys")->check(CLI::PositiveNumber);
  nimbus::bench::parse_or_exit(app, argc, argv);
  return o;
}

long long now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

struct ThreadStats {
  std::vector<uint64_t> acked_per_page;
  uint64_t acked = 0, failed = 0, calls = 0, errors = 0;
  std::vector<uint32_t> latency_us;
};

// One PutRecords body: `batch` records, pages taken round-robin from `next`.
std::string put_records_body(const Options& o, uint64_t& next, long long sent_us,
                             std::vector<int>& pages) {
  json::array records;
  records.reserve(static_cast<size_t>(o.batch));
  pages.clear();
  for (int i = 0; i < o.batch; ++i) {
    int page = static_cast<int>(next++ % static_cast<uint64_t>(o.pages));
    pages.push_back(page);
    std::string key = "page-" + std::to_string(page);
    std::string data = "{\"k\":\"" + key + "\",\"t\":" + std::to_string(sent_us) + "}";
    records.push_back(
        json::object{{"Data", nimbus::base64_encode(data)}, {"PartitionKey", std::move(key)}});
  }
  return json::serialize(json::object{{"StreamName", o.stream}, {"Records", std::move(records)}});
}

void producer(const Options& o, int index, ThreadStats& st, ErrorLog& log) {
  nimbus::bench::Signer signer(o.endpoint, "kinesis", "Kinesis_20131202",
                               "application/x-amz-json-1.1");
  Connection conn(o.endpoint);
  st.acked_per_page.assign(static_cast<size_t>(o.pages), 0);
  const double calls_per_s = o.rate / o.batch / o.threads;
  const auto interval = std::chrono::duration_cast<Steady::duration>(
      std::chrono::duration<double>(1.0 / calls_per_s));
  // Threads start staggered across one interval so their calls interleave.
  const auto start = Steady::now() + interval * index / o.threads;
  const auto end = Steady::now() + std::chrono::duration_cast<Steady::duration>(
                                       std::chrono::duration<double>(o.seconds));
  uint64_t next = static_cast<uint64_t>(index);
  std::vector<int> pages;
  for (uint64_t i = 0;; ++i) {
    auto due = start + interval * static_cast<long long>(i);
    if (due >= end) break;
    std::this_thread::sleep_until(due);
    try {
      std::string wire = signer.request("PutRecords", put_records_body(o, next, now_us(), pages));
      auto t0 = Steady::now();
      HttpResponse r = conn.round_trip(wire);
      st.latency_us.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - t0).count()));
      ++st.calls;
      if (r.status != 200) {
        ++st.errors;
        st.failed += pages.size();
        log.report("PutRecords", "HTTP " + std::to_string(r.status) + ": " + r.body);
        continue;
      }
      json::value v = json::parse(r.body);
      const json::array& results = v.at("Records").as_array();
      for (size_t k = 0; k < results.size() && k < pages.size(); ++k) {
        if (results[k].as_object().contains("ErrorCode")) {
          ++st.failed;
        } else {
          ++st.acked;
          ++st.acked_per_page[static_cast<size_t>(pages[k])];
        }
      }
    } catch (const std::exception& e) {
      ++st.errors;
      st.failed += pages.size();
      log.report("connection", e.what());
      conn.close();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  ErrorLog log("stream_loadgen");
  std::vector<ThreadStats> stats(static_cast<size_t>(o.threads));
  std::vector<std::thread> threads;
  auto t0 = Steady::now();
  for (int i = 0; i < o.threads; ++i)
    threads.emplace_back([&, i] { producer(o, i, stats[static_cast<size_t>(i)], log); });
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Steady::now() - t0).count();

  ThreadStats total;
  total.acked_per_page.assign(static_cast<size_t>(o.pages), 0);
  for (auto& st : stats) {
    total.acked += st.acked;
    total.failed += st.failed;
    total.calls += st.calls;
    total.errors += st.errors;
    for (size_t p = 0; p < st.acked_per_page.size(); ++p)
      total.acked_per_page[p] += st.acked_per_page[p];
    total.latency_us.insert(total.latency_us.end(), st.latency_us.begin(), st.latency_us.end());
  }
  json::object per_page;
  for (size_t p = 0; p < total.acked_per_page.size(); ++p)
    per_page["page-" + std::to_string(p)] = total.acked_per_page[p];
  json::object out;
  out["target_rate"] = o.rate;
  out["seconds"] = nimbus::bench::round3(elapsed);
  out["acked"] = total.acked;
  out["failed"] = total.failed;
  out["calls"] = total.calls;
  out["errors"] = total.errors;
  out["acked_per_s"] = nimbus::bench::round3(static_cast<double>(total.acked) / elapsed);
  out["put_p50_ms"] = nimbus::bench::percentile_ms(total.latency_us, 0.50);
  out["put_p99_ms"] = nimbus::bench::percentile_ms(total.latency_us, 0.99);
  out["acked_per_page"] = std::move(per_page);
  std::printf("%s\n", json::serialize(out).c_str());
  return total.errors == 0 ? 0 : 1;
}
