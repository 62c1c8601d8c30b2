// SQS load generator: N threads, each on one keep-alive HTTP/1.1 connection,
// speaking awsJson 1.0 with every request SigV4-signed (test/test,
// us-east-1, sqs). A C++ client so that the client side costs little CPU
// next to the server on a 2-core machine (boto3 clients saturate it first).
//
// Modes:
//   e2e   SendMessageBatch(batch) -> ReceiveMessage(max batch) ->
//         DeleteMessageBatch(receipt handles), in a loop per thread.
//         messages_per_s counts deleted messages per second.
//   send  SendMessage of one message per request, one signed request per
//         thread replayed over its connection (raw ingest).
//
// At the end it prints one JSON line: counts, rates, p50/p99 per operation,
// and a correctness check: the queue's ApproximateNumberOfMessages +
// ApproximateNumberOfMessagesNotVisible (+ Delayed) must settle to
// sent - deleted.
//
// The HTTP client and the signer are bench/loadgen_http.h.

#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
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
using nimbus::bench::percentile_ms;
using nimbus::bench::round3;
using Steady = std::chrono::steady_clock;

struct Options {
  nimbus::bench::Endpoint endpoint;
  std::string queue_url;
  std::string queue_name;
  std::string mode = "e2e";
  int threads = 4;
  double seconds = 10;
  double warmup = 1;
  int batch = 10;
  int wait_seconds = 0;
  size_t body_size = 256;
  double settle_seconds = 10;
  bool delete_queue = false;
};

Options parse_args(int argc, char** argv) {
  Options o;
  o.queue_name = "loadgen-" + std::to_string(::getpid());
  CLI::App app(
      "SQS load: signed awsJson SendMessageBatch (and receive + delete in e2e mode) from N "
      "threads over keep-alive connections");
  nimbus::bench::add_endpoint(app, o.endpoint);
  app.add_option("--queue-url", o.queue_url, "an existing queue (else one is made)");
  app.add_option("--queue-name", o.queue_name, "the queue made when no --queue-url");
  app.add_option("--mode", o.mode)->check(CLI::IsMember({"e2e", "send"}));
  app.add_option("--threads", o.threads)->check(CLI::PositiveNumber);
  app.add_option("--seconds", o.seconds)->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup)->check(CLI::NonNegativeNumber);
  app.add_option("--batch", o.batch)->check(CLI::Range(1, 10));
  app.add_option("--wait-seconds", o.wait_seconds)->check(CLI::Range(0, 20));
  app.add_option("--body-size", o.body_size)->check(CLI::PositiveNumber);
  app.add_option("--settle-seconds", o.settle_seconds)->check(CLI::NonNegativeNumber);
  app.add_flag("--delete-queue", o.delete_queue);
  nimbus::bench::parse_or_exit(app, argc, argv);
  return o;
}

// Signed SQS awsJson 1.0 requests.
class Signer : public nimbus::bench::Signer {
 public:
  explicit Signer(const Options& o) : nimbus::bench::Signer(o.endpoint, "sqs", "AmazonSQS") {}
};

enum Op { kSend, kReceive, kDelete, kSendOne, kOpCount };
constexpr const char* kOpNames[kOpCount] = {"SendMessageBatch", "ReceiveMessage",
                                            "DeleteMessageBatch", "SendMessage"};

struct ThreadStats {
  // Totals over the whole run, warm-up included (for the correctness check).
  uint64_t sent = 0, received = 0, deleted = 0, errors = 0;
  // Counted inside the measured window only.
  uint64_t window_sent = 0, window_received = 0, window_deleted = 0, window_requests = 0;
  std::vector<uint32_t> latency_us[kOpCount];
};

struct Shared {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
};

json::value parse_ok(const HttpResponse& r, std::string_view op, ErrorLog& log) {
  if (r.status != 200) {
    log.report(op, "HTTP " + std::to_string(r.status) + ": " + r.body);
    return nullptr;
  }
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) {
    log.report(op, "unparsable body: " + r.body);
    return nullptr;
  }
  return v;
}

size_t array_size(const json::value& v, std::string_view key) {
  const json::value* a = v.as_object().if_contains(key);
  return a && a->is_array() ? a->as_array().size() : 0;
}

// One timed call: the latency is recorded when inside the measured window.
HttpResponse timed(Connection& c, const std::string& wire, Op op, ThreadStats& st, const Shared& sh,
                   bool& in_window) {
  in_window = sh.measuring.load(std::memory_order_relaxed);
  auto t0 = Steady::now();
  HttpResponse r = c.round_trip(wire);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - t0).count();
  if (in_window) {
    st.latency_us[op].push_back(static_cast<uint32_t>(us));
    ++st.window_requests;
  }
  return r;
}

