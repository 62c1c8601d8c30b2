// Fakes for the tests of Task states: a Lambda that doubles its event's
// "n" (or answers as told), other services answering as told (or forwarded
// to a real service), and the fixture with both.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/stepfunctions/test_helpers.h"

namespace nimbus::sfn::fakes {

// Lambda: answers each invocation with answer(call); the first `drop`
// invocations are never answered (a server that dies meanwhile).
struct FakeFunctions final : services::lambda::Functions {
  void invoke_sync(services::lambda::SyncInvoke call,
                   std::function<void(Result<services::lambda::SyncResult>)> done) override {
    std::unique_lock lock(mu);
    calls.push_back(call);
    if (drop > 0) {
      --drop;
      return;
    }
    auto r = answer(call);
    if (hold) {
      held.push_back([r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
      return;
    }
    lock.unlock();
    done(std::move(r));
  }
  // Answers every held invocation at once, in the order they came.
  void release() {
    std::vector<std::function<void()>> answers;
    {
      std::lock_guard lock(mu);
      answers.swap(held);
    }
    for (auto& a : answers) a();
  }
  size_t holding() {
    std::lock_guard lock(mu);
    return held.size();
  }
  std::optional<services::lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  size_t count() {
    std::lock_guard lock(mu);
    return calls.size();
  }

  std::mutex mu;
  std::vector<services::lambda::SyncInvoke> calls;
  int drop = 0;
  // When set, answers wait in `held` until release().
  bool hold = false;
  std::vector<std::function<void()>> held;
  // Doubles the event's "n".
  std::function<Result<services::lambda::SyncResult>(const services::lambda::SyncInvoke&)> answer =
      [](const services::lambda::SyncInvoke& c) {
        auto n = boost::json::parse(c.payload).as_object().at("n").to_number<int64_t>();
        return Result<services::lambda::SyncResult>(services::lambda::SyncResult{
            false, boost::json::serialize(boost::json::object{{"doubled", n * 2}}), "$LATEST"});
      };
};

// Other services: records each call, answers with answer(model, op, input).
struct FakeCalls final : services::OperationCalls {
  struct Seen {
    std::string model, operation;
    boost::json::object input;
  };
  void call(std::string_view model, std::string_view operation, services::CallContext ctx,
            boost::json::object input, services::Respond respond) override {
    std::unique_lock lock(mu);
    seen.push_back({std::string(model), std::string(operation), input});
    if (forward != nullptr) {  // to a real service (Step Functions itself)
      lock.unlock();
      return (*forward->find(operation))(ctx, std::move(input), std::move(respond));
    }
    auto out = answer(model, operation, input);
    lock.unlock();
    respond(std::move(out));
  }
  // Records what a task asked to do as its role; refuses with `refused`
  // (IAM's message) when set.
  Status authorize_as(const std::string& role_arn, const std::string& principal,
                      std::string_view model, std::string_view operation,
                      const services::CallContext&, const boost::json::object&) const override {
    std::lock_guard lock(mu);
    asked.push_back(role_arn + " " + principal + " " + std::string(model) + ":" +
                    std::string(operation));
    if (refused.empty()) return Status::ok();
    return Error::make("AccessDeniedException", refused, 403);
  }
  mutable std::mutex mu;
  std::vector<Seen> seen;
  mutable std::vector<std::string> asked;
  std::string refused;
  std::function<services::Output(std::string_view, std::string_view, const boost::json::object&)>
      answer;
  services::Service* forward = nullptr;
};

class SfnTaskTest : public SfnTest {
 protected:
  SfnTaskTest()
      : SfnTest({[this](services::Environment& env) {
          return std::make_unique<StepFunctionsService>(env, &functions, &calls);
        }}) {}

  boost::json::object described(const std::string& x) {
    return call("DescribeExecution", {{"executionArn", x}});
  }
  boost::json::value output(const std::string& x) {
    return boost::json::parse(s(described(x)["output"]));
  }

  FakeFunctions functions;
  FakeCalls calls;
};

}  // namespace nimbus::sfn::fakes
