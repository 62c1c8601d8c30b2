// What the alarm unit tests share: a recording SNS target and a fixture
// with it bound, and a metric alarm's PutMetricAlarm input.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "events/subject.h"
#include "events/target.h"
#include "services/cloudwatch/test_helpers.h"

namespace nimbus::services::cloudwatch::testing {

class FakeTopics final : public events::Target {
 public:
  Status check(const std::string&) const override { return Status::ok(); }
  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override {
    std::string subject;
    for (const auto& a : d.attributes) {
      if (a.name == events::kSubjectAttribute) subject = a.value;
    }
    {
      MutexLock lock(mu);
      got.push_back({arn, d.body, subject});
    }
    done(events::Outcome::ok("m-1"));
  }
  struct Got {
    std::string arn, body, subject;
  };
  std::vector<Got> all() {
    MutexLock lock(mu);
    return got;
  }
  Mutex mu;
  std::vector<Got> got GUARDED_BY(mu);
};

inline constexpr const char* kTopic = "arn:aws:sns:us-east-1:000000000000:ops";

class AlarmTest : public CloudWatchTest {
 protected:
  void open() override {
    CloudWatchTest::open();
    binding = targets.bind("sns", topics);
  }
  void close() override {
    binding.reset();
    CloudWatchTest::close();
  }
  json::object alarm_input(const std::string& name, json::object extra = {}) {
    json::object in{{"AlarmName", name},
                    {"Namespace", "App"},
                    {"MetricName", "Latency"},
                    {"Statistic", "Maximum"},
                    {"Period", 60},
                    {"EvaluationPeriods", 1},
                    {"Threshold", 5},
                    {"ComparisonOperator", "GreaterThanThreshold"},
                    {"AlarmActions", json::array{kTopic}}};
    for (auto& [k, v] : extra) in[k] = v;
    return in;
  }
  json::object describe(const std::string& name) {
    auto out = call("DescribeAlarms", {{"AlarmNames", json::array{json::value(name)}}});
    auto& list = out.at("MetricAlarms").as_array();
    return list.empty() ? json::object{} : list[0].as_object();
  }
  std::string state(const std::string& name) { return s(describe(name)["StateValue"]); }

  FakeTopics topics;
  std::unique_ptr<events::Binding> binding;
};

}  // namespace nimbus::services::cloudwatch::testing
