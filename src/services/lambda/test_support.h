// Test fixture for the Lambda unit tests: a real Storage in a temporary
// directory, one runtime Host shared by the whole test binary, the SQS
// service for destinations, and calls straight into the handlers.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "services/lambda/lambda_service.h"
#include "services/sqs/sqs_service.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::services::lambda::testing {

namespace json = boost::json;

struct ZipEntry {
  std::string content;
  unsigned mode = 0644;
};
// A .zip built in memory with libzip (Unix modes kept).
std::string make_zip(const std::map<std::string, ZipEntry>& files);
std::string python_zip(const std::string& source);  // app.py, handler app.handler
runtime::Host& shared_host();

class LambdaTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void TearDown() override {
    svc.reset();
    sqs_svc.reset();
    if (storage) (void)storage->close();
    std::error_code ec;  // unpacked code is read-only: make it removable
    for (auto& e : std::filesystem::recursive_directory_iterator(dir.path(), ec)) {
      if (e.is_directory())
        std::filesystem::permissions(e.path(), std::filesystem::perms::owner_all, ec);
    }
  }

  void open(LambdaOptions options = {}) {
    auto s = storage::Storage::open(storage::Options{dir.path(), storage::Durability::kAsync});
    ASSERT_TRUE(s.is_ok()) << s.error().message;
    storage = std::move(*s);
    settings.data_dir = dir.path();
    env = std::make_unique<Environment>(
        Environment{settings, clock, storage.get(), workers, scheduler, metrics, targets});
    sqs_svc = std::make_unique<sqs::SqsService>(*env);
    options.host = &shared_host();
    if (options.retry_delays_ms.size() == 2 && options.retry_delays_ms[0] == 60'000) {
      options.retry_delays_ms = {50, 50};
    }
    last_options = options;
    svc = std::make_unique<LambdaService>(*env, nullptr, options);
    auto started = svc->start();
    ASSERT_TRUE(started.is_ok()) << started.error().message;
  }
  void reopen() { reopen_with(last_options); }
  void reopen_with(LambdaOptions options) {
    svc.reset();
    sqs_svc.reset();
    ASSERT_TRUE(storage->close());
    storage.reset();
    open(options);
  }

  CallContext ctx(const std::string& op) const {
    CallContext c;
    c.request_id = "req-" + std::to_string(++counter);
    c.service = "lambda";
    c.operation = op;
    c.region = "us-east-1";
    c.account_id = "000000000000";
    c.endpoint_url = "http://127.0.0.1:4566";
    return c;
  }

  Output try_call(const std::string& op, json::object in, Service* service = nullptr) {
    Service* s = service ? service : svc.get();
    const Handler* h = s->find(op);
    EXPECT_NE(h, nullptr) << op;
    if (h == nullptr) return Error::make("NoHandler", op);
    std::promise<Output> p;
    auto f = p.get_future();
    (*h)(ctx(op), std::move(in), [&p](Output o) { p.set_value(std::move(o)); });
    if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      return Error::make("Timeout", op);
    }
    return f.get();
  }
  json::object call(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    EXPECT_TRUE(out.is_ok()) << op << ": "
                             << (out ? "" : out.error().code + " " + out.error().message);
    return out ? *out : json::object{};
  }
  std::string error_code(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    return out ? "(ok)" : out.error().code;
  }
  json::object create(const std::string& name, const std::string& zip,
                      const std::string& runtime = "python3.11",
                      const std::string& handler = "app.handler", json::object extra = {}) {
    json::object in{{"FunctionName", name},
                    {"Runtime", runtime},
                    {"Role", "arn:aws:iam::000000000000:role/r"},
                    {"Handler", handler},
                    {"Code", json::object{{"ZipFile", zip}}}};
    for (auto& [k, v] : extra) in[k] = v;
    return call("CreateFunction", std::move(in));
  }
  static std::string s(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  }

  storage::testing::TempDir dir;
  Settings settings;
  ManualClock clock{std::chrono::system_clock::now()};
  WorkerPool workers{4};
  // Timers still run on real time here; the clock above moves only when a
  // test says so.
  SystemClock timer_clock;
  Scheduler scheduler{timer_clock};
  Metrics metrics;
  events::Targets targets;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<Environment> env;
  std::unique_ptr<sqs::SqsService> sqs_svc;
  std::unique_ptr<LambdaService> svc;
  LambdaOptions last_options;
  mutable int counter = 0;
};

}  // namespace nimbus::services::lambda::testing
