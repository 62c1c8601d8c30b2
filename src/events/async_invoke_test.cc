// The async-invoke queue with a scripted function and recording targets:
// retries, backoff, maximum event age, destinations, dead-letter targets, a
// destination that does not exist, and recovery after a restart. Event ages
// move on a ManualClock; retry delays are set to a few milliseconds.
#include "events/async_invoke.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/json_fields.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::events {
namespace {

namespace json = boost::json;
using Kind = RunOutcome::Kind;
const std::string kFn = "arn:aws:lambda:us-east-1:000000000000:function:f";
const std::string kOk = "arn:aws:sqs:us-east-1:000000000000:ok";
const std::string kFail = "arn:aws:sqs:us-east-1:000000000000:fail";
const std::string kDlq = "arn:aws:sqs:us-east-1:000000000000:dlq";

// A queue-like target that records what it accepts.
struct Recorder final : Target {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, Delivery>> got;  // guarded by mu
  std::set<std::string> known = {kOk, kFail, kDlq};

  Status check(const std::string& arn) const override {
    if (known.contains(arn)) return Status::ok();
    return Error::make("QueueDoesNotExist", "The specified queue does not exist.");
  }
  void deliver(const std::string& arn, Delivery d, DeliverDone done) override {
    if (!known.contains(arn)) return done(Outcome::failed(Failure::kNotFound, check(arn).error()));
    {
      std::lock_guard l(mu);
      got.emplace_back(arn, std::move(d));
    }
    cv.notify_all();
    done(Outcome::ok("m"));
  }
  // Waits (bounded) until `n` deliveries arrived; returns them.
  std::vector<std::pair<std::string, Delivery>> wait(size_t n) {
    std::unique_lock l(mu);
    cv.wait_for(l, std::chrono::seconds(10), [&] { return got.size() >= n; });
    return got;
  }
};

// A function whose attempts answer from a script, in order (then kOk).
struct Script final : Functions {
  std::mutex mu;
  std::deque<RunOutcome> outcomes;  // guarded by mu
  int runs = 0;                     // guarded by mu
  RetryPolicy policy;
  bool exists = true;

  std::optional<ResolvedFunction> resolve(const std::string& name,
                                          const std::string& qualifier) override {
    if (!exists) return std::nullopt;
    ResolvedFunction fn;
    fn.function_arn = kFn;
    fn.executed_version = "$LATEST";
    fn.policy = policy;
    fn.run = [this](std::string, std::string payload, std::function<void(RunOutcome)> done) {
      RunOutcome o{Kind::kOk, R"({"echo":)" + payload + "}"};
      {
        std::lock_guard l(mu);
        ++runs;
        if (!outcomes.empty()) {
          o = outcomes.front();
          outcomes.pop_front();
        }
      }
      done(o);
    };
    return fn;
  }
  int run_count() {
    std::lock_guard l(mu);
    return runs;
  }
};

class AsyncInvokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fn.policy.retry_delays_ms = {5, 5};
    fn.policy.backoff_initial_ms = 5;
    fn.policy.backoff_max_ms = 20;
    open();
  }
  void TearDown() override {
    queue.reset();
    if (storage) (void)storage->close();
  }
  void open() {
    auto s = storage::Storage::open(storage::Options{dir.path(), storage::Durability::kSync});
    ASSERT_TRUE(s.is_ok()) << s.error().message;
    storage = std::move(*s);
    AsyncInvoke::Options options;
    options.recover_delay_ms = 0;
    queue = std::make_unique<AsyncInvoke>(
        AsyncInvoke::Deps{storage.get(), scheduler, clock, metrics, targets, fn}, options);
  }
  void reopen() {
    queue.reset();
    ASSERT_TRUE(storage->close());
    storage.reset();
    open();
  }
  void invoke(std::string payload = R"({"n":1})") {
    std::promise<Status> p;
    queue->enqueue("f", "", std::move(payload), "req-1", [&](Status st) { p.set_value(st); });
    ASSERT_TRUE(p.get_future().get());
  }
  bool eventually(const std::function<bool()>& f) {
    for (int i = 0; i < 1000 && !f(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return f();
  }
  int64_t metric(const char* name) {
    return static_cast<int64_t>(metrics.counter(name, {{"function", "f"}}).value());
  }
  static json::object record(const Delivery& d) { return *parse_object(d.body); }

  storage::testing::TempDir dir;
  ManualClock clock{std::chrono::system_clock::now()};
  SystemClock timer_clock;  // retry delays are real milliseconds; ages move on `clock`
  Scheduler scheduler{timer_clock};
  Metrics metrics;
  Targets targets;
  Recorder sqs;
  std::unique_ptr<Binding> bound = targets.bind("sqs", sqs);
  Script fn;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<AsyncInvoke> queue;
};

TEST_F(AsyncInvokeTest, SuccessGoesToTheOnSuccessDestination) {
  fn.policy.on_success = kOk;
  invoke();
  auto got = sqs.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, kOk);
  auto r = record(got[0].second);
  EXPECT_EQ(r.at("version"), "1.0");
  const auto& ctx = r.at("requestContext").as_object();
  EXPECT_EQ(ctx.at("requestId"), "req-1");
  EXPECT_EQ(ctx.at("functionArn").as_string(), kFn + ":$LATEST");
  EXPECT_EQ(ctx.at("condition"), "Success");
  EXPECT_EQ(ctx.at("approximateInvokeCount"), 1);
  EXPECT_EQ(r.at("requestPayload").at("n"), 1);
  EXPECT_EQ(r.at("responseContext").at("statusCode"), 200);
  EXPECT_EQ(r.at("responsePayload").at("echo").at("n"), 1);
  EXPECT_TRUE(eventually([&] { return queue->pending() == 0; }));
}

