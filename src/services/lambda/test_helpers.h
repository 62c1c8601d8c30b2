// What the Lambda unit tests share on top of the services' test kit
// (services/testing/service_fixture.h): SQS (destinations, dead-letter
// queues) and Lambda on one runtime Host shared by the whole test binary,
// zips built in memory, and a function-creating helper.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <string>

#include "services/lambda/lambda_service.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/service_fixture.h"

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

// Timers run on real time here: the functions are real processes, so a
// retry or a timeout is paced by them, not by the simulated clock (which
// still gives every timestamp and event age).
class LambdaTest : public services::testing::ServiceTest<LambdaService> {
 protected:
  LambdaTest()
      : ServiceTest(
            {build<sqs::SqsService>(), [this](Environment& env) { return make_lambda(env); }},
            services::testing::FixtureOptions{storage::Durability::kAsync, 4, true}) {
    clock.set(std::chrono::system_clock::now());
  }

  void TearDown() override {
    ServiceTest::TearDown();
    std::error_code ec;  // unpacked code is read-only: make it removable
    for (auto& e : std::filesystem::recursive_directory_iterator(dir.path(), ec)) {
      if (e.is_directory())
        std::filesystem::permissions(e.path(), std::filesystem::perms::owner_all, ec);
    }
  }

  // The options of the next open() (SetUp, reopen).
  void set_options(LambdaOptions o) { options_ = std::move(o); }
  // A restart with other options.
  void reopen_with(LambdaOptions o) {
    options_ = std::move(o);
    reopen();
  }

  sqs::SqsService& sqs() { return static_cast<sqs::SqsService&>(service("sqs")); }

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

 private:
  std::unique_ptr<Service> make_lambda(Environment& env) {
    LambdaOptions o = options_;
    o.host = &shared_host();
    if (o.retry_delays_ms.size() == 2 && o.retry_delays_ms[0] == 60'000) {
      o.retry_delays_ms = {50, 50};  // Lambda's minutes, shortened
    }
    return std::make_unique<LambdaService>(env, nullptr, std::move(o));
  }

  LambdaOptions options_;
};

}  // namespace nimbus::services::lambda::testing
