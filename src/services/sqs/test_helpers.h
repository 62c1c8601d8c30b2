// What the SQS unit tests share on top of the services' test kit
// (services/testing/service_fixture.h): the SQS service on sync storage, and
// queue, message and attribute helpers.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "services/sqs/sqs_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::sqs::testing {

namespace json = boost::json;

class SqsTest : public services::testing::ServiceTest<SqsService> {
 protected:
  SqsTest()
      : ServiceTest({build<SqsService>()},
                    services::testing::FixtureOptions{storage::Durability::kSync}) {}

  std::string create(const std::string& name, json::object attrs = {}) {
    json::object in{{"QueueName", name}};
    if (!attrs.empty()) in["Attributes"] = std::move(attrs);
    return std::string(call("CreateQueue", std::move(in))["QueueUrl"].as_string());
  }

  json::object send(const std::string& url, const std::string& body, json::object extra = {}) {
    extra["QueueUrl"] = url;
    extra["MessageBody"] = body;
    return call("SendMessage", std::move(extra));
  }

  json::array receive(const std::string& url, int max = 10, json::object extra = {}) {
    extra["QueueUrl"] = url;
    extra["MaxNumberOfMessages"] = max;
    auto out = call("ReceiveMessage", std::move(extra));
    return out.contains("Messages") ? out["Messages"].as_array() : json::array{};
  }

  std::string attr(const std::string& url, const std::string& name) {
    auto out = call("GetQueueAttributes",
                    {{"QueueUrl", url}, {"AttributeNames", json::array{json::value(name)}}});
    if (!out.contains("Attributes")) return "";
    const auto& a = out["Attributes"].as_object();
    return a.contains(name) ? std::string(a.at(name).as_string()) : "";
  }
};

}  // namespace nimbus::services::sqs::testing
