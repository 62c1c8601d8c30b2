// http deliveries against a real http::Server on an ephemeral port, with
// the retries on the simulated clock: the confirmation POST, a failing
// endpoint retried per its healthyRetryPolicy only when the clock says so,
// and the dead-letter queue once the retries are spent.
#include <gtest/gtest.h>

#include "common/mutex.h"
#include "http/server.h"
#include "services/sns/test_helpers.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/target_fixture.h"

namespace nimbus::services::sns {
namespace {

namespace json = boost::json;

class SnsHttpTest : public services::testing::WithTargets<testing::SnsTest> {
 protected:
  SnsHttpTest()
      : WithTargets({build<sqs::SqsService>(), [this](Environment& env) {
                       return std::make_unique<SnsService>(env, &logs_);
                     }}) {
    http::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    endpoint_ = std::make_unique<http::Server>(o, [this](http::Request r, http::Reply reply) {
      http::Response out;
      {
        MutexLock lock(mu_);
        bool failing = fail_next_ > 0;
        if (failing) --fail_next_;
        posts_.push_back({std::string(r.header("x-amz-sns-message-type")), r.body, failing,
                          clock.now_millis(), std::string(r.header("content-type"))});
        out.status = failing ? 500 : 200;
      }
      reply(std::move(out));
    });
    auto port = endpoint_->start();
    url_ = "http://127.0.0.1:" + std::to_string(port.is_ok() ? *port : 0) + "/hook";
  }
  ~SnsHttpTest() override { endpoint_->stop(); }

  struct Post {
    std::string type, body;
    bool failed;
    int64_t at_ms;  // on the simulated clock
    std::string content_type;
  };
  std::vector<Post> posts() {
    MutexLock lock(mu_);
    return posts_;
  }
  size_t count(const std::string& type) {
    size_t n = 0;
    for (const auto& p : posts()) n += p.type == type;
    return n;
  }
  void fail_next(int n) {
    MutexLock lock(mu_);
    fail_next_ = n;
  }
  // A confirmed http subscription of `topic` with `policy`.
  std::string confirmed(const std::string& topic, json::object attributes) {
    std::string sub = subscribe(topic, "http", url_, std::move(attributes));
    clock.advance(std::chrono::milliseconds(1));
    EXPECT_TRUE(eventually([&] { return count("SubscriptionConfirmation") > 0; }));
    auto conf = json::parse(posts().back().body).as_object();
    call("ConfirmSubscription", {{"TopicArn", topic}, {"Token", conf["Token"]}});
    return sub;
  }

