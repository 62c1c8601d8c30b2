// Tumbling windows (state carried between invocations, the final invocation,
// windows cut at their boundary, the state across a restart),
// ParallelizationFactor (concurrent batches, per-key order, the checkpoint
// after the round) and the invocation's request id in the on-failure record,
// on the stream poller's fixture and its SimulatedClock.
#include "events/stream_window.h"

#include "common/time_format.h"
#include "events/stream_poller_fixture.h"

namespace nimbus::events {
namespace {

using namespace stream_testing;
namespace json = boost::json;
using namespace std::chrono_literals;
using Kind = InvokeOutcome::Kind;

const std::string kShard = "shardId-000000000000";

// Counts the records of each window in state "n"; the final call answers
// nothing (as AWS's examples do).
InvokeOutcome count_records(const json::object& event) {
  if (event.at("isFinalInvokeForWindow").as_bool()) return {Kind::kOk, "null"};
  int64_t n = 0;
  if (const auto* v = event.at("state").as_object().if_contains("n")) n = v->as_int64();
  n += static_cast<int64_t>(event.at("Records").as_array().size());
  return {Kind::kOk, json::serialize(json::object{{"state", json::object{{"n", n}}}})};
}

class StreamWindowTest : public StreamPollerTest {
 protected:
  StreamPollerConfig windowed(int seconds) {
    auto c = config();
    c.tumbling_window_s = seconds;
    return c;
  }
  // Moves the clock to 1 s after the start of the next window of `seconds`.
  int64_t next_window(int seconds) {
    int64_t len = int64_t{seconds} * 1000;
    int64_t start = (now_ms() / len + 1) * len;
    clock.advance(std::chrono::milliseconds(start + 1000 - now_ms()));
    return start;
  }
  json::object event(size_t i) {
    std::lock_guard l(fn.mu);
    return fn.events.at(i);
  }
  static std::string utc(int64_t ms) {
    std::string s = utc_millis(ms);
    return s.substr(0, 19) + "Z";
  }
};

TEST_F(StreamWindowTest, StateIsCarriedAndTheWindowEndsWithAFinalInvoke) {
  int64_t start = next_window(60);
  fn.respond_event = count_records;
  stream.put(kShard, "a", now_ms());
  stream.put(kShard, "b", now_ms());
  stream.put(kShard, "c", now_ms());
  this->start(windowed(60));
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }, 10ms));
  auto e = event(0);
  EXPECT_EQ(e.at("Records").as_array().size(), 3u);
  EXPECT_EQ(e.at("state"), json::object{});
  EXPECT_EQ(e.at("isFinalInvokeForWindow"), false);
  EXPECT_EQ(e.at("isWindowTerminatedEarly"), false);
  EXPECT_EQ(e.at("shardId"), json::value(kShard));
  EXPECT_EQ(e.at("eventSourceARN"), json::value(kStream));
  EXPECT_EQ(e.at("window").at("start"), json::value(utc(start)));
  EXPECT_EQ(e.at("window").at("end"), json::value(utc(start + 60'000)));

  // d and e come in one batch or in two (the poller may read between the
  // two puts); either way the state carries on.
  stream.put(kShard, "d", now_ms());
  stream.put(kShard, "e", now_ms());
  auto records_seen = [&] {
    size_t n = 0;
    for (size_t i = 0; i < fn.count(); ++i) n += event(i).at("Records").as_array().size();
    return n;
  };
  ASSERT_TRUE(drive([&] { return records_seen() == 5; }, 10ms));
  size_t final_at = fn.count();
  EXPECT_EQ(event(1).at("state"), (json::object{{"n", 3}}));
  EXPECT_EQ(event(final_at - 1).at("isFinalInvokeForWindow"), false);

  // Nothing more: at the window's end the final invocation gets the state.
  ASSERT_TRUE(drive([&] { return fn.count() == final_at + 1; }, 1s, 120));
  EXPECT_GE(now_ms(), start + 60'000);
  auto last = event(final_at);
  EXPECT_EQ(last.at("isFinalInvokeForWindow"), true);
  EXPECT_TRUE(last.at("Records").as_array().empty());
  EXPECT_EQ(last.at("state"), (json::object{{"n", 5}}));

  // The next window starts with an empty state.
  stream.put(kShard, "f", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == final_at + 2; }, 10ms));
  auto next = event(final_at + 1);
  EXPECT_EQ(next.at("state"), json::object{});
  EXPECT_EQ(next.at("isFinalInvokeForWindow"), false);
  EXPECT_NE(next.at("window").at("start"), json::value(utc(start)));
}

TEST_F(StreamWindowTest, ABatchNeverSpansTwoWindows) {
  int64_t start = next_window(30);
  fn.respond_event = count_records;
  stream.put(kShard, "a1", start + 1'000);
  stream.put(kShard, "a2", start + 29'000);
  stream.put(kShard, "b1", start + 30'000);
  stream.put(kShard, "b2", start + 31'000);
  this->start(windowed(30));
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }, 10ms));
  // The first window's records end it: that batch is final.
  EXPECT_EQ(fn.batches()[0], (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(event(0).at("isFinalInvokeForWindow"), true);
  EXPECT_EQ(event(0).at("window").at("start"), json::value(utc(start)));
  EXPECT_EQ(fn.batches()[1], (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(event(1).at("isFinalInvokeForWindow"), false);
  EXPECT_EQ(event(1).at("state"), json::object{});
  EXPECT_EQ(event(1).at("window").at("start"), json::value(utc(start + 30'000)));
}

TEST_F(StreamWindowTest, AnAnswerWithoutStateFailsAndIsRetriedWithTheSameState) {
  next_window(60);
  int calls = 0;
  fn.respond_event = [&](const json::object& e) {
    if (++calls == 2) return InvokeOutcome{Kind::kOk, R"({"batchItemFailures":[]})"};
    return count_records(e);
  };
  stream.put(kShard, "a", now_ms());
  this->start(windowed(60));
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }, 10ms));
  stream.put(kShard, "b", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 3; }, 100ms));
  EXPECT_EQ(fn.batches()[1], fn.batches()[2]);  // the same batch again
  EXPECT_EQ(event(1).at("state"), (json::object{{"n", 1}}));
  EXPECT_EQ(event(2).at("state"), (json::object{{"n", 1}}));
}

TEST_F(StreamWindowTest, TheStateIsStoredWithTheCheckpoint) {
  int64_t start = next_window(60);
  fn.respond_event = count_records;
  stream.put(kShard, "a", now_ms());
  stream.put(kShard, "b", now_ms());
  auto c = windowed(60);
  this->start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }, 10ms));
  settle();
  restart(c);
  stream.put(kShard, "c", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }, 10ms));
  EXPECT_EQ(fn.batches()[1], std::vector<std::string>{"c"});
  EXPECT_EQ(event(1).at("state"), (json::object{{"n", 2}}));
  EXPECT_EQ(event(1).at("window").at("start"), json::value(utc(start)));
}

