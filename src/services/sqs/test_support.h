// Test fixture for the SQS unit tests: a real Storage in a temporary
// directory, a ManualClock, and calls straight into the service's handlers.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "services/sqs/sqs_service.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::services::sqs::testing {

namespace json = boost::json;

class SqsTest : public ::testing::Test {
 protected:
  SqsTest() : clock(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))) {}

  void SetUp() override { open(); }
  void TearDown() override {
    svc.reset();
    if (storage) (void)storage->close();
  }

  void open() {
    auto s = storage::Storage::open(storage::Options{dir.path(), storage::Durability::kSync});
    ASSERT_TRUE(s.is_ok()) << s.error().message;
    storage = std::move(*s);
    env = std::make_unique<Environment>(
        Environment{settings, clock, storage.get(), workers, scheduler, metrics, targets});
    svc = std::make_unique<SqsService>(*env);
  }

  // Closes everything and opens the same directory again, as a restart does.
  void reopen() {
    svc.reset();
    ASSERT_TRUE(storage->close());
    storage.reset();
    open();
  }

  CallContext ctx(const std::string& op) const {
    CallContext c;
    c.service = "sqs";
    c.operation = op;
    c.region = "us-east-1";
    c.account_id = "000000000000";
    c.access_key_id = "AKIDEXAMPLE";
    c.endpoint_url = "http://localhost:4566";
    c.path = "/";
    return c;
  }

  Output try_call(const std::string& op, json::object in,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const Handler* h = svc->find(op);
    if (h == nullptr) return Error::make("InvalidAction", op);
    auto p = std::make_shared<std::promise<Output>>();
    auto f = p->get_future();
    (*h)(ctx(op), std::move(in), [p](Output o) { p->set_value(std::move(o)); });
    if (f.wait_for(timeout) != std::future_status::ready) return Error::make("Timeout", op);
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

  static std::string s(const json::value& v) { return std::string(v.as_string()); }

  nimbus::storage::testing::TempDir dir;
  Settings settings;
  ManualClock clock;
  WorkerPool workers{2};
  // Timers still run on real time here; the clock above moves only when a
  // test says so.
  SystemClock timer_clock;
  Scheduler scheduler{timer_clock};
  Metrics metrics;
  events::Targets targets;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<Environment> env;
  std::unique_ptr<SqsService> svc;
};

}  // namespace nimbus::services::sqs::testing