TEST_F(AsyncInvokeTest, FunctionErrorsAreRetriedThenGoToOnFailure) {
  fn.policy.on_failure = kFail;
  fn.outcomes = {{Kind::kFunctionError, R"({"errorMessage":"boom"})"},
                 {Kind::kFunctionError, R"({"errorMessage":"boom"})"},
                 {Kind::kFunctionError, R"({"errorMessage":"boom"})"}};
  invoke();
  auto got = sqs.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(fn.run_count(), 3);  // the first attempt and MaximumRetryAttempts = 2
  auto r = record(got[0].second);
  EXPECT_EQ(r.at("requestContext").at("condition"), "RetriesExhausted");
  EXPECT_EQ(r.at("requestContext").at("approximateInvokeCount"), 3);
  EXPECT_EQ(r.at("responseContext").at("functionError"), "Unhandled");
  EXPECT_EQ(r.at("responsePayload").at("errorMessage"), "boom");
}

TEST_F(AsyncInvokeTest, ZeroRetriesFailsAfterOneAttempt) {
  fn.policy.max_retries = 0;
  fn.policy.on_failure = kFail;
  fn.outcomes = {{Kind::kFunctionError, "{}"}};
  invoke();
  ASSERT_EQ(sqs.wait(1).size(), 1u);
  EXPECT_EQ(fn.run_count(), 1);
}

TEST_F(AsyncInvokeTest, ThrottlesBackOffWithoutUsingRetries) {
  fn.policy.max_retries = 0;
  fn.policy.on_success = kOk;
  fn.outcomes = {{Kind::kThrottled, ""}, {Kind::kThrottled, ""}, {Kind::kThrottled, ""}};
  invoke();
  auto got = sqs.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(fn.run_count(), 4);
  EXPECT_EQ(record(got[0].second).at("requestContext").at("condition"), "Success");
}

TEST_F(AsyncInvokeTest, AnEventOlderThanItsMaximumAgeIsNotRun) {
  fn.policy.max_age_ms = 60'000;
  fn.policy.on_failure = kFail;
  fn.outcomes = {{Kind::kThrottled, ""}};
  fn.policy.backoff_initial_ms = 200;  // the clock moves while the event waits
  invoke();
  ASSERT_TRUE(eventually([&] { return fn.run_count() == 1; }));
  clock.advance(std::chrono::seconds(61));
  auto got = sqs.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(fn.run_count(), 1);
  auto r = record(got[0].second);
  EXPECT_EQ(r.at("requestContext").at("condition"), "EventAgeExceeded");
  EXPECT_FALSE(r.contains("responseContext"));
}

