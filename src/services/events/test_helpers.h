// Helpers the EventBridge unit tests share: a fixture with EventBridge, SQS
// (the real engine, for targets and dead-letter queues) and a Lambda target
// double that can throttle.
#pragma once

#include <string>

#include "common/mutex.h"
#include "services/events/events_service.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::eventbridge::testing {

namespace json = boost::json;

// Fails every delivery (throttled) while `throttle`, else keeps the bodies.
class FakeFunctions final : public ::nimbus::events::Target {
 public:
  Status check(const std::string&) const override { return Status::ok(); }
  void deliver(const std::string&, ::nimbus::events::Delivery d,
               ::nimbus::events::DeliverDone done) override {
    MutexLock lock(mu);
    ++attempts;
    if (throttle) {
      return done(::nimbus::events::Outcome::failed(
          ::nimbus::events::Failure::kThrottled, Error::make("TooManyRequestsException", "busy")));
    }
    bodies.push_back(d.body);
    done(::nimbus::events::Outcome::ok());
  }
  Mutex mu;
  bool throttle GUARDED_BY(mu) = false;
  int attempts GUARDED_BY(mu) = 0;
  std::vector<std::string> bodies GUARDED_BY(mu);
};

class EventsTest : public services::testing::ServiceTest<EventsService> {
 protected:
  EventsTest() : ServiceTest({build<sqs::SqsService>(), build<EventsService>()}) {}

  void open() override {
    ServiceTest::open();
    lambda_binding = targets.bind("lambda", functions);
  }
  void close() override {
    lambda_binding.reset();
    ServiceTest::close();
  }

  std::string queue(const std::string& name, json::object attributes = {}) {
    json::object in{{"QueueName", name}};
    if (!attributes.empty()) in["Attributes"] = std::move(attributes);
    auto out = try_call(service("sqs"), ctx("CreateQueue"), std::move(in));
    EXPECT_TRUE(out.is_ok());
    return out ? s((*out)["QueueUrl"]) : "";
  }
  static std::string arn_of(const std::string& url) {
    return "arn:aws:sqs:us-east-1:000000000000:" + url.substr(url.rfind('/') + 1);
  }
  // Receives (and deletes) what arrives in `url` while time moves by `step`
  // until `n` messages came (or the steps ran out).
  json::array receive(const std::string& url, size_t n = 1,
                      std::chrono::milliseconds step = std::chrono::milliseconds(10),
                      int steps = 200) {
    json::array got;
    advance_until(
        [&] {
          auto out = try_call(service("sqs"), ctx("ReceiveMessage"),
                              {{"QueueUrl", url},
                               {"MaxNumberOfMessages", 10},
                               {"MessageAttributeNames", json::array{"All"}},
                               {"AttributeNames", json::array{"All"}}});
          if (out && out->contains("Messages")) {
            for (auto& m : (*out)["Messages"].as_array()) {
              got.push_back(m);
              (void)try_call(service("sqs"), ctx("DeleteMessage"),
                             {{"QueueUrl", url}, {"ReceiptHandle", m.at("ReceiptHandle")}});
            }
          }
          return got.size() >= n;
        },
        step, steps);
    return got;
  }
  void put_rule(const std::string& name, const std::string& pattern, const std::string& bus = "") {
    json::object in{{"Name", name}, {"EventPattern", pattern}};
    if (!bus.empty()) in["EventBusName"] = bus;
    call("PutRule", std::move(in));
  }
  void put_target(const std::string& rule, json::object target, const std::string& bus = "") {
    json::object in{{"Rule", rule}, {"Targets", json::array{std::move(target)}}};
    if (!bus.empty()) in["EventBusName"] = bus;
    call("PutTargets", std::move(in));
  }
  json::object put_event(const std::string& source, const std::string& detail,
                         const std::string& bus = "") {
    json::object e{{"Source", source}, {"DetailType", "Order"}, {"Detail", detail}};
    if (!bus.empty()) e["EventBusName"] = bus;
    return call("PutEvents", {{"Entries", json::array{e}}});
  }
  std::string error_message(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    return out ? "(ok)" : out.error().message;
  }

  FakeFunctions functions;
  std::unique_ptr<::nimbus::events::Binding> lambda_binding;
};

}  // namespace nimbus::services::eventbridge::testing