void e2e_thread(const Options& o, const std::string& queue_url, int index, ThreadStats& st,
                const Shared& sh, ErrorLog& log) {
  Signer signer(o);
  Connection conn(o.endpoint);
  std::string body(o.body_size, 'x');
  json::object send_req;
  send_req["QueueUrl"] = queue_url;
  json::object recv_req;
  recv_req["QueueUrl"] = queue_url;
  recv_req["MaxNumberOfMessages"] = o.batch;
  recv_req["WaitTimeSeconds"] = o.wait_seconds;
  const std::string recv_body = json::serialize(recv_req);
  uint64_t seq = 0;
  while (!sh.stop.load(std::memory_order_relaxed)) {
    try {
      bool win = false;
      json::array entries;
      for (int i = 0; i < o.batch; ++i) {
        // A distinct body per message keeps any content-based shortcut honest.
        std::string b = body;
        std::string tag = std::to_string(index) + "-" + std::to_string(seq++);
        b.replace(0, std::min(tag.size(), b.size()), tag.substr(0, b.size()));
        entries.push_back(json::object{{"Id", std::to_string(i)}, {"MessageBody", std::move(b)}});
      }
      send_req["Entries"] = std::move(entries);
      json::value sv =
          parse_ok(timed(conn, signer.request("SendMessageBatch", json::serialize(send_req)), kSend,
                         st, sh, win),
                   "SendMessageBatch", log);
      if (sv.is_null()) {
        ++st.errors;
        continue;
      }
      size_t ok = array_size(sv, "Successful");
      if (array_size(sv, "Failed") > 0) ++st.errors;
      st.sent += ok;
      if (win) st.window_sent += ok;

      json::value rv =
          parse_ok(timed(conn, signer.request("ReceiveMessage", recv_body), kReceive, st, sh, win),
                   "ReceiveMessage", log);
      if (rv.is_null()) {
        ++st.errors;
        continue;
      }
      json::array del_entries;
      if (const json::value* msgs = rv.as_object().if_contains("Messages");
          msgs && msgs->is_array()) {
        int id = 0;
        for (const json::value& m : msgs->as_array()) {
          const json::value* h = m.as_object().if_contains("ReceiptHandle");
          if (!h || !h->is_string()) continue;
          del_entries.push_back(
              json::object{{"Id", std::to_string(id++)}, {"ReceiptHandle", h->as_string()}});
        }
      }
      st.received += del_entries.size();
      if (win) st.window_received += del_entries.size();
      if (del_entries.empty()) continue;

      json::object del_req{{"QueueUrl", queue_url}, {"Entries", std::move(del_entries)}};
      json::value dv =
          parse_ok(timed(conn, signer.request("DeleteMessageBatch", json::serialize(del_req)),
                         kDelete, st, sh, win),
                   "DeleteMessageBatch", log);
      if (dv.is_null()) {
        ++st.errors;
        continue;
      }
      size_t deleted = array_size(dv, "Successful");
      if (array_size(dv, "Failed") > 0) {
        ++st.errors;
        log.report("DeleteMessageBatch", "partial failure: " + json::serialize(dv));
      }
      st.deleted += deleted;
      if (win) st.window_deleted += deleted;
    } catch (const std::exception& e) {
      ++st.errors;
      log.report("connection", e.what());
      conn.close();
    }
  }
}

void send_thread(const Options& o, const std::string& queue_url, ThreadStats& st, const Shared& sh,
                 ErrorLog& log) {
  Signer signer(o);
  Connection conn(o.endpoint);
  json::object req{{"QueueUrl", queue_url}, {"MessageBody", std::string(o.body_size, 'x')}};
  // One signed request replayed: a SigV4 signature stays valid for 15 minutes.
  const std::string wire = signer.request("SendMessage", json::serialize(req));
  while (!sh.stop.load(std::memory_order_relaxed)) {
    try {
      bool win = false;
      HttpResponse r = timed(conn, wire, kSendOne, st, sh, win);
      if (r.status != 200) {
        ++st.errors;
        log.report("SendMessage", "HTTP " + std::to_string(r.status) + ": " + r.body);
        continue;
      }
      ++st.sent;
      if (win) ++st.window_sent;
    } catch (const std::exception& e) {
      ++st.errors;
      log.report("connection", e.what());
      conn.close();
    }
  }
}

// A control-plane call on a short-lived connection; throws on failure.
json::value call(const Options& o, std::string_view target, const json::object& body) {
  Signer signer(o);
  Connection conn(o.endpoint);
  HttpResponse r = conn.round_trip(signer.request(target, json::serialize(body)));
  if (r.status != 200)
    throw std::runtime_error(std::string(target) + ": HTTP " + std::to_string(r.status) + ": " +
                             r.body);
  return json::parse(r.body);
}

