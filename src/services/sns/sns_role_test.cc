// A firehose subscription delivers as its SubscriptionRoleArn
// (Deliveries::set_role_check): a role that may not put records gets the
// message refused without retries and sent to the subscription's
// dead-letter queue, as SNS treats client errors; one that may delivers.
#include <gtest/gtest.h>

#include <atomic>

#include "services/sns/test_helpers.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/target_fixture.h"

namespace nimbus::services::sns {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kStream = "arn:aws:firehose:us-east-1:000000000000:deliverystream/s";
const std::string kFirehoseRole = "arn:aws:iam::000000000000:role/sns-firehose";

class SnsRoleTest : public services::testing::WithTargets<testing::SnsTest> {
 protected:
  SnsRoleTest() : WithTargets({build<sqs::SqsService>(), build<SnsService>()}) {}

  void open() override {
    WithTargets::open();
    stream_binding = targets.bind("firehose", streams);
    svc->deliveries().set_role_check([this](const std::string& role, const std::string& target,
                                            const events::Delivery&) -> Status {
      MutexLock lock(mu);
      asked.push_back(role + " " + target);
      if (allowed) return Status::ok();
      return Error::make("AccessDenied", "User: " + role + " is not authorized", 403);
    });
  }
  void close() override {
    stream_binding.reset();
    WithTargets::close();
  }
  std::vector<std::string> asked_so_far() {
    MutexLock lock(mu);
    return asked;
  }

  services::testing::FakeFunctions streams;  // a Firehose target double
  std::unique_ptr<events::Binding> stream_binding;
  Mutex mu;
  std::vector<std::string> asked GUARDED_BY(mu);
  std::atomic<bool> allowed{false};
};

TEST_F(SnsRoleTest, AFirehoseSubscriptionDeliversAsItsRole) {
  std::string dlq = queue("dlq");
  std::string topic = create_topic("t");
  subscribe(topic, "firehose", kStream,
            {{"SubscriptionRoleArn", kFirehoseRole},
             {"RawMessageDelivery", "true"},
             {"RedrivePolicy", R"({"deadLetterTargetArn":")" + arn_of(dlq) + R"("})"}});
  call("Publish", {{"TopicArn", topic}, {"Message", "refused"}});
  auto dead = receive(dlq);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_NE(s(dead[0].at("Body")).find("refused"), std::string::npos);
  EXPECT_EQ(streams.received(), 0u);
  // Refused once, not retried.
  EXPECT_EQ(asked_so_far(), std::vector<std::string>{kFirehoseRole + " " + kStream});
  {
    MutexLock lock(streams.mu);
    EXPECT_EQ(streams.attempts, 0);
  }

  allowed = true;
  call("Publish", {{"TopicArn", topic}, {"Message", "allowed"}});
  ASSERT_TRUE(advance_until([&] { return streams.received() == 1; }, 10ms));
  {
    MutexLock lock(streams.mu);
    EXPECT_EQ(streams.bodies, std::vector<std::string>{"allowed"});
  }
  EXPECT_TRUE(receive(dlq, 1, 10ms, 20).empty());
}

// Queues are not checked against SubscriptionRoleArn (their policies decide).
TEST_F(SnsRoleTest, OtherProtocolsAreNotChecked) {
  std::string url = queue("q");
  std::string topic = create_topic("t");
  subscribe(topic, "sqs", arn_of(url), {{"RawMessageDelivery", "true"}});
  call("Publish", {{"TopicArn", topic}, {"Message", "hello"}});
  ASSERT_EQ(receive(url).size(), 1u);
  EXPECT_TRUE(asked_so_far().empty());
}

}  // namespace
}  // namespace nimbus::services::sns