TEST_F(StreamWindowTest, CheckpointDecodingNeverThrows) {
  std::string position;
  WindowState w;
  for (std::string bad : {"", "\n", "5\n{", "5\n[]", "5\n{\"start\":\"x\",\"state\":{}}",
                          "5\n{\"start\":-3,\"state\":{}}", "5\n{\"start\":1,\"state\":[]}",
                          "5\n{\"start\":1.5,\"state\":{}}"}) {
    decode_checkpoint(bad, position, w);
    EXPECT_FALSE(w.open()) << bad;
  }
  WindowState open{120'000, R"({"k":"v"})", true};
  decode_checkpoint(encode_checkpoint("42", open), position, w);
  EXPECT_EQ(position, "42");
  EXPECT_EQ(w.start_ms, 120'000);
  EXPECT_EQ(w.state, R"({"k":"v"})");
  EXPECT_TRUE(w.early);
  EXPECT_EQ(window_start(119'999, 60), 60'000);
  EXPECT_EQ(window_start(120'000, 60), 120'000);
}

TEST_F(StreamWindowTest, ParallelBatchesKeepEachKeysOrder) {
  const std::vector<std::string> keys = {"k0", "k1", "k2", "k3", "k4", "k5"};
  for (int round = 0; round < 3; ++round) {
    for (const auto& k : keys) stream.put(kShard, k + "-" + std::to_string(round), now_ms(), k);
  }
  auto c = config();
  c.parallelization = 3;
  c.batch_size = 4;
  fn.hold = true;
  this->start(c);
  size_t most = 0;
  ASSERT_TRUE(drive(
      [&] {
        most = std::max(most, fn.holding());
        fn.release();
        size_t n = 0;
        for (const auto& b : fn.batches()) n += b.size();
        return n >= 18;
      },
      10ms));
  EXPECT_GE(most, 2u);  // batches of one shard ran at the same time
  std::map<std::string, std::vector<std::string>> per_key;
  for (const auto& b : fn.batches()) {
    EXPECT_LE(b.size(), 4u);
    for (const auto& d : b) per_key[d.substr(0, 2)].push_back(d);
  }
  for (const auto& k : keys) {
    EXPECT_EQ(per_key[k], (std::vector<std::string>{k + "-0", k + "-1", k + "-2"}));
  }
  // Every round was checkpointed: a restart sends nothing again.
  settle();
  size_t before = fn.count();
  fn.hold = false;
  restart(c);
  settle();
  EXPECT_EQ(fn.count(), before);
}

TEST_F(StreamWindowTest, AParallelFailureHoldsTheRoundsCheckpoint) {
  auto c = config();
  c.parallelization = 2;
  c.batch_size = 10;
  c.max_retries = 1;
  c.on_failure = kFailed;
  fn.respond = [](const json::array& records) {
    return has_bad(records) ? InvokeOutcome{Kind::kFunctionError, "", "req-bad"}
                            : InvokeOutcome{Kind::kOk, "", "req-ok"};
  };
  for (int i = 0; i < 8; ++i)
    stream.put(kShard, i == 5 ? "bad" : "ok", now_ms(), "k" + std::to_string(i));
  this->start(c);
  ASSERT_TRUE(drive([&] { return failed.all().size() == 1; }));
  auto rec = failed.all()[0];
  EXPECT_EQ(rec.at("requestContext").at("requestId"), "req-bad");
  EXPECT_EQ(rec.at("requestContext").at("approximateInvokeCount"), 2);
  settle();
  size_t before = fn.count();
  restart(c);
  settle();
  EXPECT_EQ(fn.count(), before);  // given up and checkpointed with its round
}

TEST_F(StreamWindowTest, TheFailureRecordNamesTheLastInvocation) {
  auto c = config();
  c.max_retries = 0;
  c.on_failure = kFailed;
  fn.respond = [](const json::array&) { return InvokeOutcome{Kind::kFunctionError, "", "req-7"}; };
  stream.put(kShard, "x", now_ms());
  this->start(c);
  ASSERT_TRUE(drive([&] { return failed.all().size() == 1; }));
  EXPECT_EQ(failed.all()[0].at("requestContext").at("requestId"), "req-7");
}

}  // namespace
}  // namespace nimbus::events
