// The async-invoke queue with a scripted function and recording targets:
// retries, backoff, maximum event age, destinations, dead-letter targets, a
// destination that does not exist, restarts (the log, retry timers, pending
// deliveries, records of older builds), stopping with callbacks in flight,
// and records sent only as far as the function's role allows. Time is a
// SimulatedClock that drives the scheduler, the timers and the events' ages,
// so the retry delays are Lambda's real ones.
#include "events/async_invoke.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/json_fields.h"
#include "storage/log.h"
#include "storage/storage.h"
#include "storage/test_dir.h"
#include "storage/timers.h"

namespace nimbus::events {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Kind = RunOutcome::Kind;
const std::string kFn = "arn:aws:lambda:us-east-1:000000000000:function:f";
const std::string kOk = "arn:aws:sqs:us-east-1:000000000000:ok";
const std::string kFail = "arn:aws:sqs:us-east-1:000000000000:fail";
const std::string kDlq = "arn:aws:sqs:us-east-1:000000000000:dlq";
const std::string kTopic = "arn:aws:sns:us-east-1:000000000000:topic";
const std::string kRole = "arn:aws:iam::000000000000:role/f";

// A queue-like target that records what it accepts.
struct Recorder final : Target {
  mutable std::mutex mu;
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
    done(Outcome::ok("m"));
  }
  std::vector<std::pair<std::string, Delivery>> all() const {
    std::lock_guard l(mu);
    return got;
  }
  size_t count() const { return all().size(); }
};

// A function whose attempts answer from a script, in order (then kOk). With
// `hold`, attempts do not answer until release() (an invocation in flight).
struct Script final : Functions {
  std::mutex mu;
  std::deque<RunOutcome> outcomes;          // guarded by mu
  int runs = 0;                             // guarded by mu
  bool hold = false;                        // guarded by mu
  std::vector<std::function<void()>> held;  // guarded by mu
  RetryPolicy policy;
  std::string role;  // the execution role records are sent as
  bool exists = true;

  std::optional<ResolvedFunction> resolve(const std::string&, const std::string&) override {
    if (!exists) return std::nullopt;
    ResolvedFunction fn;
    fn.function_arn = kFn;
    fn.executed_version = "$LATEST";
    fn.role_arn = role;
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
        if (hold) {
          held.push_back([done, o] { done(o); });
          return;
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
  void release() {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard l(mu);
      now.swap(held);
    }
    for (auto& f : now) f();
  }
};

class AsyncInvokeTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
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
        AsyncInvoke::Deps{*storage, workers, scheduler, clock, metrics, targets, fn}, options);
    if (role_check) queue->set_role_check(role_check);
    auto st = queue->start();
    ASSERT_TRUE(st) << st.error().message;
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
  // Moves the clock by `step` until `done` holds (at most `steps` times).
  // Between steps the committer and the workers finish what the last step
  // started: a short real wait for other threads, while time itself moves
  // only on the clock.
  bool drive(const std::function<bool()>& done, std::chrono::milliseconds step = 10ms,
             int steps = 1000) {
    for (int i = 0; i < steps; ++i) {
      if (done()) return true;
      clock.advance(step);
      std::this_thread::sleep_for(1ms);
    }
    return done();
  }
  int64_t metric(const char* name) {
    return static_cast<int64_t>(metrics.counter(name, {{"function", "f"}}).value());
  }
  size_t stored(const std::string& ns) {
    size_t n = 0;
    EXPECT_TRUE(storage->records(ns).each("", [&](storage::Entry&) { ++n; }));
    return n;
  }
  static json::object record(const Delivery& d) { return *parse_object(d.body); }

  storage::testing::TempDir dir;
  SimulatedClock clock{std::chrono::system_clock::now()};
  WorkerPool workers{2};
  Scheduler scheduler{clock};
  Metrics metrics;
  Targets targets;
  Recorder sqs;
  std::unique_ptr<Binding> bound = targets.bind("sqs", sqs);
  Script fn;
  RoleCheck role_check;  // given to the queue when it opens
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<AsyncInvoke> queue;
};

TEST_F(AsyncInvokeTest, SuccessGoesToTheOnSuccessDestination) {
  fn.policy.on_success = kOk;
  invoke();
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }));
  auto got = sqs.all();
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
  // Nothing stays behind: the log is trimmed, the delivery's timer removed.
  EXPECT_TRUE(drive([&] {
    return queue->pending() == 0 && queue->waiting() == 0 && stored("lambda.async.log") == 0;
  }));
}

