// The aggregating function of bench/stream_pattern_bench.py (a native
// `provided` function): for each Kinesis batch it counts the click events
// per page and adds the counts to the table named by $TABLE with one
// UpdateItem (`ADD clicks :n`) per page, signed and sent to
// $AWS_ENDPOINT_URL. A failed UpdateItem fails the invocation (Lambda then
// retries the batch).
//
// Each record's data is `{"k":"page-K","t":SEND_US}` (bench/stream_loadgen);
// the function takes the wall-clock time it started and logs, per batch, one
// line with a histogram of send → start latencies:
//   SPBENCH <records> <upper bound ms>:<count>,...
// The bounds are a fixed 1-2-3-5 ladder, so the bench merges the lines of
// every environment and reads percentiles off the merged histogram.

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "common/encoding.h"
#include "loadgen_http.h"
#include "runtime/sdk/lambda_function.h"

namespace {

namespace json = boost::json;

constexpr std::array<long long, 22> kBoundsMs = {1,    2,    3,     5,     10,    20,   30,   50,
                                                 100,  200,  300,   500,   750,   1000, 1500, 2000,
                                                 3000, 5000, 10000, 20000, 30000, 60000};

size_t bucket_of(long long ms) {
  for (size_t i = 0; i < kBoundsMs.size(); ++i)
    if (ms <= kBoundsMs[i]) return i;
  return kBoundsMs.size();  // beyond the last bound
}

long long now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

nimbus::bench::Endpoint endpoint_from_env() {
  nimbus::bench::Endpoint e;
  if (const char* url = std::getenv("AWS_ENDPOINT_URL")) nimbus::bench::parse_endpoint(url, e);
  return e;
}

class Table {
 public:
  Table()
      : table_(std::getenv("TABLE") ? std::getenv("TABLE") : "click-counts"),
        endpoint_(endpoint_from_env()),
        signer_(endpoint_, "dynamodb", "DynamoDB_20120810"),
        conn_(endpoint_) {}

  // Adds `n` to the page's clicks; false (and `error` set) when refused.
  bool add(const std::string& page, unsigned long long n, std::string& error) {
    json::object req{{"TableName", table_},
                     {"Key", json::object{{"page", json::object{{"S", page}}}}},
                     {"UpdateExpression", "ADD clicks :n"},
                     {"ExpressionAttributeValues",
                      json::object{{":n", json::object{{"N", std::to_string(n)}}}}}};
    try {
      nimbus::bench::HttpResponse r =
          conn_.round_trip(signer_.request("UpdateItem", json::serialize(req)));
      if (r.status == 200) return true;
      error = "UpdateItem: HTTP " + std::to_string(r.status) + ": " + r.body;
    } catch (const std::exception& e) {
      error = std::string("UpdateItem: ") + e.what();
      conn_.close();
    }
    return false;
  }

 private:
  std::string table_;
  nimbus::bench::Endpoint endpoint_;
  nimbus::bench::Signer signer_;
  nimbus::bench::Connection conn_;
};

}  // namespace

int main() {
  Table table;
  return nimbus::lambda::run([&](const nimbus::lambda::Invocation& inv) {
    const long long started = now_us();
    std::map<std::string, unsigned long long> counts;
    std::array<unsigned long long, kBoundsMs.size() + 1> histogram{};
    unsigned long long records = 0;
    json::value event = json::parse(inv.payload);
    for (const json::value& r : event.at("Records").as_array()) {
      auto data = nimbus::base64_decode(r.at("kinesis").at("data").as_string());
      if (!data) return nimbus::lambda::Response::error("BadRecord", "data is not base64");
      json::value click = json::parse(*data);
      ++counts[std::string(click.at("k").as_string())];
      long long sent = click.at("t").to_number<long long>();
      ++histogram[bucket_of((started - sent) / 1000)];
      ++records;
    }
    for (const auto& [page, n] : counts) {
      std::string error;
      if (!table.add(page, n, error)) {
        for (char& c : error)
          if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = ' ';
        return nimbus::lambda::Response::error("TableError", error);
      }
    }
    std::string line = "SPBENCH " + std::to_string(records) + " ";
    bool first = true;
    for (size_t i = 0; i < histogram.size(); ++i) {
      if (histogram[i] == 0) continue;
      if (!first) line += ',';
      first = false;
      line += (i < kBoundsMs.size() ? std::to_string(kBoundsMs[i]) : std::string("inf")) + ":" +
              std::to_string(histogram[i]);
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    return nimbus::lambda::Response::ok("{}");
  });
}
