// The stream poller's test fixture: an in-memory stream (FakeStream), a
// scripted function, an on-failure queue that records what it is sent, and
// a SimulatedClock driving the scheduler. Shared by stream_poller_test.cc
// and stream_window_test.cc.
#pragma once

#include "events/stream_poller.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <map>
#include <thread>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/worker_pool.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::events::stream_testing {

namespace json = boost::json;
using namespace std::chrono_literals;
using Kind = InvokeOutcome::Kind;

inline const std::string kStream = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks";
inline const std::string kFn = "arn:aws:lambda:us-east-1:000000000000:function:f";
inline const std::string kRole = "arn:aws:iam::000000000000:role/r";
inline const std::string kFailed = "arn:aws:sqs:us-east-1:000000000000:failed";

inline std::string seq(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(n));
  return buf;
}

// Shards of records in memory, with the StreamSource contract.
class FakeStream final : public StreamSource {
 public:
  explicit FakeStream(std::string arn) : arn_(std::move(arn)) {}

  void add_shard(const std::string& id, const std::string& parent = "",
                 const std::string& adjacent = "") {
    std::lock_guard l(mu_);
    order_.push_back(id);
    shards_[id].info = {id, parent, adjacent, true};
  }
  void close(const std::string& id) {
    std::lock_guard l(mu_);
    shards_[id].info.open = false;
  }
  // The shard is no longer listed (it expired after the retention period).
  void expire_shard(const std::string& id) {
    std::lock_guard l(mu_);
    std::erase(order_, id);
  }
  std::string put(const std::string& shard, const std::string& data, int64_t arrival_ms,
                  const std::string& key = "k") {
    std::vector<std::function<void(bool)>> wake;
    std::string s;
    {
      std::lock_guard l(mu_);
      s = seq(next_++);
      shards_[shard].records.push_back({s, arrival_ms, key, data});
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (it->second.shard == shard) {
          wake.push_back(std::move(it->second.wake));
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& w : wake) w(true);
    return s;
  }

  std::optional<std::vector<ShardInfo>> shards(const std::string& arn) const override {
    std::lock_guard l(mu_);
    if (arn != arn_) return std::nullopt;
    std::vector<ShardInfo> out;
    for (const auto& id : order_) out.push_back(shards_.at(id).info);
    return out;
  }
  Result<std::string> start(const std::string&, const std::string& shard, StartingPosition from,
                            int64_t ts) override {
    std::lock_guard l(mu_);
    const auto& recs = shards_.at(shard).records;
    if (from == StartingPosition::kTrimHorizon || recs.empty()) return seq(0);
    if (from == StartingPosition::kLatest) return recs.back().sequence_number;
    std::string before = seq(0);
    for (const auto& r : recs) {
      if (r.arrival_ms >= ts) break;
      before = r.sequence_number;
    }
    return before;
  }
  Result<ShardBatch> read(const std::string& arn, const std::string& shard,
                          const std::string& position, size_t max, size_t) override {
    std::lock_guard l(mu_);
    if (arn != arn_) return Error::make("ResourceNotFoundException", "no stream");
    const auto& sh = shards_.at(shard);
    ShardBatch b;
    b.last_sequence = position;
    for (const auto& r : sh.records) {
      if (r.sequence_number <= position) continue;
      if (b.records.size() == max) break;
      b.records.push_back(r);
      b.last_sequence = r.sequence_number;
    }
    bool more = !sh.records.empty() && sh.records.back().sequence_number > b.last_sequence;
    if (!sh.info.open && !more) {
      b.ended = true;
      for (const auto& id : order_) {
        const auto& i = shards_.at(id).info;
        if (i.parent_shard_id == shard || i.adjacent_parent_shard_id == shard) {
          b.children.push_back(id);
        }
      }
    }
    return b;
  }
  uint64_t wait(const std::string&, const std::string& shard, const std::string& position,
                Clock::time_point deadline, std::function<void(bool)> wake) override {
    {
      std::lock_guard l(mu_);
      const auto& recs = shards_.at(shard).records;
      if (recs.empty() || recs.back().sequence_number <= position) {
        waiters_[next_wait_] = {shard, std::move(wake), deadline};
        return next_wait_++;
      }
    }
    wake(true);
    return 0;
  }
  // Ends the waits whose deadline is not after `now` (wake(false)).
  void expire(Clock::time_point now) {
    std::vector<std::function<void(bool)>> wake;
    {
      std::lock_guard l(mu_);
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (it->second.deadline <= now) {
          wake.push_back(std::move(it->second.wake));
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& w : wake) w(false);
  }
  bool cancel_wait(uint64_t id) override {
    std::lock_guard l(mu_);
    return waiters_.erase(id) > 0;
  }

 private:
  struct Shard {
    ShardInfo info;
    std::vector<StreamRecord> records;
  };
  struct Waiter {
    std::string shard;
    std::function<void(bool)> wake;
    Clock::time_point deadline;
  };
  const std::string arn_;
  mutable std::mutex mu_;
  std::vector<std::string> order_;
  std::map<std::string, Shard> shards_;
  std::map<uint64_t, Waiter> waiters_;
  uint64_t next_ = 1;
  uint64_t next_wait_ = 1;
};

// A queue that records the failure records it is sent.
struct Recorder final : Target {
  mutable std::mutex mu;
  std::vector<std::string> bodies;
  Status check(const std::string&) const override { return Status::ok(); }
  void deliver(const std::string&, Delivery d, DeliverDone done) override {
    {
      std::lock_guard l(mu);
      bodies.push_back(std::move(d.body));
    }
    done(Outcome::ok("m"));
  }
  std::vector<json::object> all() const {
    std::lock_guard l(mu);
    std::vector<json::object> out;
    for (const auto& b : bodies) out.push_back(*parse_object(b));
    return out;
  }
};

// The function: records every event; answers with `respond(records)`.
struct Function {
  std::mutex mu;
  std::vector<json::object> events;
  std::function<InvokeOutcome(const json::array&)> respond = [](const json::array&) {
    return InvokeOutcome{Kind::kOk, ""};
  };
  // When set, answers from the whole event instead (windows).
  std::function<InvokeOutcome(const json::object&)> respond_event;
  // When true, answers wait in `held` until release() (concurrent batches).
  bool hold = false;
  std::vector<std::function<void()>> held;

  Invoke invoker() {
    return [this](std::string payload, std::function<void(InvokeOutcome)> done) {
      auto doc = *parse_object(payload);
      InvokeOutcome o;
      {
        std::lock_guard l(mu);
        events.push_back(doc);
        o = respond_event ? respond_event(doc) : respond(doc.at("Records").as_array());
        if (hold) {
          held.push_back([done = std::move(done), o = std::move(o)] { done(o); });
          return;
        }
      }
      done(std::move(o));
    };
  }
  // Answers every held invocation; how many there were.
  size_t release() {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard l(mu);
      run.swap(held);
    }
    for (auto& f : run) f();
    return run.size();
  }
  size_t holding() {
    std::lock_guard l(mu);
    return held.size();
  }
  // The data of each invocation's records.
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard l(mu);
    std::vector<std::vector<std::string>> out;
    for (const auto& e : events) {
      std::vector<std::string> b;
      for (const auto& r : e.at("Records").as_array()) {
        b.push_back(*base64_decode(r.at("kinesis").at("data").as_string()));
      }
      out.push_back(std::move(b));
    }
    return out;
  }
  size_t count() {
    std::lock_guard l(mu);
    return events.size();
  }
};