TEST_F(AsyncInvokeTest, WithoutOnFailureTheEventGoesToTheDeadLetterTarget) {
  fn.policy.max_retries = 0;
  fn.policy.dead_letter = kDlq;
  fn.outcomes = {{Kind::kFunctionError, R"({"errorMessage":"bad input"})"}};
  invoke(R"({"raw":true})");
  auto got = sqs.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, kDlq);
  EXPECT_EQ(got[0].second.body, R"({"raw":true})");
  std::map<std::string, std::string> attrs;
  for (const auto& a : got[0].second.attributes) attrs[a.name] = a.value;
  EXPECT_EQ(attrs["RequestID"], "req-1");
  EXPECT_EQ(attrs["ErrorCode"], "200");
  EXPECT_EQ(attrs["ErrorMessage"], "bad input");
}

TEST_F(AsyncInvokeTest, AFailureWithNowhereToGoIsDroppedAndCounted) {
  fn.policy.max_retries = 0;
  fn.outcomes = {{Kind::kFunctionError, "{}"}};
  invoke();
  EXPECT_TRUE(eventually([&] { return metric("nimbus_lambda_async_events_dropped") == 1; }));
  EXPECT_TRUE(eventually([&] { return queue->pending() == 0; }));
}

TEST_F(AsyncInvokeTest, ADestinationThatDoesNotExistIsCountedNotRetried) {
  fn.policy.on_success = "arn:aws:sqs:us-east-1:000000000000:gone";
  invoke();
  EXPECT_TRUE(eventually([&] { return metric("nimbus_lambda_dead_letter_errors") == 1; }));
  EXPECT_TRUE(sqs.wait(0).empty());
}

TEST_F(AsyncInvokeTest, ADestinationKindBoundLaterStillGetsTheRecord) {
  // Start-up order: the destination's service binds after the event finished.
  fn.policy.on_success = "arn:aws:sns:us-east-1:000000000000:topic";
  Recorder sns;
  sns.known = {fn.policy.on_success};
  invoke();
  ASSERT_TRUE(eventually([&] { return fn.run_count() == 1; }));
  auto late = targets.bind("sns", sns);
  EXPECT_EQ(sns.wait(1).size(), 1u);
  EXPECT_EQ(metric("nimbus_lambda_dead_letter_errors"), 0);
}

TEST_F(AsyncInvokeTest, AQueuedEventSurvivesARestart) {
  fn.policy.on_success = kOk;
  fn.exists = true;
  queue->stop();  // accepted, never dispatched: as if killed right after the 202
  invoke();
  EXPECT_EQ(fn.run_count(), 0);
  reopen();
  auto got = sqs.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(record(got[0].second).at("requestPayload").at("n"), 1);
  reopen();  // finished events are gone from storage
  EXPECT_EQ(fn.run_count(), 1);
  EXPECT_EQ(queue->pending(), 0);
}

TEST_F(AsyncInvokeTest, AnUndeliveredDestinationRecordSurvivesARestart) {
  fn.policy.on_success = "arn:aws:sns:us-east-1:000000000000:topic";  // not bound yet
  invoke();
  ASSERT_TRUE(eventually([&] { return fn.run_count() == 1; }));
  reopen();  // the record waits in the outbox, not the function's queue
  Recorder sns;
  sns.known = {fn.policy.on_success};
  auto late = targets.bind("sns", sns);
  auto got = sns.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(record(got[0].second).at("requestContext").at("condition"), "Success");
  EXPECT_EQ(fn.run_count(), 1);  // the function did not run again
}

TEST_F(AsyncInvokeTest, EventsOfAFunctionThatNoLongerExistsAreDropped) {
  fn.exists = false;
  fn.policy.on_failure = kFail;
  invoke();
  EXPECT_TRUE(eventually([&] { return queue->pending() == 0; }));
  EXPECT_EQ(fn.run_count(), 0);
  EXPECT_TRUE(sqs.wait(0).empty());
}

}  // namespace
}  // namespace nimbus::events
