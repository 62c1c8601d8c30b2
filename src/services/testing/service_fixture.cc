#include "services/testing/service_fixture.h"

#include <thread>

namespace nimbus::services::testing {

ServiceFixture::ServiceFixture(std::vector<Factory> services, FixtureOptions opts)
    : options(opts),
      workers(opts.workers),
      scheduler(opts.real_time_timers ? static_cast<const Clock&>(real_clock_) : clock),
      factories_(std::move(services)) {
  settings.data_dir = dir.path();
}

ServiceFixture::~ServiceFixture() {
  close();
}

void ServiceFixture::open() {
  auto opened = storage::Storage::open(storage::Options{dir.path(), options.durability});
  ASSERT_TRUE(opened.is_ok()) << opened.error().message;
  storage = std::move(*opened);
  env = std::make_unique<Environment>(Environment{settings, clock, storage.get(), workers,
                                                  scheduler, metrics, targets, &user_apis});
  for (auto& f : factories_) services.push_back(f(*env));
  for (auto& s : services) s->bind(targets);
  for (auto& s : services) {
    auto st = s->start();
    ASSERT_TRUE(st.is_ok()) << s->model_name() << " did not start: " << st.error().message;
  }
}

void ServiceFixture::close() {
  for (auto& h : user_apis.handlers) h = nullptr;  // they hold the services
  while (!services.empty()) services.pop_back();
  if (storage) {
    auto st = storage->close();
    EXPECT_TRUE(st.is_ok()) << st.error().message;
    storage.reset();
  }
  env.reset();
}

http::Response ServiceFixture::user_call(UserRequest r) {
  http::Response none;
  none.status = 599;  // no answer within 30 s
  auto done = std::make_shared<std::promise<http::Response>>();
  auto answer = done->get_future();
  user_apis.call(std::move(r), [done](http::Response resp) { done->set_value(std::move(resp)); });
  if (answer.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return none;
  return answer.get();
}

void ServiceFixture::reopen() {
  close();
  open();
}

Service& ServiceFixture::service(std::string_view model) {
  for (auto& s : services) {
    if (s->model_name() == model) return *s;
  }
  ADD_FAILURE() << "no service " << model << " in this fixture";
  return *services.front();
}

CallContext ServiceFixture::ctx(const std::string& op) {
  CallContext c;
  c.request_id = "req-" + std::to_string(++requests_);
  c.service = main_service() ? main_service()->model_name() : "";
  c.operation = op;
  c.region = "us-east-1";
  c.account_id = "000000000000";
  c.access_key_id = "AKIDEXAMPLE";
  c.endpoint_url = "http://localhost:4566";
  c.path = "/";
  return c;
}

std::future<Output> ServiceFixture::call_async(const std::string& op, json::object in) {
  auto p = std::make_shared<std::promise<Output>>();
  auto f = p->get_future();
  const Handler* h = main_service() ? main_service()->find(op) : nullptr;
  if (h == nullptr) {
    p->set_value(Error::make("InvalidAction", "no handler for " + op));
    return f;
  }
  (*h)(ctx(op), std::move(in), [p](Output o) { p->set_value(std::move(o)); });
  return f;
}

Output ServiceFixture::try_call(const std::string& op, json::object in) {
  auto f = call_async(op, std::move(in));
  if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return Error::make("Timeout", op + " did not answer within 30 s");
  }
  return f.get();
}

Output ServiceFixture::try_call(Service& s, CallContext c, json::object in) {
  const Handler* h = s.find(c.operation);
  if (h == nullptr) return Error::make("InvalidAction", "no handler for " + c.operation);
  auto p = std::make_shared<std::promise<Output>>();
  auto f = p->get_future();
  (*h)(c, std::move(in), [p](Output o) { p->set_value(std::move(o)); });
  if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return Error::make("Timeout", c.operation + " did not answer within 30 s");
  }
  return f.get();
}

json::object ServiceFixture::call(const std::string& op, json::object in) {
  auto out = try_call(op, std::move(in));
  EXPECT_TRUE(out.is_ok()) << op << ": "
                           << (out ? "" : out.error().code + ": " + out.error().message);
  return out ? std::move(*out) : json::object{};
}

std::string ServiceFixture::error_code(const std::string& op, json::object in) {
  auto out = try_call(op, std::move(in));
  return out ? std::string("(ok)") : out.error().code;
}

void ServiceFixture::expect_error(const std::string& op, json::object in, const std::string& code) {
  auto out = try_call(op, std::move(in));
  if (out) {
    ADD_FAILURE() << op << " succeeded; expected " << code;
  } else {
    EXPECT_EQ(out.error().code, code) << op << ": " << out.error().message;
  }
}

bool ServiceFixture::eventually(const std::function<bool()>& f, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!f()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

bool ServiceFixture::advance_until(const std::function<bool()>& f, std::chrono::milliseconds step,
                                   int steps) {
  for (int i = 0; i < steps; ++i) {
    if (eventually(f, std::chrono::milliseconds(20))) return true;
    clock.advance(step);
  }
  return f();
}

}  // namespace nimbus::services::testing
