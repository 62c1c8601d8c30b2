// DynamoDB compare-and-set counter: N clients (threads, one keep-alive
// connection each) increment one counter item. Each round is a GetItem
// with ConsistentRead, then UpdateItem `SET c = :n` on the condition
// `c = :v` (the value read plus one); a ConditionalCheckFailedException is a
// conflict and the client reads again. A C++ client so that the client side
// costs little CPU next to the server on a 2-core machine (16 boto3 threads
// measure the GIL, not the server).
//
// It creates the table when it is missing (pk S, sk N, on demand), writes
// c = 0 at the start, runs a 1 s warm-up and the measured window, then
// reads the counter back. Lost updates = successful updates - final value:
// the server must answer 0. One JSON line: updates/s, rounds, conflicts,
// errors, lost, p50/p99 of GetItem and UpdateItem. Exit status 1 on a lost
// update.
//
// The HTTP client and the signer are bench/loadgen_http.h.

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "loadgen_http.h"

namespace {

namespace json = boost::json;
using nimbus::bench::Connection;
using nimbus::bench::ErrorLog;
using nimbus::bench::HttpResponse;
using Steady = std::chrono::steady_clock;

struct Options {
  nimbus::bench::Endpoint endpoint;
  std::string table = "cas";
  int clients = 16;
  double seconds = 10;
  double warmup = 1;
};

Options parse_args(int argc, char** argv) {
  Options o;
  CLI::App app("DynamoDB compare-and-set counter: N clients increment one item with a condition");
  nimbus::bench::add_endpoint(app, o.endpoint);
  app.add_option("--table", o.table);
  app.add_option("--clients", o.clients)->check(CLI::PositiveNumber);
  app.add_option("--seconds", o.seconds)->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup)->check(CLI::NonNegativeNumber);
  nimbus::bench::parse_or_exit(app, argc, argv);
  return o;
}

class Signer : public nimbus::bench::Signer {
 public:
  explicit Signer(const Options& o)
      : nimbus::bench::Signer(o.endpoint, "dynamodb", "DynamoDB_20120810") {}
};

enum Op { kGet, kUpdate, kOpCount };
constexpr const char* kOpNames[kOpCount] = {"GetItem", "UpdateItem"};

struct ClientStats {
  // Over the whole run, warm-up included (for the lost-update check).
  uint64_t updates = 0;
  // Inside the measured window only.
  uint64_t window_updates = 0, window_conflicts = 0, window_errors = 0, window_rounds = 0;
  uint64_t errors = 0;
  std::vector<uint32_t> latency_us[kOpCount];
};

struct Shared {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
};

json::object key() {
  return json::object{{"pk", json::object{{"S", "counter"}}}, {"sk", json::object{{"N", "0"}}}};
}

std::string error_type(const HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return {};
  const json::value* t = v.as_object().if_contains("__type");
  if (t == nullptr || !t->is_string()) return {};
  std::string s(t->as_string());
  auto hash = s.rfind('#');
  return hash == std::string::npos ? s : s.substr(hash + 1);
}

// The counter's value from a GetItem answer; nullopt when it is unreadable.
std::optional<int64_t> counter_of(const HttpResponse& r) {
  if (r.status != 200) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* item = v.as_object().if_contains("Item");
  if (item == nullptr || !item->is_object()) return std::nullopt;
  const auto* c = item->as_object().if_contains("c");
  if (c == nullptr || !c->is_object()) return std::nullopt;
  const auto* n = c->as_object().if_contains("N");
  if (n == nullptr || !n->is_string()) return std::nullopt;
  return std::strtoll(std::string(n->as_string()).c_str(), nullptr, 10);
}

HttpResponse timed(Connection& c, const std::string& wire, Op op, ClientStats& st, bool in_window) {
  auto t0 = Steady::now();
  HttpResponse r = c.round_trip(wire);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - t0).count();
  if (in_window) st.latency_us[op].push_back(static_cast<uint32_t>(us));
  return r;
}

void client(const Options& o, ClientStats& st, const Shared& sh, ErrorLog& log) {
  Signer signer(o);
  Connection conn(o.endpoint);
  const std::string get = signer.request(
      "GetItem", json::serialize(json::object{
                     {"TableName", o.table}, {"Key", key()}, {"ConsistentRead", true}}));
  while (!sh.stop.load(std::memory_order_relaxed)) {
    bool win = sh.measuring.load(std::memory_order_relaxed);
    try {
      if (win) ++st.window_rounds;
      HttpResponse g = timed(conn, get, kGet, st, win);
      auto v = counter_of(g);
      if (!v) {
        ++st.errors;
        if (win) ++st.window_errors;
        log.report("GetItem", "HTTP " + std::to_string(g.status) + ": " + g.body);
        continue;
      }
      json::object update{{"TableName", o.table},
                          {"Key", key()},
                          {"UpdateExpression", "SET c = :n"},
                          {"ConditionExpression", "c = :v"},
                          {"ExpressionAttributeValues",
                           json::object{{":v", json::object{{"N", std::to_string(*v)}}},
                                        {":n", json::object{{"N", std::to_string(*v + 1)}}}}}};
      HttpResponse u =
          timed(conn, signer.request("UpdateItem", json::serialize(update)), kUpdate, st, win);
      if (u.status == 200) {
        ++st.updates;
        if (win) ++st.window_updates;
      } else if (error_type(u) == "ConditionalCheckFailedException") {
        if (win) ++st.window_conflicts;
      } else {
        ++st.errors;
        if (win) ++st.window_errors;
        log.report("UpdateItem", "HTTP " + std::to_string(u.status) + ": " + u.body);
      }
    } catch (const std::exception& e) {
      ++st.errors;
      if (win) ++st.window_errors;
      log.report("connection", e.what());
      conn.close();
    }
  }
}