TEST_F(AsyncInvokeTest, FunctionErrorsAreRetriedAfterOneThenTwoMinutesThenGoToOnFailure) {
  fn.policy.on_failure = kFail;
  fn.policy.retry_delays_ms = {60'000, 120'000};
  fn.outcomes = {{Kind::kFunctionError, R"({"errorMessage":"boom"})"},
                 {Kind::kFunctionError, R"({"errorMessage":"boom"})"},
                 {Kind::kFunctionError, R"({"errorMessage":"boom"})"}};
  invoke();
  ASSERT_TRUE(drive([&] { return fn.run_count() == 1 && queue->waiting() == 1; }));
  clock.advance(59s);
  EXPECT_EQ(fn.run_count(), 1);  // not before the first delay
  ASSERT_TRUE(drive([&] { return fn.run_count() == 2; }, 1s, 300));
  clock.advance(110s);
  EXPECT_EQ(fn.run_count(), 2);  // the second delay is longer
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }, 1s, 300));
  EXPECT_EQ(fn.run_count(), 3);  // the first attempt and MaximumRetryAttempts = 2
  auto r = record(sqs.all()[0].second);
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
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }));
  EXPECT_EQ(fn.run_count(), 1);
}

TEST_F(AsyncInvokeTest, ThrottlesBackOffWithoutUsingRetries) {
  fn.policy.max_retries = 0;
  fn.policy.on_success = kOk;
  fn.outcomes = {{Kind::kThrottled, ""}, {Kind::kThrottled, ""}, {Kind::kThrottled, ""}};
  invoke();
  ASSERT_TRUE(drive([&] { return fn.run_count() == 1; }));
  clock.advance(900ms);  // the first backoff is one second
  EXPECT_EQ(fn.run_count(), 1);
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }, 100ms));
  EXPECT_EQ(fn.run_count(), 4);
  EXPECT_EQ(record(sqs.all()[0].second).at("requestContext").at("condition"), "Success");
}

TEST_F(AsyncInvokeTest, AnEventOlderThanItsMaximumAgeIsNotRun) {
  fn.policy.max_age_ms = 60'000;
  fn.policy.backoff_initial_ms = 120'000;  // the next attempt comes after the maximum age
  fn.policy.on_failure = kFail;
  fn.outcomes = {{Kind::kThrottled, ""}};
  invoke();
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }, 1s, 300));
  EXPECT_EQ(fn.run_count(), 1);
  auto r = record(sqs.all()[0].second);
  EXPECT_EQ(r.at("requestContext").at("condition"), "EventAgeExceeded");
  EXPECT_FALSE(r.contains("responseContext"));
}

TEST_F(AsyncInvokeTest, WithoutOnFailureTheEventGoesToTheDeadLetterTarget) {
  fn.policy.max_retries = 0;
  fn.policy.dead_letter = kDlq;
  fn.outcomes = {{Kind::kFunctionError, R"({"errorMessage":"bad input"})"}};
  invoke(R"({"raw":true})");
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }));
  auto got = sqs.all();
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
  EXPECT_TRUE(drive([&] { return metric("nimbus_lambda_async_events_dropped") == 1; }));
  EXPECT_TRUE(drive([&] { return queue->pending() == 0 && stored("lambda.async.log") == 0; }));
}

TEST_F(AsyncInvokeTest, ADestinationThatDoesNotExistIsCountedNotRetried) {
  fn.policy.on_success = "arn:aws:sqs:us-east-1:000000000000:gone";
  invoke();
  EXPECT_TRUE(drive([&] { return metric("nimbus_lambda_dead_letter_errors") == 1; }));
  EXPECT_TRUE(drive([&] { return queue->waiting() == 0; }));
  EXPECT_EQ(sqs.count(), 0u);
}

TEST_F(AsyncInvokeTest, ADestinationKindBoundLaterStillGetsTheRecord) {
  // Start-up order: the destination's service binds after the event finished.
  fn.policy.on_success = kTopic;
  Recorder sns;
  sns.known = {kTopic};
  invoke();
  ASSERT_TRUE(drive([&] { return fn.run_count() == 1 && queue->waiting() == 1; }));
  auto late = targets.bind("sns", sns);
  EXPECT_TRUE(drive([&] { return sns.count() == 1; }, 100ms));
  EXPECT_EQ(metric("nimbus_lambda_dead_letter_errors"), 0);
}