  testing::RecordedLogs logs_;  // delivery-status records
  Mutex mu_;
  std::vector<Post> posts_ GUARDED_BY(mu_);
  int fail_next_ GUARDED_BY(mu_) = 0;
  std::unique_ptr<http::Server> endpoint_;
  std::string url_;
};

const char* kPolicy = R"({"healthyRetryPolicy":{"numRetries":2,"minDelayTarget":5,)"
                      R"("maxDelayTarget":5}})";

TEST_F(SnsHttpTest, RetriesWaitForTheClockPerTheDeliveryPolicy) {
  std::string topic = create_topic("t");
  confirmed(topic, {{"DeliveryPolicy", kPolicy}});
  fail_next(2);
  call("Publish", {{"TopicArn", topic}, {"Message", "m"}});
  ASSERT_TRUE(advance_until([&] { return count("Notification") == 3; },
                            std::chrono::milliseconds(500), 60));
  std::vector<Post> tries;
  for (const auto& p : posts()) {
    if (p.type == "Notification") tries.push_back(p);
  }
  ASSERT_EQ(tries.size(), 3u);
  EXPECT_TRUE(tries[0].failed);
  EXPECT_TRUE(tries[1].failed);
  EXPECT_FALSE(tries[2].failed);
  // Each retry 5 s (minDelayTarget) after the failure, on the clock.
  for (size_t i = 1; i < 3; ++i) {
    int64_t gap = tries[i].at_ms - tries[i - 1].at_ms;
    EXPECT_GE(gap, 5000) << i;
    EXPECT_LE(gap, 6500) << i;
  }
  EXPECT_EQ(s(json::parse(tries[2].body).as_object()["Message"]), "m");
}

TEST_F(SnsHttpTest, AThrottlePolicyHoldsDeliveriesToItsRatePerSecond) {
  std::string topic = create_topic("t");
  confirmed(topic,
            {{"DeliveryPolicy", R"({"throttlePolicy":{"maxReceivesPerSecond":2},)"
                                R"("requestPolicy":{"headerContentType":"application/json"}})"}});
  // At the start of a second on the clock, so the windows are whole.
  clock.advance(std::chrono::milliseconds(1000 - clock.now_millis() % 1000));
  for (int i = 0; i < 5; ++i) call("Publish", {{"TopicArn", topic}, {"Message", "m"}});
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_TRUE(eventually([&] { return count("Notification") == 2; }));
  EXPECT_EQ(count("Notification"), 2u);  // the rest wait for the next second
  clock.advance(std::chrono::milliseconds(999));
  EXPECT_TRUE(eventually([&] { return count("Notification") == 4; }));
  EXPECT_EQ(count("Notification"), 4u);
  clock.advance(std::chrono::milliseconds(1000));
  EXPECT_TRUE(eventually([&] { return count("Notification") == 5; }));
  for (const auto& p : posts()) {
    if (p.type != "Notification") continue;
    EXPECT_EQ(p.content_type, "application/json");
    EXPECT_FALSE(p.failed);
  }
}

TEST_F(SnsHttpTest, SpentRetriesGoToTheDeadLetterQueue) {
  std::string dlq = queue("dlq");
  std::string topic = create_topic("t");
  confirmed(topic, {{"DeliveryPolicy", kPolicy},
                    {"RedrivePolicy",
                     json::serialize(json::object{{"deadLetterTargetArn", arn_of(dlq)}})}});
  fail_next(3);
  call("Publish", {{"TopicArn", topic}, {"Message", "lost"}});
  ASSERT_TRUE(
      advance_until([&] { return count("Notification") == 3; }, std::chrono::seconds(1), 20));
  auto got = receive(dlq);
  ASSERT_EQ(got.size(), 1u);
  auto env = json::parse(s(got[0].at("Body"))).as_object();
  EXPECT_EQ(s(env["Message"]), "lost");
  EXPECT_EQ(count("Notification"), 3u);
}

// Delivery status: one record per delivery, written when it succeeds
// (after its retries, counted in `attempts`) or when its retries are spent.
TEST_F(SnsHttpTest, DeliveryStatusIsLoggedOncePerDelivery) {
  const std::string role = "arn:aws:iam::000000000000:role/feedback";
  std::string topic = create_topic("t", {{"HTTPSuccessFeedbackRoleArn", role},
                                         {"HTTPSuccessFeedbackSampleRate", "100"},
                                         {"HTTPFailureFeedbackRoleArn", role}});
  confirmed(topic, {{"DeliveryPolicy", kPolicy}});
  const std::string group = "sns/us-east-1/000000000000/t";
  fail_next(1);
  call("Publish", {{"TopicArn", topic}, {"Message", "late"}});
  ASSERT_TRUE(
      advance_until([&] { return logs_.records(group).size() == 1; }, std::chrono::seconds(1), 20));
  auto ok = logs_.records(group)[0];
  EXPECT_EQ(ok.at("status"), "SUCCESS");
  EXPECT_EQ(ok.at("delivery").at("attempts"), 2);
  EXPECT_EQ(ok.at("delivery").at("statusCode"), 200);
  EXPECT_EQ(s(ok.at("delivery").at("destination")), url_);
  EXPECT_GE(ok.at("delivery").at("dwellTimeMs").as_int64(), 5000);
  EXPECT_TRUE(logs_.records(group + "/Failure").empty());  // the failed attempt is not one

  fail_next(3);
  call("Publish", {{"TopicArn", topic}, {"Message", "lost"}});
  ASSERT_TRUE(advance_until([&] { return !logs_.records(group + "/Failure").empty(); },
                            std::chrono::seconds(1), 20));
  auto failures = logs_.records(group + "/Failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].at("status"), "FAILURE");
  EXPECT_EQ(failures[0].at("delivery").at("attempts"), 3);  // 1 + numRetries 2
  EXPECT_EQ(failures[0].at("delivery").at("statusCode"), 500);
  EXPECT_EQ(logs_.records(group).size(), 1u);
}

}  // namespace
}  // namespace nimbus::services::sns
