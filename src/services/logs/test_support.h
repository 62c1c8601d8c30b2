// Test fixture for the logs unit tests: a real Storage in a temporary
// directory, a ManualClock, and calls straight into the handlers.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "services/logs/logs_service.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::services::logs::testing {

namespace json = boost::json;

// 2023-11-14T22:13:20Z in milliseconds.
inline constexpr int64_t kNow = 1'700'000'000'000;

class LogsTest : public ::testing::Test {
 protected:
  LogsTest() : clock(std::chrono::system_clock::time_point(std::chrono::milliseconds(kNow))) {}

  void SetUp() override { open(); }
  void TearDown() override {
    svc.reset();
    if (storage) (void)storage->close();
  }

  void open() {
    auto s = storage::Storage::open(storage::Options{dir.path(), storage::Durability::kAsync});
    ASSERT_TRUE(s.is_ok()) << s.error().message;
    storage = std::move(*s);
    env = std::make_unique<Environment>(
        Environment{settings, clock, storage.get(), workers, scheduler, metrics, targets});
    svc = std::make_unique<LogsService>(*env);
  }

  void reopen() {
    svc.reset();
    ASSERT_TRUE(storage->close());
    storage.reset();
    open();
  }

  Output try_call(const std::string& op, json::object in) {
    const Handler* h = svc->find(op);
    if (h == nullptr) return Error::make("InvalidAction", op);
    CallContext c;
    c.service = "logs";
    c.operation = op;
    c.region = "us-east-1";
    c.account_id = "000000000000";
    auto p = std::make_shared<std::promise<Output>>();
    auto f = p->get_future();
    (*h)(c, std::move(in), [p](Output o) { p->set_value(std::move(o)); });
    if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      return Error::make("Timeout", op);
    }
    return f.get();
  }

  json::object call(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    EXPECT_TRUE(out.is_ok()) << op << ": "
                             << (out ? "" : out.error().code + ": " + out.error().message);
    return out ? *out : json::object{};
  }

  std::string error_code(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    return out ? std::string("(ok)") : out.error().code;
  }

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

  // Waits until the writer's lines are committed and visible.
  void settle() {
    for (int i = 0; i < 500 && svc->store().pending_bytes() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  nimbus::storage::testing::TempDir dir;
  Settings settings;
  ManualClock clock;
  WorkerPool workers{2};
  Scheduler scheduler{clock};  // timers fire when a test advances the clock
  Metrics metrics;
  events::Targets targets;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<Environment> env;
  std::unique_ptr<LogsService> svc;
};

}  // namespace nimbus::services::logs::testing
