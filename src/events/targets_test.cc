// The Targets registry: lookup by ARN kind, the failures for ARNs nothing
// delivers to, and unbinding while calls run.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "events/target.h"

namespace nimbus::events {
namespace {

// Takes deliveries to ARNs it knows; refuses others as not found.
struct FakeTarget final : Target {
  std::vector<std::pair<std::string, Delivery>> got;
  std::set<std::string> known;
  Status check(const std::string& arn) const override {
    if (known.contains(arn)) return Status::ok();
    return Error::make("QueueDoesNotExist", "The specified queue does not exist.");
  }
  void deliver(const std::string& arn, Delivery d, DeliverDone done) override {
    if (!known.contains(arn)) {
      return done(Outcome::failed(Failure::kNotFound, check(arn).error()));
    }
    got.emplace_back(arn, std::move(d));
    done(Outcome::ok("id-" + std::to_string(got.size())));
  }
};

const std::string kQueue = "arn:aws:sqs:us-east-1:000000000000:q";

TEST(Arn, ParsesTheSixFields) {
  auto a = Arn::parse("arn:aws:lambda:us-east-1:000000000000:function:f:prod");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->partition, "aws");
  EXPECT_EQ(a->service, "lambda");
  EXPECT_EQ(a->region, "us-east-1");
  EXPECT_EQ(a->account, "000000000000");
  EXPECT_EQ(a->resource, "function:f:prod");
  EXPECT_FALSE(Arn::parse("arn:aws:sqs"));
  EXPECT_FALSE(Arn::parse("nra:aws:sqs:r:a:q"));
  EXPECT_EQ(target_kind("https://example.com/hook"), "https");
  EXPECT_EQ(target_kind(kQueue), "sqs");
  EXPECT_EQ(target_kind("queue"), "");
}

TEST(Targets, DeliversToTheTargetBoundForTheKind) {
  Targets targets;
  FakeTarget sqs;
  sqs.known.insert(kQueue);
  auto bound = targets.bind("sqs", sqs);
  EXPECT_TRUE(targets.check(kQueue));
  EXPECT_EQ(targets.check(kQueue + "x").error().code, "QueueDoesNotExist");
  std::optional<Outcome> out;
  Delivery d;
  d.body = "hi";
  targets.deliver(kQueue, std::move(d), [&](Outcome o) { out = o; });
  ASSERT_TRUE(out && out->is_ok());
  EXPECT_EQ(out->id(), "id-1");
  ASSERT_EQ(sqs.got.size(), 1u);
  EXPECT_EQ(sqs.got[0].second.body, "hi");
}

TEST(Targets, AnArnNothingDeliversToFailsAsNotFound) {
  Targets targets;
  EXPECT_EQ(targets.check("arn:aws:sns:us-east-1:000000000000:t").error().code,
            "UnsupportedTarget");
  EXPECT_EQ(targets.check("not-an-arn").error().code, "InvalidArn");
  std::optional<Outcome> out;
  targets.deliver("arn:aws:sns:us-east-1:000000000000:t", {}, [&](Outcome o) { out = o; });
  ASSERT_TRUE(out && !out->is_ok());
  EXPECT_EQ(out->failure(), Failure::kNotFound);
  EXPECT_FALSE(out->retryable());
}

TEST(Targets, UnbindingWaitsForRunningCallsAndStopsNewOnes) {
  Targets targets;
  struct Slow final : Target {
    std::atomic<bool> entered{false}, release{false}, finished{false};
    Status check(const std::string&) const override { return Status::ok(); }
    void deliver(const std::string&, Delivery, DeliverDone done) override {
      entered = true;
      while (!release) std::this_thread::yield();
      finished = true;
      done(Outcome::ok());
    }
  } slow;
  auto& release = slow.release;
  auto bound = targets.bind("sqs", slow);
  std::thread caller([&] { targets.deliver(kQueue, {}, [](Outcome) {}); });
  while (!slow.entered) std::this_thread::yield();
  std::thread unbind([&] { bound.reset(); });
  release = true;
  unbind.join();
  EXPECT_TRUE(slow.finished);  // the destructor waited for the running call
  caller.join();
  EXPECT_FALSE(targets.has("sqs"));
  std::optional<Outcome> out;
  targets.deliver(kQueue, {}, [&](Outcome o) { out = o; });
  ASSERT_TRUE(out);
  EXPECT_EQ(out->error().code, "UnsupportedTarget");
}

TEST(RetryPolicy, DelaysAndBackoff) {
  RetryPolicy p;
  EXPECT_EQ(p.retry_delay_ms(0), 60'000);
  EXPECT_EQ(p.retry_delay_ms(1), 120'000);
  EXPECT_EQ(p.retry_delay_ms(5), 120'000);
  EXPECT_EQ(p.backoff_ms(1), 1'000);
  EXPECT_EQ(p.backoff_ms(3), 4'000);
  EXPECT_EQ(p.backoff_ms(40), 300'000);
  p.retry_delays_ms.clear();
  EXPECT_EQ(p.retry_delay_ms(0), 0);
}

}  // namespace
}  // namespace nimbus::events