uint64_t attr_count(const json::value& attrs, std::string_view name) {
  const json::value* a = attrs.as_object().if_contains("Attributes");
  if (!a || !a->is_object()) return 0;
  const json::value* v = a->as_object().if_contains(name);
  if (!v) return 0;
  if (v->is_string()) return std::strtoull(std::string(v->as_string()).c_str(), nullptr, 10);
  if (v->is_int64()) return static_cast<uint64_t>(v->as_int64());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  try {
    std::string queue_url = o.queue_url;
    if (queue_url.empty())
      queue_url = std::string(
          call(o, "CreateQueue", {{"QueueName", o.queue_name}}).at("QueueUrl").as_string());

    Shared sh;
    ErrorLog log("sqs_loadgen");
    std::vector<ThreadStats> stats(static_cast<size_t>(o.threads));
    std::vector<std::thread> threads;
    for (int i = 0; i < o.threads; ++i) {
      threads.emplace_back([&, i] {
        ThreadStats& st = stats[static_cast<size_t>(i)];
        if (o.mode == "send")
          send_thread(o, queue_url, st, sh, log);
        else
          e2e_thread(o, queue_url, i, st, sh, log);
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
    sh.measuring = true;
    auto t0 = Steady::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    sh.measuring = false;
    double elapsed = std::chrono::duration<double>(Steady::now() - t0).count();
    sh.stop = true;
    for (auto& t : threads) t.join();

    ThreadStats total;
    for (auto& st : stats) {
      total.sent += st.sent;
      total.received += st.received;
      total.deleted += st.deleted;
      total.errors += st.errors;
      total.window_sent += st.window_sent;
      total.window_received += st.window_received;
      total.window_deleted += st.window_deleted;
      total.window_requests += st.window_requests;
      for (int op = 0; op < kOpCount; ++op)
        total.latency_us[op].insert(total.latency_us[op].end(), st.latency_us[op].begin(),
                                    st.latency_us[op].end());
    }

    // Correctness: what is left in the queue must settle to sent - deleted.
    const uint64_t expected = total.sent - total.deleted;
    uint64_t visible = 0, not_visible = 0, delayed = 0;
    bool settled = false;
    auto settle_deadline = Steady::now() + std::chrono::duration<double>(o.settle_seconds);
    json::object attr_req{{"QueueUrl", queue_url},
                          {"AttributeNames", json::array{"ApproximateNumberOfMessages",
                                                         "ApproximateNumberOfMessagesNotVisible",
                                                         "ApproximateNumberOfMessagesDelayed"}}};
    for (;;) {
      json::value a = call(o, "GetQueueAttributes", attr_req);
      visible = attr_count(a, "ApproximateNumberOfMessages");
      not_visible = attr_count(a, "ApproximateNumberOfMessagesNotVisible");
      delayed = attr_count(a, "ApproximateNumberOfMessagesDelayed");
      settled = visible + not_visible + delayed == expected;
      if (settled || Steady::now() >= settle_deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (o.delete_queue) call(o, "DeleteQueue", {{"QueueUrl", queue_url}});

    json::object out;
    out["mode"] = o.mode;
    out["threads"] = o.threads;
    out["seconds"] = round3(elapsed);
    if (o.mode == "e2e") {
      out["batch"] = o.batch;
      out["wait_seconds"] = o.wait_seconds;
      out["messages_per_s"] = round3(static_cast<double>(total.window_deleted) / elapsed);
      out["sent_per_s"] = round3(static_cast<double>(total.window_sent) / elapsed);
      out["received_per_s"] = round3(static_cast<double>(total.window_received) / elapsed);
    } else {
      out["requests_per_s"] = round3(static_cast<double>(total.window_sent) / elapsed);
    }
    out["requests_per_s_all_ops"] = round3(static_cast<double>(total.window_requests) / elapsed);
    out["sent"] = total.sent;
    out["received"] = total.received;
    out["deleted"] = total.deleted;
    out["errors"] = total.errors;
    json::object ops;
    for (int op = 0; op < kOpCount; ++op) {
      auto& v = total.latency_us[op];
      if (v.empty()) continue;
      size_t n = v.size();
      double p50 = percentile_ms(v, 0.50);
      double p99 = percentile_ms(v, 0.99);
      ops[kOpNames[op]] =
          json::object{{"count", n}, {"p50_ms", round3(p50)}, {"p99_ms", round3(p99)}};
    }
    out["ops"] = std::move(ops);
    out["queue"] = json::object{{"expected", expected},
                                {"visible", visible},
                                {"not_visible", not_visible},
                                {"delayed", delayed},
                                {"settled", settled}};
    std::printf("%s\n", json::serialize(out).c_str());
    return settled ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sqs_loadgen: %s\n", e.what());
    return 2;
  }
}