inline bool has_bad(const json::array& records) {
  for (const auto& r : records) {
    if (*base64_decode(r.at("kinesis").at("data").as_string()) == "bad") return true;
  }
  return false;
}

class StreamPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open_storage();
    stream.add_shard("shardId-000000000000");
  }
  void TearDown() override {
    if (poller) poller->detach();
    poller.reset();
    quiesce();
  }
  void open_storage() {
    auto s = storage::Storage::open(storage::Options{dir.path(), storage::Durability::kSync});
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
  }
  StreamPollerConfig config() {
    StreamPollerConfig c;
    c.uuid = "m-1";
    c.stream_arn = kStream;
    c.region = "us-east-1";
    c.function_arn = kFn;
    c.identity_arn = kRole;
    c.batch_size = 10;
    c.starting = StartingPosition::kTrimHorizon;
    return c;
  }
  void start(StreamPollerConfig c) {
    StreamPoller::Deps d{targets,
                         store.get(),
                         scheduler,
                         clock,
                         [this](std::function<void()> f) { workers.post(std::move(f)); },
                         fn.invoker(),
                         counters};
    poller = StreamPoller::start(std::move(d), std::move(c));
  }
  // A restart: the poller stops, a new one reads the stored checkpoints.
  void restart(StreamPollerConfig c) {
    poller->detach();
    poller.reset();
    quiesce();
    start(std::move(c));
  }
  // Moves the clock by `step` until `done` holds (at most `steps` times),
  // giving the worker threads a moment between steps.
  bool drive(const std::function<bool()>& done, std::chrono::milliseconds step = 100ms,
             int steps = 600) {
    for (int i = 0; i < steps; ++i) {
      if (done()) return true;
      clock.advance(step);
      stream.expire(clock.now());
      std::this_thread::sleep_for(1ms);
    }
    return done();
  }
  // Waits for the worker to run what is queued.
  void quiesce() {
    for (int i = 0; i < 1000 && workers.queued() > 0; ++i) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(5ms);
  }
  // Lets whatever is running settle without the clock moving far.
  void settle() {
    drive([] { return false; }, 1ms, 50);
  }
  int64_t now_ms() { return clock.now_millis(); }

  storage::testing::TempDir dir;
  std::unique_ptr<storage::Storage> store;
  SimulatedClock clock{std::chrono::system_clock::now()};
  Scheduler scheduler{clock};
  WorkerPool workers{1};
  Targets targets;
  FakeStream stream{kStream};
  std::unique_ptr<Binding> bound = targets.bind_stream_source("kinesis", stream);
  Recorder failed;
  std::unique_ptr<Binding> bound_failed = targets.bind("sqs", failed);
  Function fn;
  PollerCounters counters;  // none unless a test sets them
  std::shared_ptr<StreamPoller> poller;
};

}  // namespace nimbus::events::stream_testing
