// What the CloudWatch Logs unit tests share on top of the services' test kit
// (services/testing/service_fixture.h): the logs service, stream and event
// helpers.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "services/logs/logs_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::logs::testing {

namespace json = boost::json;

// The simulated clock's start, 2023-11-14T22:13:20Z, in milliseconds.
inline constexpr int64_t kNow = 1'700'000'000'000;

class LogsTest : public services::testing::ServiceTest<LogsService> {
 protected:
  explicit LogsTest(services::testing::FixtureOptions options = {})
      : ServiceTest({build<LogsService>()}, options) {}

  void make_stream(const std::string& g, const std::string& s) {
    (void)try_call("CreateLogGroup", {{"logGroupName", g}});
    call("CreateLogStream", {{"logGroupName", g}, {"logStreamName", s}});
  }

  json::object put(const std::string& g, const std::string& s,
                   std::vector<std::pair<int64_t, std::string>> events) {
    json::array arr;
    for (auto& [ts, m] : events) arr.push_back(json::object{{"timestamp", ts}, {"message", m}});
    return call("PutLogEvents", {{"logGroupName", g}, {"logStreamName", s}, {"logEvents", arr}});
  }

  static std::vector<std::string> messages(const json::object& out) {
    std::vector<std::string> v;
    for (const auto& e : out.at("events").as_array()) {
      v.emplace_back(e.as_object().at("message").as_string());
    }
    return v;
  }

  // Waits until `n` events the writer queued for group/stream are committed
  // and visible.
  void settle(const std::string& g, const std::string& s, size_t n) {
    EXPECT_TRUE(eventually([&] {
      auto out = try_call("GetLogEvents",
                          {{"logGroupName", g}, {"logStreamName", s}, {"startFromHead", true}});
      return out && out->at("events").as_array().size() == n;
    })) << g
        << "/" << s;
  }
};

}  // namespace nimbus::services::logs::testing
