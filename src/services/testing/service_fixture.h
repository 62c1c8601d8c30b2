// The test kit every service's unit tests share: real storage in a fresh
// temporary directory, a SimulatedClock that drives the Scheduler's timers,
// a worker pool, the events::Targets registry, and the services under test
// built, bound and started as the registry does (services/registry.h).
//
//   class SqsTest : public ServiceTest<sqs::SqsService> {
//    protected:
//     SqsTest() : ServiceTest({build<sqs::SqsService>()}) {}
//   };
//   TEST_F(SqsTest, ...) { call("CreateQueue", {{"QueueName", "q"}}); }
//
// Calls go straight to a service's handler (no HTTP, no protocol) and wait
// for its answer on real time, since it may come from another thread (the
// storage committer, the worker pool). Time in the code under test moves only
// when the test moves it: clock.advance(d) runs the timers that fall due
// (visibility timeouts, long-poll ends, retries). A call that waits on a
// timer (a long poll) is started with call_async() and answered by an
// advance().
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/scheduler.h"
#include "common/worker_pool.h"
#include "events/target.h"
#include "services/service.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::services::testing {

namespace json = boost::json;

struct FixtureOptions {
  storage::Durability durability = storage::Durability::kAsync;
  unsigned workers = 2;
  // Timers on the machine's clock instead of the simulated one, for code
  // whose work is paced by real processes (Lambda's functions): say why
  // where it is set.
  bool real_time_timers = false;
};

class ServiceFixture : public ::testing::Test {
 protected:
  // Builds one service on `env` (see build<S>()). Called by every open().
  using Factory = std::function<std::unique_ptr<Service>(Environment& env)>;
  template <typename S>
  static Factory build() {
    return [](Environment& env) { return std::make_unique<S>(env); };
  }

  // The services are built in this order and destroyed in reverse; call()
  // goes to main_service() (the first, unless a subclass says otherwise).
  explicit ServiceFixture(std::vector<Factory> services, FixtureOptions options = {});
  ~ServiceFixture() override;

  void SetUp() override { open(); }
  void TearDown() override { close(); }

  // Opens the storage in `dir`, builds every service, binds and starts each.
  // A start() that fails fails the test.
  virtual void open();
  // Destroys the services (in reverse order) and closes the storage.
  virtual void close();
  // A restart: close() then open() on the same directory.
  void reopen();

  // The service serving `model` ("sqs"); fails the test when there is none.
  Service& service(std::string_view model);
  // The service call() addresses; nullptr while closed.
  virtual Service* main_service() { return services.empty() ? nullptr : services.front().get(); }

  // The context of a call: account 000000000000, region us-east-1, endpoint
  // http://localhost:4566, a fresh request id.
  CallContext ctx(const std::string& op);

  // Calls `op` on main_service() (or on `s`, with `c`) and waits up to
  // 30 s of real time for its answer (Timeout when none comes).
  Output try_call(const std::string& op, json::object in);
  Output try_call(Service& s, CallContext c, json::object in);
  // The same without waiting: for calls a clock.advance() answers.
  std::future<Output> call_async(const std::string& op, json::object in);
  // A call that must succeed (a failure fails the test; {} is returned).
  json::object call(const std::string& op, json::object in);
  // The error code of a call, "(ok)" when it succeeds.
  std::string error_code(const std::string& op, json::object in);
  // A call that must fail with `code`.
  void expect_error(const std::string& op, json::object in, const std::string& code);

  // Waits up to `limit` of real time for `f` to hold, checking every
  // millisecond: for work other threads finish (commits, the worker pool).
  // The simulated clock does not move.
  bool eventually(const std::function<bool()>& f,
                  std::chrono::milliseconds limit = std::chrono::seconds(10));
  // Moves the simulated clock by `step` until `f` holds (after each step,
  // the work the timers started gets a moment to finish), at most `steps`
  // times.
  bool advance_until(const std::function<bool()>& f, std::chrono::milliseconds step,
                     int steps = 600);

  // Sends `r` to the user API handler a service added in start()
  // (Environment::user_apis) and waits up to 30 s of real time for its
  // answer (404 when no service added a handler of its kind, as the
  // server answers); a 599 response when no answer came.
  http::Response user_call(UserRequest r);

  static std::string s(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  }

  FixtureOptions options;
  storage::testing::TempDir dir;
  Settings settings;
  SimulatedClock clock;
  WorkerPool workers;

 private:
  SystemClock real_clock_;

 protected:
  Scheduler scheduler;
  Metrics metrics;
  events::Targets targets;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<Environment> env;
  std::vector<std::unique_ptr<Service>> services;

  // The handlers services add, by kind (what the server's UserRoutes holds).
  struct RecordedUserApis final : UserApis {
    void add(UserApi api, UserHandler h) override {
      handlers[static_cast<int>(api)] = std::move(h);
    }
    void call(UserRequest request, UserReply reply) const override {
      const UserHandler& h = handlers[static_cast<int>(request.api)];
      if (!h) {
        http::Response r;
        r.status = 404;
        return reply(std::move(r));
      }
      h(std::move(request), std::move(reply));
    }
    UserHandler handlers[kUserApiKinds];
  };
  RecordedUserApis user_apis;

 private:
  std::vector<Factory> factories_;
  int requests_ = 0;
};

// A fixture whose main service is its S, reachable as `svc`; the others
// (built before it, as the services it uses) are reachable by service().
template <typename S>
class ServiceTest : public ServiceFixture {
 protected:
  explicit ServiceTest(std::vector<Factory> services = {build<S>()}, FixtureOptions options = {})
      : ServiceFixture(std::move(services), options) {}

  void open() override {
    ServiceFixture::open();
    for (auto& s : services) {
      if (auto* mine = dynamic_cast<S*>(s.get())) svc = mine;
    }
  }
  Service* main_service() override { return svc; }
  void close() override {
    svc = nullptr;
    ServiceFixture::close();
  }

  S* svc = nullptr;  // the first service, while open
};

}  // namespace nimbus::services::testing
