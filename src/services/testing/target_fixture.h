// What the unit tests of services that deliver to targets share (SNS,
// EventBridge, S3 notifications): a "lambda" target double, and SQS (the
// real engine, which the test builds) as a target and dead-letter queue.
// Mixed into a fixture:
//
//   class NotifyTest : public WithTargets<ServiceTest<S3Service>> {
//     NotifyTest() : WithTargets({build<sqs::SqsService>(), build<S3Service>()}) {}
//   };
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "events/target.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::testing {

// A Lambda target that fails the next `fail` deliveries (throttled), then
// keeps the bodies it is given. When `only` is set, check() knows only the
// function of that name.
class FakeFunctions final : public events::Target {
 public:
  Status check(const std::string& arn) const override {
    if (only.empty() || arn.ends_with(":function:" + only)) return Status::ok();
    return Error::make("ResourceNotFoundException", "Function not found: " + arn, 404);
  }
  void deliver(const std::string&, events::Delivery d, events::DeliverDone done) override {
    MutexLock lock(mu);
    ++attempts;
    if (fail > 0) {
      --fail;
      return done(events::Outcome::failed(events::Failure::kThrottled,
                                          Error::make("TooManyRequestsException", "busy")));
    }
    bodies.push_back(d.body);
    done(events::Outcome::ok());
  }
  size_t received() {
    MutexLock lock(mu);
    return bodies.size();
  }

  std::string only;
  Mutex mu;
  int fail GUARDED_BY(mu) = 0;
  int attempts GUARDED_BY(mu) = 0;
  std::vector<std::string> bodies GUARDED_BY(mu);
};

template <typename Base>
class WithTargets : public Base {
 protected:
  using Base::Base;

  void open() override {
    Base::open();
    lambda_binding = this->targets.bind("lambda", functions);
  }
  void close() override {
    lambda_binding.reset();
    Base::close();
  }

  // Creates the queue; its URL.
  std::string queue(const std::string& name, json::object attributes = {}) {
    json::object in{{"QueueName", name}};
    if (!attributes.empty()) in["Attributes"] = std::move(attributes);
    auto out = this->try_call(this->service("sqs"), this->ctx("CreateQueue"), std::move(in));
    EXPECT_TRUE(out.is_ok());
    return out ? this->s((*out)["QueueUrl"]) : "";
  }
  static std::string arn_of(const std::string& url) {
    return "arn:aws:sqs:us-east-1:000000000000:" + url.substr(url.rfind('/') + 1);
  }
  // Receives (and deletes) what arrives in `url`, with every attribute,
  // moving time by `step` until `n` messages came (or the steps ran out).
  json::array receive(const std::string& url, size_t n = 1,
                      std::chrono::milliseconds step = std::chrono::milliseconds(10),
                      int steps = 200) {
    json::array got;
    this->advance_until(
        [&] {
          auto& sqs = this->service("sqs");
          auto out = this->try_call(sqs, this->ctx("ReceiveMessage"),
                                    {{"QueueUrl", url},
                                     {"MaxNumberOfMessages", 10},
                                     {"MessageAttributeNames", json::array{"All"}},
                                     {"AttributeNames", json::array{"All"}}});
          if (out && out->contains("Messages")) {
            for (auto& m : (*out)["Messages"].as_array()) {
              got.push_back(m);
              (void)this->try_call(sqs, this->ctx("DeleteMessage"),
                                   {{"QueueUrl", url}, {"ReceiptHandle", m.at("ReceiptHandle")}});
            }
          }
          return got.size() >= n;
        },
        step, steps);
    return got;
  }
  std::vector<std::string> lambda_bodies() {
    MutexLock lock(functions.mu);
    return functions.bodies;
  }

  FakeFunctions functions;
  std::unique_ptr<events::Binding> lambda_binding;
};

}  // namespace nimbus::services::testing
