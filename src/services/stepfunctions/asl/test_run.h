// A synchronous driver for the interpreter's tests: runs a machine to its
// end with tasks answered by a function and waits taken on a fake clock.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "services/stepfunctions/asl/step.h"

namespace nimbus::sfn::asl::testing {

using TaskFn = std::function<std::variant<boost::json::value, Failure>(const TaskCall&)>;

struct RunResult {
  bool ok = false;
  boost::json::value output;
  Failure failure;
  std::vector<std::string> visited;
  int64_t now_ms = 0;
};

inline RunResult run(const Machine& m, boost::json::value input, const TaskFn& task = nullptr,
                     int64_t now_ms = 1'700'000'000'000) {
  RunResult out;
  out.now_ms = now_ms;
  std::string at = m.start_at;
  const boost::json::value context = boost::json::parse(R"({"Execution":{"Name":"test"}})");
  std::vector<int64_t> attempts;
  while (true) {
    const State* s = m.find(at);
    out.visited.push_back(at);
    Entered e = enter(*s, input, context, out.now_ms);
    std::variant<Transition, Failure> next = Failure{};
    if (auto* t = std::get_if<Transition>(&e)) {
      next = *t;
    } else if (auto* w = std::get_if<WaitUntil>(&e)) {
      out.now_ms = std::max(out.now_ms, w->until_ms);
      next = w->then;
    } else if (auto* c = std::get_if<TaskCall>(&e)) {
      auto r = task(*c);
      if (auto* v = std::get_if<boost::json::value>(&r)) {
        next = complete(*s, input, *v, context);
      } else {
        next = std::get<Failure>(r);
      }
    } else if (auto* f = std::get_if<Fork>(&e)) {
      boost::json::array results;
      size_t failed = 0;
      std::optional<Failure> first;
      for (const auto& r : f->runs) {
        RunResult sub = run(*r.machine, r.input, task, out.now_ms);
        if (sub.ok) {
          results.push_back(sub.output);
        } else {
          ++failed;
          results.push_back(nullptr);
          if (!first) first = sub.failure;
        }
      }
      if (failed > 0 &&
          (s->type == StateType::kParallel || !tolerates(*s, failed, f->runs.size()))) {
        next = s->type == StateType::kParallel
                   ? *first
                   : Failure{"States.ExceedToleratedFailureThreshold", "too many failed items"};
      } else {
        next = complete(*s, input, boost::json::value(std::move(results)), context);
      }
    } else {
      next = std::get<Failure>(e);
      if (s->type == StateType::kFail) {
        out.failure = std::get<Failure>(next);
        return out;
      }
    }
    if (auto* fail = std::get_if<Failure>(&next)) {
      Recovery r = recover(*s, input, *fail, attempts, 0.5);
      if (auto* retry = std::get_if<RetryAfter>(&r)) {
        out.now_ms += retry->delay_ms;
        out.visited.push_back("retry");
        continue;
      }
      if (auto* f = std::get_if<Failure>(&r)) {
        out.failure = *f;
        return out;
      }
      next = std::get<Transition>(r);
    }
    attempts.clear();
    auto& t = std::get<Transition>(next);
    if (t.next.empty()) {
      out.ok = true;
      out.output = std::move(t.output);
      return out;
    }
    at = t.next;
    input = std::move(t.output);
  }
}

}  // namespace nimbus::sfn::asl::testing
