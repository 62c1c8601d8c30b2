// Helpers the SNS unit tests share: a fixture with SNS (and SQS for
// deliveries), topic and subscription shortcuts.
#pragma once

#include <string>
#include <vector>

#include "common/mutex.h"
#include "services/logs/api.h"
#include "services/sns/sns_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::sns::testing {

namespace json = boost::json;

// A logs::LogWriter that keeps what it is given (SMS, delivery status).
class RecordedLogs final : public logs::LogWriter {
 public:
  struct Put {
    std::string group, stream;
    logs::LogEvent event;
  };
  void put(const std::string& group, const std::string& stream,
           std::vector<logs::LogEvent> events) override {
    MutexLock lock(mu_);
    for (auto& e : events) got_.push_back({group, stream, std::move(e)});
  }
  std::vector<Put> got() {
    MutexLock lock(mu_);
    return got_;
  }
  // The records written to `group`, parsed.
  std::vector<json::object> records(const std::string& group) {
    std::vector<json::object> out;
    for (const auto& p : got()) {
      if (p.group == group) out.push_back(json::parse(p.event.message).as_object());
    }
    return out;
  }

 private:
  Mutex mu_;
  std::vector<Put> got_ GUARDED_BY(mu_);
};

class SnsTest : public services::testing::ServiceTest<SnsService> {
 protected:
  using ServiceTest::ServiceTest;

  std::string create_topic(const std::string& name, json::object attributes = {}) {
    json::object in{{"Name", name}};
    if (!attributes.empty()) in["Attributes"] = std::move(attributes);
    return s(call("CreateTopic", std::move(in))["TopicArn"]);
  }
  json::object topic_attributes(const std::string& arn) {
    return call("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"].as_object();
  }
  std::string subscribe(const std::string& topic, const std::string& protocol,
                        const std::string& endpoint, json::object attributes = {}) {
    json::object in{{"TopicArn", topic},
                    {"Protocol", protocol},
                    {"Endpoint", endpoint},
                    {"ReturnSubscriptionArn", true}};
    if (!attributes.empty()) in["Attributes"] = std::move(attributes);
    return s(call("Subscribe", std::move(in))["SubscriptionArn"]);
  }
  json::object subscription_attributes(const std::string& arn) {
    return call("GetSubscriptionAttributes", {{"SubscriptionArn", arn}})["Attributes"].as_object();
  }
  std::string error_message(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    return out ? "(ok)" : out.error().message;
  }
};

}  // namespace nimbus::services::sns::testing
