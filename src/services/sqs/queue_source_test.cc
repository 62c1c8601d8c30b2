// The SQS event source mapping's pollers (events/sqs_poller.h) on SQS's
// QueueSource (queue_source.cc): the real engine on the shared fixture
// (simulated clock driving the pollers' timers), and a scripted invoker for Lambda.
#include "events/sqs_poller.h"

#include <atomic>
#include <condition_variable>
#include <deque>

#include "services/sqs/queues.h"
#include "services/sqs/test_helpers.h"

namespace nimbus::events {
namespace {

namespace json = boost::json;
using Kind = InvokeOutcome::Kind;

// Records each payload; answers with the scripted outcome for it.
struct FakeFunction {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<json::object> events;
  std::function<InvokeOutcome(const json::object&)> script = [](const json::object&) {
    return InvokeOutcome{Kind::kOk, ""};
  };

  Invoke invoker() {
    return [this](std::string payload, std::function<void(InvokeOutcome)> done) {
      auto ev = json::parse(payload).as_object();
      InvokeOutcome o = script(ev);
      {
        std::lock_guard l(mu);
        events.push_back(ev);
      }
      cv.notify_all();
      done(std::move(o));
    };
  }
  bool wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock l(mu);
    return cv.wait_for(l, timeout, [&] { return events.size() >= n; });
  }
  size_t count() {
    std::lock_guard l(mu);
    return events.size();
  }
};

class SqsPollerTest : public services::sqs::testing::SqsTest {
 protected:
  void TearDown() override {
    // As Mappings::shutdown does: an invocation still running must not
    // delete from the queues this fixture is about to destroy.
    if (poller) {
      poller->stop();
      poller->detach();
    }
    poller.reset();
    SqsTest::TearDown();
  }

  std::string make_queue(const std::string& name, json::object attrs = {}) {
    json::object in{{"QueueName", name}};
    if (!attrs.empty()) in["Attributes"] = attrs;
    url = std::string(call("CreateQueue", in).at("QueueUrl").as_string());
    return svc->queues().arn_of("000000000000", name);
  }
  void send(const std::string& body, const std::string& group = {}) {
    json::object in{{"QueueUrl", url}, {"MessageBody", body}};
    if (!group.empty()) {
      in["MessageGroupId"] = group;
      in["MessageDeduplicationId"] = body;
    }
    call("SendMessage", in);
  }
  // Visible and in-flight message counts.
  std::pair<int, int> counts() {
    auto out =
        call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}});
    const auto& a = out.at("Attributes").as_object();
    return {std::stoi(std::string(a.at("ApproximateNumberOfMessages").as_string())),
            std::stoi(std::string(a.at("ApproximateNumberOfMessagesNotVisible").as_string()))};
  }
  static SqsPollerConfig config(const std::string& uuid, const std::string& arn) {
    SqsPollerConfig c;
    c.uuid = uuid;
    c.queue_arn = arn;
    return c;
  }
  void start(SqsPollerConfig c, std::function<Status()> may_receive = nullptr) {
    c.region = "us-east-1";
    c.wait_seconds = 1;
    SqsPoller::Deps d{targets,
                      scheduler,
                      clock,
                      fn.invoker(),
                      PollerCounters{&batches, &records, &failures, &filtered},
                      std::move(may_receive)};
    poller = SqsPoller::start(std::move(d), std::move(c));
  }
  static std::vector<std::string> bodies(const json::object& ev) {
    std::vector<std::string> out;
    for (const auto& r : ev.at("Records").as_array()) {
      out.emplace_back(r.at("body").as_string());
    }
    return out;
  }

  std::string url;
  FakeFunction fn;
  Counter batches, records, failures, filtered;
  std::shared_ptr<SqsPoller> poller;
};

TEST_F(SqsPollerTest, DeliversABatchAndDeletesItOnSuccess) {
  std::string arn = make_queue("work");
  send("one");
  send("two");
  start(config("u1", arn));
  ASSERT_TRUE(fn.wait_for(1));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 0}; }));
  size_t delivered = 0;
  {
    std::lock_guard l(fn.mu);
    for (const auto& ev : fn.events) {
      for (const auto& r : ev.at("Records").as_array()) {
        EXPECT_EQ(r.at("eventSourceARN").as_string(), arn);
        EXPECT_EQ(r.at("eventSource"), "aws:sqs");
        ++delivered;
      }
    }
  }
  EXPECT_EQ(delivered, 2u);
  EXPECT_EQ(records.value(), 2u);
  EXPECT_EQ(poller->last_result(), "OK");
}