// Under --iam enforce (set_role_check) the record goes as the function's
// execution role: refused, it is not sent and counts as a failed delivery;
// allowed, it is sent.
TEST_F(AsyncInvokeTest, DestinationsAreSentOnlyWhenTheExecutionRoleAllows) {
  fn.role = kRole;
  fn.policy.on_success = kOk;
  std::atomic<bool> allowed{false};
  std::mutex mu;
  std::vector<std::string> asked;
  role_check = [&](const std::string& role, const std::string& target, const Delivery&) -> Status {
    std::lock_guard l(mu);
    asked.push_back(role + " " + target);
    if (allowed) return Status::ok();
    return Error::make("AccessDenied", "not allowed", 403);
  };
  reopen();
  invoke();
  ASSERT_TRUE(drive([&] { return metric("nimbus_lambda_dead_letter_errors") == 1; }));
  EXPECT_TRUE(drive([&] {
    return queue->pending() == 0 && queue->waiting() == 0 && stored("lambda.async.log") == 0;
  }));
  EXPECT_EQ(sqs.count(), 0u);
  {
    std::lock_guard l(mu);
    EXPECT_EQ(asked, std::vector<std::string>{kRole + " " + kOk});
  }
  allowed = true;
  invoke(R"({"n":2})");
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }));
  EXPECT_EQ(record(sqs.all()[0].second).at("requestPayload").at("n"), 2);
  EXPECT_EQ(metric("nimbus_lambda_dead_letter_errors"), 1);
}

TEST_F(AsyncInvokeTest, ADeadLetterMessageTheRoleMayNotSendIsDroppedAndCounted) {
  fn.role = kRole;
  fn.policy.max_retries = 0;
  fn.policy.dead_letter = kDlq;
  fn.outcomes = {{Kind::kFunctionError, "{}"}};
  std::atomic<int> asked{0};
  role_check = [&](const std::string&, const std::string& target, const Delivery&) -> Status {
    ++asked;
    EXPECT_EQ(target, kDlq);
    return Error::make("AccessDenied", "not allowed", 403);
  };
  reopen();
  invoke();
  ASSERT_TRUE(drive([&] { return metric("nimbus_lambda_dead_letter_errors") == 1; }));
  EXPECT_TRUE(drive([&] { return queue->pending() == 0 && queue->waiting() == 0; }));
  EXPECT_EQ(sqs.count(), 0u);
  EXPECT_EQ(asked, 1);
}

// A function without a role (not under enforce) is not asked about.
TEST_F(AsyncInvokeTest, AFunctionWithoutARoleIsNotChecked) {
  fn.policy.on_success = kOk;
  role_check = [](const std::string&, const std::string&, const Delivery&) -> Status {
    return Error::make("AccessDenied", "not allowed", 403);
  };
  reopen();
  invoke();
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }));
}

TEST_F(AsyncInvokeTest, AQueuedEventSurvivesARestart) {
  fn.policy.on_success = kOk;
  queue->stop();  // accepted, never dispatched: as if killed right after the 202
  invoke();
  EXPECT_EQ(fn.run_count(), 0);
  EXPECT_EQ(stored("lambda.async.log"), 1u);
  reopen();
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }));
  EXPECT_EQ(record(sqs.all()[0].second).at("requestPayload").at("n"), 1);
  ASSERT_TRUE(drive([&] { return queue->waiting() == 0 && stored("lambda.async.log") == 0; }));
  reopen();  // finished events are gone from storage
  drive([] { return false; }, 10ms, 20);
  EXPECT_EQ(fn.run_count(), 1);
  EXPECT_EQ(sqs.count(), 1u);
}

TEST_F(AsyncInvokeTest, ARetryWaitingInATimerSurvivesARestart) {
  fn.policy.on_success = kOk;
  fn.policy.retry_delays_ms = {60'000};
  fn.outcomes = {{Kind::kFunctionError, "{}"}};
  invoke();
  ASSERT_TRUE(drive([&] { return fn.run_count() == 1 && queue->waiting() == 1; }));
  EXPECT_TRUE(drive([&] { return stored("lambda.async.log") == 0; }));  // moved to the timer
  reopen();
  clock.advance(30s);
  EXPECT_EQ(fn.run_count(), 1);
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }, 1s, 100));
  EXPECT_EQ(fn.run_count(), 2);
  EXPECT_EQ(record(sqs.all()[0].second).at("requestContext").at("approximateInvokeCount"), 2);
}