// A control-plane call on a short-lived connection.
HttpResponse call(const Options& o, std::string_view op, const json::object& body) {
  Signer signer(o);
  Connection conn(o.endpoint);
  return conn.round_trip(signer.request(op, json::serialize(body)));
}

json::value ok(const HttpResponse& r, std::string_view op) {
  if (r.status != 200)
    throw std::runtime_error(std::string(op) + ": HTTP " + std::to_string(r.status) + ": " +
                             r.body);
  return json::parse(r.body);
}

void ensure_table(const Options& o) {
  HttpResponse d = call(o, "DescribeTable", {{"TableName", o.table}});
  if (d.status != 200) {
    json::object create{
        {"TableName", o.table},
        {"BillingMode", "PAY_PER_REQUEST"},
        {"AttributeDefinitions",
         json::array{json::object{{"AttributeName", "pk"}, {"AttributeType", "S"}},
                     json::object{{"AttributeName", "sk"}, {"AttributeType", "N"}}}},
        {"KeySchema", json::array{json::object{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                                  json::object{{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}}};
    ok(call(o, "CreateTable", create), "CreateTable");
  }
  auto deadline = Steady::now() + std::chrono::seconds(30);
  for (;;) {
    json::value t = ok(call(o, "DescribeTable", {{"TableName", o.table}}), "DescribeTable");
    if (t.at("Table").at("TableStatus").as_string() == "ACTIVE") return;
    if (Steady::now() > deadline) throw std::runtime_error("the table did not become ACTIVE");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  try {
    ensure_table(o);
    json::object item = key();
    item["c"] = json::object{{"N", "0"}};
    ok(call(o, "PutItem", {{"TableName", o.table}, {"Item", item}}), "PutItem");

    Shared sh;
    ErrorLog log("dynamodb_cas");
    std::vector<ClientStats> stats(static_cast<size_t>(o.clients));
    std::vector<std::thread> threads;
    for (int i = 0; i < o.clients; ++i) {
      threads.emplace_back([&, i] { client(o, stats[static_cast<size_t>(i)], sh, log); });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
    sh.measuring = true;
    auto t0 = Steady::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    sh.measuring = false;
    double elapsed = std::chrono::duration<double>(Steady::now() - t0).count();
    sh.stop = true;
    for (auto& t : threads) t.join();

    ClientStats total;
    for (auto& st : stats) {
      total.updates += st.updates;
      total.errors += st.errors;
      total.window_updates += st.window_updates;
      total.window_conflicts += st.window_conflicts;
      total.window_errors += st.window_errors;
      total.window_rounds += st.window_rounds;
      for (int op = 0; op < kOpCount; ++op)
        total.latency_us[op].insert(total.latency_us[op].end(), st.latency_us[op].begin(),
                                    st.latency_us[op].end());
    }
    json::value got =
        ok(call(o, "GetItem", {{"TableName", o.table}, {"Key", key()}, {"ConsistentRead", true}}),
           "GetItem");
    int64_t final_value =
        std::strtoll(std::string(got.at("Item").at("c").at("N").as_string()).c_str(), nullptr, 10);
    int64_t lost = static_cast<int64_t>(total.updates) - final_value;

    using nimbus::bench::round3;
    json::object out;
    out["clients"] = o.clients;
    out["seconds"] = round3(elapsed);
    out["updates_per_s"] = round3(static_cast<double>(total.window_updates) / elapsed);
    out["rounds_per_s"] = round3(static_cast<double>(total.window_rounds) / elapsed);
    out["updates"] = total.updates;
    out["conflicts"] = total.window_conflicts;
    out["errors"] = total.errors;
    out["final"] = final_value;
    out["lost"] = lost;
    json::object ops;
    for (int op = 0; op < kOpCount; ++op) {
      auto& v = total.latency_us[op];
      if (v.empty()) continue;
      size_t n = v.size();
      double p50 = nimbus::bench::percentile_ms(v, 0.50);
      double p99 = nimbus::bench::percentile_ms(v, 0.99);
      ops[kOpNames[op]] =
          json::object{{"count", n}, {"p50_ms", round3(p50)}, {"p99_ms", round3(p99)}};
    }
    out["ops"] = std::move(ops);
    std::printf("%s\n", json::serialize(out).c_str());
    return lost == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dynamodb_cas: %s\n", e.what());
    return 2;
  }
}