TEST_F(SqsPollerTest, ABatchingWindowGathersMessagesUntilItEnds) {
  std::string arn = make_queue("window");
  for (auto b : {"a", "b", "c"}) send(b);
  auto c = config("u9", arn);
  c.batch_size = 20;
  c.window_seconds = 2;
  c.max_concurrency = 1;  // one poller: every message joins its batch
  start(c);
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 3}; }));  // received
  EXPECT_EQ(fn.count(), 0u);  // 3 of 20, and the window is still open
  send("d");
  clock.advance(std::chrono::seconds(3));
  ASSERT_TRUE(fn.wait_for(1));
  std::lock_guard l(fn.mu);
  auto got = bodies(fn.events[0]);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(SqsPollerTest, FunctionErrorKeepsTheBatchUntilItsVisibilityTimeout) {
  std::string arn = make_queue("fail", {{"VisibilityTimeout", "5"}});
  fn.script = [](const json::object& ev) {
    auto count = ev.at("Records").at(0).at("attributes").at("ApproximateReceiveCount");
    return count == "1" ? InvokeOutcome{Kind::kFunctionError, "{}"} : InvokeOutcome{};
  };
  send("m");
  start(config("u2", arn));
  ASSERT_TRUE(fn.wait_for(1));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 1}; }));
  // The poller counts the failure after the invocation answered: wait for it.
  EXPECT_TRUE(eventually([&] { return failures.value() == 1u; }));
  EXPECT_TRUE(eventually([&] { return poller->last_result() == "PROBLEM: Function call failed"; }));
  clock.advance(std::chrono::seconds(6));  // the visibility timeout ends
  ASSERT_TRUE(fn.wait_for(2));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 0}; }));
}

TEST_F(SqsPollerTest, PartialBatchResponseDeletesAllButTheReportedItems) {
  std::string arn = make_queue("partial");
  for (auto b : {"a", "b", "c"}) send(b);
  fn.script = [](const json::object& ev) {
    for (const auto& r : ev.at("Records").as_array()) {
      if (r.at("body") == "b") {
        return InvokeOutcome{Kind::kOk, R"({"batchItemFailures":[{"itemIdentifier":")" +
                                            std::string(r.at("messageId").as_string()) + "\"}]}"};
      }
    }
    return InvokeOutcome{};
  };
  auto c = config("u3", arn);
  c.report_failures = true;
  start(c);
  ASSERT_TRUE(fn.wait_for(1));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 1}; }));
  // An invalid response fails the whole batch.
  fn.script = [](const json::object&) { return InvokeOutcome{Kind::kOk, "not json"}; };
  send("d");
  ASSERT_TRUE(fn.wait_for(2));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 2}; }));
}

TEST_F(SqsPollerTest, FifoPartialFailureKeepsTheRestOfTheGroup) {
  std::string arn = make_queue("ordered.fifo", {{"FifoQueue", "true"}});
  for (auto b : {"g1-a", "g1-b", "g1-c"}) send(b, "g1");
  fn.script = [](const json::object& ev) {
    auto id = std::string(ev.at("Records").at(1).at("messageId").as_string());
    return InvokeOutcome{Kind::kOk, R"({"batchItemFailures":[{"itemIdentifier":")" + id + "\"}]}"};
  };
  auto c = config("u4", arn);
  c.report_failures = true;
  start(c);
  ASSERT_TRUE(fn.wait_for(1));
  {
    std::lock_guard l(fn.mu);
    EXPECT_EQ(bodies(fn.events[0]), (std::vector<std::string>{"g1-a", "g1-b", "g1-c"}));
  }
  // g1-a deleted; g1-b failed and g1-c after it are kept.
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 2}; }));
  EXPECT_EQ(failures.value(), 2u);
}

