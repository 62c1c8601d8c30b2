// The stream poller against an in-memory stream and a scripted function:
// order and checkpoints across restarts, starting positions, retries and
// the on-failure record, bisection, partial batch responses, filters,
// resharding, the DynamoDB record shape. Time is a SimulatedClock that
// drives the scheduler, so retry delays and record ages are real ones.
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

namespace nimbus::events {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Kind = InvokeOutcome::Kind;

const std::string kStream = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks";
const std::string kFn = "arn:aws:lambda:us-east-1:000000000000:function:f";
const std::string kRole = "arn:aws:iam::000000000000:role/r";
const std::string kFailed = "arn:aws:sqs:us-east-1:000000000000:failed";

std::string seq(uint64_t n) {
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
                Clock::time_point, std::function<void(bool)> wake) override {
    {
      std::lock_guard l(mu_);
      const auto& recs = shards_.at(shard).records;
      if (recs.empty() || recs.back().sequence_number <= position) {
        waiters_[next_wait_] = {shard, std::move(wake)};
        return next_wait_++;
      }
    }
    wake(true);
    return 0;
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

  Invoke invoker() {
    return [this](std::string payload, std::function<void(InvokeOutcome)> done) {
      auto doc = *parse_object(payload);
      InvokeOutcome o;
      {
        std::lock_guard l(mu);
        events.push_back(doc);
        o = respond(doc.at("Records").as_array());
      }
      done(std::move(o));
    };
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

bool has_bad(const json::array& records) {
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
                         {}};
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
  std::shared_ptr<StreamPoller> poller;
};

TEST_F(StreamPollerTest, DeliversInOrderWithTheKinesisRecordShape) {
  std::string s1 = stream.put("shardId-000000000000", "one", now_ms(), "user-1");
  stream.put("shardId-000000000000", "two", now_ms());
  start(config());
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  EXPECT_EQ(fn.batches()[0], (std::vector<std::string>{"one", "two"}));
  const auto& r = fn.events[0].at("Records").as_array()[0].as_object();
  EXPECT_EQ(r.at("eventSource"), "aws:kinesis");
  EXPECT_EQ(r.at("eventVersion"), "1.0");
  EXPECT_EQ(r.at("eventName"), "aws:kinesis:record");
  EXPECT_EQ(r.at("eventID"), json::value("shardId-000000000000:" + s1));
  EXPECT_EQ(r.at("invokeIdentityArn"), json::value(kRole));
  EXPECT_EQ(r.at("awsRegion"), "us-east-1");
  EXPECT_EQ(r.at("eventSourceARN"), json::value(kStream));
  const auto& k = r.at("kinesis").as_object();
  EXPECT_EQ(k.at("kinesisSchemaVersion"), "1.0");
  EXPECT_EQ(k.at("partitionKey"), "user-1");
  EXPECT_EQ(k.at("sequenceNumber"), json::value(s1));
  EXPECT_EQ(k.at("data"), json::value(base64_encode("one")));
  EXPECT_TRUE(k.at("approximateArrivalTimestamp").is_double());
  // An idle shard is woken by the next record at once.
  stream.put("shardId-000000000000", "three", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }, 1ms, 2000));
  EXPECT_EQ(fn.batches()[1], std::vector<std::string>{"three"});
  EXPECT_EQ(poller->last_result(), "OK");
}

TEST_F(StreamPollerTest, ARestartResumesAfterTheLastCheckpoint) {
  stream.put("shardId-000000000000", "one", now_ms());
  start(config());
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  settle();
  stream.put("shardId-000000000000", "two", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }));
  settle();
  restart(config());
  stream.put("shardId-000000000000", "three", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 3; }));
  settle();
  EXPECT_EQ(fn.count(), 3u);
  EXPECT_EQ(fn.batches()[2], std::vector<std::string>{"three"});
}

