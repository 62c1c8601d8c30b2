// Kinesis read-back for bench/kinesis_bench.py: one thread per shard, each on
// its own keep-alive connection, reads the shard from TRIM_HORIZON with
// signed GetRecords calls (Limit 10,000) until a call returns no records with
// MillisBehindLatest 0. A C++ client so that the figure measures the server
// rather than the reader: boto3 spends most of a call decoding the base64 of
// 10,000 records.
//
// Prints one JSON line: {"records": N, "bytes": B, "calls": C, "seconds": S}
// (bytes: the records' data after base64 decoding).

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "loadgen_http.h"

namespace {

namespace json = boost::json;
using nimbus::bench::Connection;
using nimbus::bench::HttpResponse;

struct Options {
  nimbus::bench::Endpoint endpoint;
  std::string stream = "bench";
};

Options parse_args(int argc, char** argv) {
  Options o;
  CLI::App app("Kinesis reader: a thread per shard reads the stream from TRIM_HORIZON to its end");
  nimbus::bench::add_endpoint(app, o.endpoint);
  app.add_option("--stream", o.stream);
  nimbus::bench::parse_or_exit(app, argc, argv);
  return o;
}

class Client {
 public:
  explicit Client(const Options& o)
      : signer_(o.endpoint, "kinesis", "Kinesis_20131202", "application/x-amz-json-1.1"),
        conn_(o.endpoint) {}

  // Throws std::runtime_error unless the call answers 200. The answer is
  // parsed into `sp` (default: the heap).
  json::value call(std::string_view op, const json::object& body, json::storage_ptr sp = {}) {
    HttpResponse r = conn_.round_trip(signer_.request(op, json::serialize(body)));
    if (r.status != 200)
      throw std::runtime_error(std::string(op) + ": HTTP " + std::to_string(r.status) + ": " +
                               r.body);
    return json::parse(r.body, std::move(sp));
  }

 private:
  nimbus::bench::Signer signer_;
  Connection conn_;
};

// Room for one parsed GetRecords answer of 10,000 1 KiB records (its
// strings, the records' objects and the array); a larger one spills to the
// heap (monotonic_resource's upstream).
constexpr size_t kArenaBytes = 24 << 20;

struct ShardStats {
  uint64_t records = 0, bytes = 0, calls = 0;
  std::string error;
};

void read_shard(const Options& o, const std::string& shard_id, ShardStats& st) {
  try {
    Client c(o);
    json::value it = c.call("GetShardIterator", {{"StreamName", o.stream},
                                                 {"ShardId", shard_id},
                                                 {"ShardIteratorType", "TRIM_HORIZON"}})
                         .at("ShardIterator");
    std::string decoded;
    // Each answer (up to 10,000 records, ~14 MB) is parsed into one buffer
    // reused call after call, as a client reading a stream would, instead of
    // an allocation and a free per string: this reader shares the machine's
    // cores with the server it measures.
    std::unique_ptr<unsigned char[]> arena(new unsigned char[kArenaBytes]);  // not zeroed
    while (it.is_string()) {
      json::monotonic_resource mr(arena.get(), kArenaBytes);
      json::value out =
          c.call("GetRecords", {{"ShardIterator", it}, {"Limit", 10000}}, json::storage_ptr(&mr));
      ++st.calls;
      const json::array& records = out.at("Records").as_array();
      for (const json::value& r : records) {
        const json::string& data = r.at("Data").as_string();
        decoded.resize(nimbus::base64_decoded_max(data.size()));
        auto n = nimbus::base64_decode_to(data, decoded.data());
        if (!n) throw std::runtime_error("a record's Data is not base64");
        st.bytes += *n;
      }
      st.records += records.size();
      const json::value* behind = out.as_object().if_contains("MillisBehindLatest");
      if (records.empty() && (!behind || behind->to_number<int64_t>() == 0)) break;
      const json::value* next = out.as_object().if_contains("NextShardIterator");
      it = next ? json::value(*next, json::storage_ptr()) : json::value(nullptr);  // off the arena
    }
  } catch (const std::exception& e) {
    st.error = e.what();
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  std::vector<std::string> shard_ids;
  try {
    Client c(o);
    json::value shards = c.call("ListShards", {{"StreamName", o.stream}});
    for (const json::value& s : shards.at("Shards").as_array())
      shard_ids.emplace_back(s.at("ShardId").as_string());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kinesis_reader: ListShards: %s\n", e.what());
    return 1;
  }
  std::vector<ShardStats> stats(shard_ids.size());
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (size_t i = 0; i < shard_ids.size(); ++i)
    threads.emplace_back([&, i] { read_shard(o, shard_ids[i], stats[i]); });
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ShardStats total;
  for (const ShardStats& st : stats) {
    total.records += st.records;
    total.bytes += st.bytes;
    total.calls += st.calls;
    if (!st.error.empty()) {
      std::fprintf(stderr, "kinesis_reader: %s\n", st.error.c_str());
      total.error = st.error;
    }
  }
  std::printf("%s\n", json::serialize(json::object{{"records", total.records},
                                                   {"bytes", total.bytes},
                                                   {"calls", total.calls},
                                                   {"seconds", seconds}})
                          .c_str());
  return total.error.empty() ? 0 : 1;
}