TEST_F(SqsPollerTest, MessagesNoFilterMatchesAreDeletedUndelivered) {
  std::string arn = make_queue("filtered");
  send(R"({"kind":"keep"})");
  send(R"({"kind":"drop"})");
  send("plain text");
  auto p = EventPattern::parse(R"({"body":{"kind":["keep"]}})");
  ASSERT_TRUE(p);
  auto c = config("u5", arn);
  c.filters = {*p};
  start(c);
  ASSERT_TRUE(fn.wait_for(1));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 0}; }));
  EXPECT_EQ(filtered.value(), 2u);
  std::lock_guard l(fn.mu);
  ASSERT_EQ(fn.events.size(), 1u);
  EXPECT_EQ(bodies(fn.events[0]), std::vector<std::string>{R"({"kind":"keep"})"});
}

TEST_F(SqsPollerTest, StopReleasesTheLongPollsAtOnce) {
  std::string arn = make_queue("stopped");
  start(config("u6", arn));
  EXPECT_EQ(poller->pollers(), 5);
  poller->stop();
  // A message sent now is not taken by a stale long poll of the stopped
  // poller: our receive is its first.
  send("after stop");
  auto out = call("ReceiveMessage", {{"QueueUrl", url},
                                     {"WaitTimeSeconds", 0},
                                     {"AttributeNames", json::array{"ApproximateReceiveCount"}}});
  ASSERT_TRUE(out.contains("Messages"));
  ASSERT_EQ(out.at("Messages").as_array().size(), 1u);
  EXPECT_EQ(out.at("Messages").at(0).at("Attributes").at("ApproximateReceiveCount"), "1");
  EXPECT_EQ(fn.count(), 0u);
}

TEST_F(SqsPollerTest, ThrottleBacksOffAndDeletesNothing) {
  std::string arn = make_queue("throttled", {{"VisibilityTimeout", "5"}});
  fn.script = [](const json::object&) { return InvokeOutcome{Kind::kThrottled, ""}; };
  send("m");
  auto c = config("u7", arn);
  c.max_concurrency = 2;
  start(c);
  EXPECT_EQ(poller->pollers(), 2);
  ASSERT_TRUE(fn.wait_for(1));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 1}; }));
  // Set once the invocation answered, which may be after the count moved.
  EXPECT_TRUE(eventually([&] { return poller->last_result() == "PROBLEM: Function throttled"; }));
}

// A mapping reads as its function's execution role: while the role may not
// receive, nothing is read and LastProcessingResult says why; once it may,
// the poller takes the messages up at its next try.
TEST_F(SqsPollerTest, ARefusedRoleReadsNothingUntilAllowed) {
  std::string arn = make_queue("guarded");
  send("m");
  std::atomic<bool> allowed{false};
  start(config("u9", arn), [&]() -> Status {
    if (allowed) return Status::ok();
    return Error::make("InvalidParameterValueException",
                       "The provided execution role does not have permissions to call "
                       "ReceiveMessage on SQS");
  });
  EXPECT_TRUE(eventually([&] {
    return poller->last_result() ==
           "PROBLEM: The provided execution role does not have permissions to call "
           "ReceiveMessage on SQS";
  }));
  EXPECT_EQ(counts(), (std::pair{1, 0}));
  EXPECT_EQ(fn.count(), 0u);
  allowed = true;
  EXPECT_TRUE(advance_until([&] { return fn.count() == 1; }, std::chrono::seconds(1)));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 0}; }));
}

TEST_F(SqsPollerTest, AFullReceiveAddsAPollerUpToTheCap) {
  std::string arn = make_queue("busy");
  for (int i = 0; i < 30; ++i) send("m" + std::to_string(i));
  auto c = config("u8", arn);
  c.max_concurrency = 6;
  start(c);
  ASSERT_TRUE(fn.wait_for(3));
  EXPECT_TRUE(eventually([&] { return counts() == std::pair{0, 0}; }));
  EXPECT_EQ(poller->pollers(), 6);
  // Empty long polls (1 s) retire the extra poller again.
  EXPECT_TRUE(advance_until([&] { return poller->pollers() == 5; }, std::chrono::seconds(1), 10));
}

}  // namespace
}  // namespace nimbus::events