TEST_F(StreamPollerTest, LatestIsResolvedOnceAndStored) {
  stream.put("shardId-000000000000", "old", now_ms());
  auto c = config();
  c.starting = StartingPosition::kLatest;
  start(c);
  settle();
  poller->detach();  // down before anything new arrived
  stream.put("shardId-000000000000", "while-down", now_ms());
  restart(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  EXPECT_EQ(fn.batches()[0], std::vector<std::string>{"while-down"});
}

TEST_F(StreamPollerTest, AtTimestampStartsAtTheFirstRecordArrivedThen) {
  stream.put("shardId-000000000000", "before", now_ms() - 10'000);
  stream.put("shardId-000000000000", "after", now_ms());
  auto c = config();
  c.starting = StartingPosition::kAtTimestamp;
  c.starting_timestamp_ms = now_ms() - 5'000;
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  EXPECT_EQ(fn.batches()[0], std::vector<std::string>{"after"});
}

TEST_F(StreamPollerTest, ErrorsRetryTheBatchThenTheFailureRecordGoesOnFailure) {
  fn.respond = [](const json::array& r) {
    return has_bad(r) ? InvokeOutcome{Kind::kFunctionError, "{}"} : InvokeOutcome{Kind::kOk, ""};
  };
  std::string s1 = stream.put("shardId-000000000000", "bad", now_ms());
  std::string s2 = stream.put("shardId-000000000000", "ok", now_ms());
  auto c = config();
  c.max_retries = 2;
  c.on_failure = kFailed;
  start(c);
  ASSERT_TRUE(drive([&] { return failed.all().size() == 1; }));
  EXPECT_EQ(fn.count(), 3u);  // the first attempt and two retries, the shard blocked meanwhile
  auto rec = failed.all()[0];
  EXPECT_EQ(rec.at("requestContext").at("condition"), "RetryAttemptsExhausted");
  EXPECT_EQ(rec.at("requestContext").at("functionArn"), json::value(kFn));
  EXPECT_EQ(rec.at("requestContext").at("approximateInvokeCount"), 3);
  EXPECT_EQ(rec.at("responseContext").at("functionError"), "Unhandled");
  EXPECT_EQ(rec.at("version"), "1.0");
  const auto& info = rec.at("KinesisBatchInfo").as_object();
  EXPECT_EQ(info.at("shardId"), "shardId-000000000000");
  EXPECT_EQ(info.at("startSequenceNumber"), json::value(s1));
  EXPECT_EQ(info.at("endSequenceNumber"), json::value(s2));
  EXPECT_EQ(info.at("batchSize"), 2);
  EXPECT_EQ(info.at("streamArn"), json::value(kStream));
  // The shard moved on.
  stream.put("shardId-000000000000", "next", now_ms());
  ASSERT_TRUE(drive([&] { return fn.count() == 4; }));
  EXPECT_EQ(fn.batches()[3], std::vector<std::string>{"next"});
}

TEST_F(StreamPollerTest, BisectionIsolatesThePoisonRecord) {
  fn.respond = [](const json::array& r) {
    return has_bad(r) ? InvokeOutcome{Kind::kFunctionError, "{}"} : InvokeOutcome{Kind::kOk, ""};
  };
  for (const char* d : {"a", "b", "bad", "c"}) stream.put("shardId-000000000000", d, now_ms());
  auto c = config();
  c.max_retries = 0;
  c.bisect = true;
  c.on_failure = kFailed;
  start(c);
  ASSERT_TRUE(drive([&] { return failed.all().size() == 1 && fn.count() == 5; }));
  using V = std::vector<std::string>;
  EXPECT_EQ(fn.batches(),
            (std::vector<V>{{"a", "b", "bad", "c"}, {"a", "b"}, {"bad", "c"}, {"bad"}, {"c"}}));
  EXPECT_EQ(failed.all()[0].at("KinesisBatchInfo").at("batchSize"), 1);
}

TEST_F(StreamPollerTest, ReportedItemFailuresRetryFromTheLowestOne) {
  bool first = true;
  std::string s2;
  fn.respond = [&](const json::array&) {
    if (!first) return InvokeOutcome{Kind::kOk, ""};
    first = false;
    return InvokeOutcome{Kind::kOk, R"({"batchItemFailures":[{"itemIdentifier":")" + s2 + "\"}]}"};
  };
  stream.put("shardId-000000000000", "1", now_ms());
  s2 = stream.put("shardId-000000000000", "2", now_ms());
  stream.put("shardId-000000000000", "3", now_ms());
  auto c = config();
  c.report_failures = true;
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 2; }));
  EXPECT_EQ(fn.batches()[1], (std::vector<std::string>{"2", "3"}));
}

