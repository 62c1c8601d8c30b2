// Helpers the SNS unit tests share: a fixture with SNS (and SQS for
// deliveries), topic and subscription shortcuts.
#pragma once

#include <string>

#include "services/sns/sns_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::sns::testing {

namespace json = boost::json;

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
