// Helpers the EventBridge unit tests share: a fixture with EventBridge, SQS
// (the real engine, for targets and dead-letter queues) and a Lambda target
// double (services/testing/target_fixture.h), with rule and event shortcuts.
#pragma once

#include <string>

#include "services/events/events_service.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/target_fixture.h"

namespace nimbus::services::eventbridge::testing {

namespace json = boost::json;

class EventsTest
    : public services::testing::WithTargets<services::testing::ServiceTest<EventsService>> {
 protected:
  EventsTest() : WithTargets({build<sqs::SqsService>(), build<EventsService>()}) {}

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
};

}  // namespace nimbus::services::eventbridge::testing