TEST_F(StreamPollerTest, ThrottlesRetryUntilTheRecordsAreTooOld) {
  fn.respond = [](const json::array&) { return InvokeOutcome{Kind::kThrottled, "busy"}; };
  stream.put("shardId-000000000000", "x", now_ms());
  auto c = config();
  c.max_retries = 0;  // throttles are not retries
  c.max_record_age_s = 60;
  c.on_failure = kFailed;
  start(c);
  ASSERT_TRUE(drive([&] { return failed.all().size() == 1; }, 1s, 200));
  EXPECT_GT(fn.count(), 3u);
  auto rec = failed.all()[0];
  EXPECT_EQ(rec.at("requestContext").at("condition"), "RecordAgeExceeded");
  EXPECT_FALSE(rec.at("responseContext").as_object().contains("functionError"));
}

TEST_F(StreamPollerTest, FiltersSkipRecordsAndTheCheckpointPassesThem) {
  stream.put("shardId-000000000000", R"({"type":"click"})", now_ms());
  stream.put("shardId-000000000000", R"({"type":"view"})", now_ms());
  stream.put("shardId-000000000000", "not json", now_ms());
  auto c = config();
  c.filters.push_back(*EventPattern::parse(R"({"data":{"type":["click"]}})"));
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  EXPECT_EQ(fn.batches()[0], std::vector<std::string>{R"({"type":"click"})"});
  settle();
  restart(c);
  settle();
  EXPECT_EQ(fn.count(), 1u);  // nothing filtered comes back
}

TEST_F(StreamPollerTest, ChildrenAreReadAfterTheirParentsEnd) {
  stream.put("shardId-000000000000", "parent-1", now_ms());
  stream.put("shardId-000000000000", "parent-2", now_ms());
  stream.close("shardId-000000000000");
  stream.add_shard("shardId-000000000001", "shardId-000000000000");
  stream.add_shard("shardId-000000000002", "shardId-000000000000");
  stream.put("shardId-000000000001", "child-a", now_ms());
  stream.put("shardId-000000000002", "child-b", now_ms());
  auto c = config();
  c.batch_size = 1;
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 4; }));
  auto b = fn.batches();
  EXPECT_EQ(b[0], std::vector<std::string>{"parent-1"});
  EXPECT_EQ(b[1], std::vector<std::string>{"parent-2"});
  std::set<std::string> children{b[2][0], b[3][0]};
  EXPECT_EQ(children, (std::set<std::string>{"child-a", "child-b"}));
  settle();
  restart(c);  // the parent is remembered as ended
  settle();
  EXPECT_EQ(fn.count(), 4u);
  EXPECT_EQ(poller->active_shards(), 2u);
}

TEST_F(StreamPollerTest, DynamoDbRecordsPassThroughWithTheirSourceArn) {
  const std::string arn =
      "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-12-04T00:00:00.000";
  FakeStream table(arn);
  table.add_shard("shardId-00000001");
  auto b = targets.bind_stream_source("dynamodb", table);
  table.put("shardId-00000001",
            R"({"eventID":"e1","eventName":"INSERT","eventVersion":"1.1",)"
            R"("eventSource":"aws:dynamodb","awsRegion":"us-east-1",)"
            R"("dynamodb":{"Keys":{"pk":{"S":"a"}},"SequenceNumber":"1"}})",
            now_ms());
  auto c = config();
  c.stream_arn = arn;
  c.filters.push_back(*EventPattern::parse(R"({"eventName":["INSERT"]})"));
  start(c);
  ASSERT_TRUE(drive([&] { return fn.count() == 1; }));
  const auto& r = fn.events[0].at("Records").as_array()[0].as_object();
  EXPECT_EQ(r.at("eventName"), "INSERT");
  EXPECT_EQ(r.at("eventSource"), "aws:dynamodb");
  EXPECT_EQ(r.at("eventSourceARN"), json::value(arn));
  EXPECT_EQ(r.at("dynamodb").at("Keys").at("pk").at("S"), "a");
  poller->detach();
  poller.reset();
  quiesce();
}

}  // namespace
}  // namespace nimbus::events