// A stop between a retry timer's commit and the trim of the event's log
// record leaves both stored: the event runs once, from its timer.
TEST_F(AsyncInvokeTest, AnEventInBothItsLogAndARetryTimerRunsOnce) {
  fn.policy.on_success = kOk;
  queue->stop();
  invoke();  // in the log only
  queue.reset();
  {
    auto log = storage::Log::open(*storage, "lambda.async.log", clock, scheduler);
    ASSERT_TRUE(log) << log.error().message;
    auto info = (*log)->info("f");
    ASSERT_TRUE(info.has_value());
    auto records = (*log)->read("f", info->first_seq);
    ASSERT_TRUE(records && records->size() == 1u);
    storage::Timers timers(
        *storage, clock, scheduler, [this](std::function<void()> f) { workers.post(std::move(f)); },
        storage::Timers::Options{"lambda.async.timers", 1s});
    ASSERT_TRUE(timers.start());
    char seq[32];
    std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(info->first_seq));
    std::promise<Status> parked;
    timers.schedule("retry", std::string("f/") + seq, clock.now() + 60s, (*records)[0].data,
                    [&](Status st) { parked.set_value(std::move(st)); });
    ASSERT_TRUE(parked.get_future().get());
  }
  reopen();
  drive([] { return false; }, 1s, 30);  // half the retry delay
  EXPECT_EQ(fn.run_count(), 0);         // not run again from the log
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }, 1s, 100));
  EXPECT_EQ(fn.run_count(), 1);
  EXPECT_TRUE(drive([&] { return stored("lambda.async.log") == 0; }));
}

TEST_F(AsyncInvokeTest, AnUndeliveredDestinationRecordSurvivesARestart) {
  fn.policy.on_success = kTopic;  // not bound yet
  invoke();
  ASSERT_TRUE(drive([&] { return fn.run_count() == 1 && queue->waiting() == 1; }));
  reopen();  // the record waits in its timer, not in the function's queue
  Recorder sns;
  sns.known = {kTopic};
  auto late = targets.bind("sns", sns);
  ASSERT_TRUE(drive([&] { return sns.count() == 1; }, 100ms));
  EXPECT_EQ(record(sns.all()[0].second).at("requestContext").at("condition"), "Success");
  EXPECT_EQ(fn.run_count(), 1);  // the function did not run again
}

TEST_F(AsyncInvokeTest, RecordsOfAnOlderBuildAreMovedToTimersAndRun) {
  fn.policy.on_success = kOk;
  queue.reset();
  // What the records-based queue and outbox left: one queued event, one
  // destination record not yet delivered.
  storage::WriteBatch batch;
  batch.put("lambda.async", "f/00000000000000000001",
            R"({"name":"f","qualifier":"","payload":"{\"old\":1}","request_id":"req-old",)"
            R"("attempts":0,"first_ms":)" +
                std::to_string(clock.now_millis()) + "}");
  batch.put("lambda.async.out", "00000000000000000002",
            R"({"target":")" + kDlq +
                R"(","body":"left over","attributes":[],"group_id":"",)"
                R"("dedup_id":"","source_arn":")" +
                kFn + R"(","id":"req-older","first_ms":)" + std::to_string(clock.now_millis()) +
                "}");
  ASSERT_TRUE(storage->commit_sync(std::move(batch)));
  reopen();
  EXPECT_EQ(stored("lambda.async"), 0u);
  EXPECT_EQ(stored("lambda.async.out"), 0u);
  ASSERT_TRUE(drive([&] { return sqs.count() == 2; }));
  std::map<std::string, std::string> by_target;
  for (const auto& [arn, d] : sqs.all()) by_target[arn] = d.body;
  EXPECT_EQ(by_target[kDlq], "left over");
  EXPECT_EQ(parse_object(by_target[kOk])->at("requestPayload").at("old"), 1);
  EXPECT_EQ(fn.run_count(), 1);
}

TEST_F(AsyncInvokeTest, EventsOfAFunctionThatNoLongerExistsAreDropped) {
  fn.exists = false;
  fn.policy.on_failure = kFail;
  invoke();
  EXPECT_TRUE(drive([&] { return queue->pending() == 0 && stored("lambda.async.log") == 0; }));
  EXPECT_EQ(fn.run_count(), 0);
  EXPECT_EQ(sqs.count(), 0u);
}

TEST_F(AsyncInvokeTest, StoppingWithAnInvocationInFlightLosesNothing) {
  fn.policy.on_success = kOk;
  {
    std::lock_guard l(fn.mu);
    fn.hold = true;
  }
  invoke();
  ASSERT_TRUE(drive([&] { return fn.run_count() == 1; }));
  queue.reset();  // the function has not answered yet
  fn.release();   // its answer finds the queue gone (and touches nothing)
  {
    std::lock_guard l(fn.mu);
    fn.hold = false;
  }
  EXPECT_EQ(sqs.count(), 0u);
  reopen();  // the event is still in the log: it runs again
  ASSERT_TRUE(drive([&] { return sqs.count() == 1; }));
  EXPECT_EQ(fn.run_count(), 2);
}

}  // namespace
}  // namespace nimbus::events
