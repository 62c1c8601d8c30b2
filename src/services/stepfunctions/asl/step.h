// The interpreter as pure functions over (state, input): what a state does
// when entered, how a Task's, Parallel's or Map's result becomes its output,
// and how an error is retried or caught. The driver (the service's
// executions, or a test) keeps the execution's position, stores history,
// calls tasks and arms timers; nothing here blocks, sleeps or touches
// storage, so one State can be stepped from any thread.
//
// Input and output processing follows the JSONPath query language:
// InputPath -> Parameters -> (the state's work) -> ResultSelector ->
// ResultPath -> OutputPath, with AWS's States.Runtime messages when a path
// matches nothing.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "services/stepfunctions/asl/definition.h"

namespace nimbus::sfn::asl {

struct Failure {
  std::string error;
  std::string cause;
};

// Go on to `next`, or end the (sub)machine with `output` when next is empty.
struct Transition {
  Transition(std::string n = {}, boost::json::value o = {}, boost::json::object a = {})
      : next(std::move(n)), output(std::move(o)), assign(std::move(a)) {}
  std::string next;
  boost::json::value output;
  boost::json::object assign;  // JSONata's Assign: variables set from the next state on
};

// A Wait state: transition `then` at `until_ms` (epoch ms).
struct WaitUntil {
  int64_t until_ms = 0;
  Transition then;
};

// A Task state: call `resource` with `parameters`, then complete() or recover().
struct TaskCall {
  std::string resource;
  boost::json::value parameters;
  std::optional<int64_t> timeout_seconds;
  std::optional<int64_t> heartbeat_seconds;
  // "": a Task's call. "ItemReader" / "ResultWriter": a distributed Map's
  // reading of its items / writing of its results (`resource` is the
  // reader's or writer's, `parameters` theirs, evaluated).
  std::string io;
};

// A Parallel (one run per branch) or Map (one run per item) state: run each
// machine on its input, then complete() with the array of outputs in order.
struct Fork {
  struct Run {
    const Machine* machine = nullptr;
    boost::json::value input;
  };
  std::vector<Run> runs;
  int64_t max_concurrency = 0;  // 0: all at once
};

// What entering a state asks for. A Failure from a Fail state ends the
// machine; any other Failure goes through recover() first.
using Entered = std::variant<Transition, WaitUntil, TaskCall, Fork, Failure>;

// `context` is the context object ($$); `now_ms` the clock.
// `vars` are the execution's variables (JSONata states read them).
Entered enter(const State& s, const boost::json::value& input, const boost::json::value& context,
              int64_t now_ms, const boost::json::object* vars = nullptr);

// A Task, Parallel or Map state's work succeeded with `result`: apply
// ResultSelector, ResultPath (against the state's raw `input`), OutputPath.
std::variant<Transition, Failure> complete(const State& s, const boost::json::value& input,
                                           boost::json::value result,
                                           const boost::json::value& context,
                                           const boost::json::object* vars = nullptr,
                                           int64_t now_ms = 0);

// After a failure: retry after `delay_ms`, go to a Catcher's Next, or fail.
struct RetryAfter {
  int64_t delay_ms = 0;
};
using Recovery = std::variant<RetryAfter, Transition, Failure>;

// `attempts` holds the retry count per Retrier of this state entry (sized
// by recover() on first use); `jitter` is a number in [0, 1) for FULL jitter.
Recovery recover(const State& s, const boost::json::value& input, const Failure& failure,
                 std::vector<int64_t>& attempts, double jitter,
                 const boost::json::value* context = nullptr,
                 const boost::json::object* vars = nullptr, int64_t now_ms = 0);

// A distributed Map's items, read by its ItemReader (the answer to the
// "ItemReader" TaskCall enter() asked for), as the runs to fork: each item
// through ItemSelector, then into batches by ItemBatcher.
Entered map_items(const State& s, const boost::json::value& input, boost::json::value items,
                  const boost::json::value& context, const boost::json::object* vars = nullptr,
                  int64_t now_ms = 0);
// A distributed Map's ResultWriter Parameters (Bucket, Prefix) evaluated
// on the state's input.
std::variant<boost::json::value, Failure> writer_parameters(
    const State& s, const boost::json::value& input, const boost::json::value& context,
    const boost::json::object* vars = nullptr, int64_t now_ms = 0);
// ItemBatcher's batches of `items`, each {"BatchInput": batch_input (when
// not null), "Items": [...]}.
boost::json::array batch_items(const State& s, boost::json::value batch_input,
                               boost::json::array items);

// Whether `error` is matched by an ErrorEquals list (States.ALL,
// States.TaskFailed and the terminal errors as AWS defines them).
bool error_matches(const std::vector<std::string>& errors, const std::string& error);

// A Map run that failed `failed` of `total` items still succeeds when its
// ToleratedFailure* settings allow.
bool tolerates(const State& s, size_t failed, size_t total);
// The same with the tolerances given (a Map Run's, which UpdateMapRun changes).
bool tolerates(std::optional<int64_t> count, std::optional<double> percentage, size_t failed,
               size_t total);

// TestState's inspectionData for a JSONPath state: the data after each
// stage of its input and output processing, each absent where the state
// has no such stage or an earlier one failed. inspect_input() fills the
// stages before the state's work, inspect_result() those after it (given
// the work's result: a Task's answer; a Pass state's input or Result).
struct Inspection {
  std::optional<boost::json::value> after_input_path, after_parameters, result,
      after_result_selector, after_result_path;
};
void inspect_input(const State& s, const boost::json::value& input,
                   const boost::json::value& context, Inspection& out);
void inspect_result(const State& s, const boost::json::value& input, boost::json::value result,
                    const boost::json::value& context, Inspection& out);

// Whether a payload is over Step Functions' 256 KiB limit.
bool too_large(const boost::json::value& v);

}  // namespace nimbus::sfn::asl
