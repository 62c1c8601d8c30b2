// A state machine definition (Amazon States Language, JSONPath query
// language) as parse_definition() builds it: every path, template and
// choice rule compiled, every transition checked. The interpreter
// (step.h) runs it.
//
// Threads: immutable once built; executions share one Machine.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/stepfunctions/asl/choice.h"
#include "services/stepfunctions/asl/json_path.h"
#include "services/stepfunctions/asl/payload.h"
#include "services/stepfunctions/asl/query.h"

namespace nimbus::sfn::asl {

enum class StateType { kPass, kTask, kChoice, kWait, kSucceed, kFail, kParallel, kMap };
std::string_view type_name(StateType t);

struct Retrier {
  std::vector<std::string> errors;
  double interval_seconds = 1;
  int64_t max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<int64_t> max_delay_seconds;
  bool full_jitter = false;
};

struct Catcher {
  std::vector<std::string> errors;
  std::optional<Path> result_path;  // absent: "$"; null_result_path: discard
  bool null_result_path = false;
  std::string next;
  std::optional<Query> output, assign;   // JSONata states
  std::optional<Template> assign_paths;  // JSONPath states' Assign
};

// A Choice rule of a JSONata state.
struct Condition {
  Query condition;
  std::string next;
  std::optional<Query> output, assign;
};

// A path field that may also be JSON null ("InputPath": null).
struct OptionalPath {
  std::optional<Path> path;  // absent: the default ($)
  bool null = false;
};

struct Machine;

struct State {
  std::string name;
  StateType type = StateType::kPass;
  std::string next;  // empty when end
  bool end = false;
  OptionalPath input_path, output_path, result_path;
  std::optional<Template> parameters, result_selector;
  std::optional<boost::json::value> result;  // Pass
  // Assign of a JSONPath state: `.$` fields read the state's result (its
  // input where it has none) as `$` (step.cc).
  std::optional<Template> assign_paths;
  // Task
  std::string resource;
  std::optional<int64_t> timeout_seconds, heartbeat_seconds;
  std::optional<Path> timeout_seconds_path, heartbeat_seconds_path;
  std::vector<Retrier> retry;
  std::vector<Catcher> catchers;
  // Choice
  std::vector<ChoiceRule> choices;
  std::string default_next;
  // Wait
  std::optional<double> seconds;
  std::optional<std::string> timestamp;
  std::optional<Path> seconds_path, timestamp_path;
  // Fail
  std::optional<std::string> error, cause;
  std::optional<Expression> error_path, cause_path;
  // Parallel
  std::vector<std::shared_ptr<const Machine>> branches;
  // Map
  std::shared_ptr<const Machine> iterator;
  std::optional<Path> items_path;
  std::optional<Template> item_selector;
  int64_t max_concurrency = 0;  // 0: no limit
  std::optional<Path> max_concurrency_path;
  std::optional<double> tolerated_failure_percentage;
  std::optional<int64_t> tolerated_failure_count;
  // Distributed Map (ProcessorConfig Mode DISTRIBUTED): where the items
  // come from, how they are batched, where the results go.
  bool distributed = false;
  // ExecutionType EXPRESS: its children are Express executions, of which
  // Step Functions keeps no record or history.
  bool express_children = false;
  std::string label;  // Label, else the state's name
  struct Reader {
    std::string resource;  // arn:aws:states:::s3:getObject | s3:listObjectsV2
    std::optional<Template> parameters;
    std::optional<Query> arguments;  // JSONata states
    boost::json::object config;      // ReaderConfig, checked
  };
  std::optional<Reader> item_reader;
  struct Batcher {
    std::optional<int64_t> max_items, max_bytes;
    std::optional<Template> batch_input;
    std::optional<Query> batch_query;  // JSONata states
  };
  std::optional<Batcher> item_batcher;
  struct Writer {
    std::string resource;  // arn:aws:states:::s3:putObject
    std::optional<Template> parameters;
    std::optional<Query> arguments;  // JSONata states
  };
  std::optional<Writer> result_writer;
  // JSONata (QueryLanguage "JSONata"): the fields that replace the JSONPath
  // ones; `{% %}` forms of Seconds, Timestamp, Error and Cause.
  bool jsonata = false;
  std::optional<Query> arguments, output, assign, items, item_query;
  std::optional<Query> seconds_query, timestamp_query, error_query, cause_query;
  std::vector<Condition> conditions;
};

struct Machine {
  std::string start_at;
  std::map<std::string, State, std::less<>> states;
  std::optional<int64_t> timeout_seconds;
  const State* find(std::string_view name) const {
    auto it = states.find(name);
    return it == states.end() ? nullptr : &it->second;
  }
};

// One problem with a definition, as ValidateStateMachineDefinition lists it.
struct Diagnostic {
  std::string code;  // SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, ...
  std::string message;
  std::string location;  // /States/Name/Field
};

struct Parsed {
  std::shared_ptr<const Machine> machine;  // null when diagnostics is not empty
  std::vector<Diagnostic> diagnostics;
};

Parsed parse_definition(std::string_view text);

// TestState's definition: one state's object, checked as a state of a
// machine is (its Next is not looked for), or with `state_name` a whole
// machine's definition and the state of that name in it. `state` points
// into `machine`; both null when diagnostics is not empty.
struct ParsedState {
  std::shared_ptr<const Machine> machine;
  const State* state = nullptr;
  std::vector<Diagnostic> diagnostics;
};
ParsedState parse_state(std::string_view text, std::string_view state_name = {});

// The InvalidDefinition message AWS gives CreateStateMachine:
// "Invalid State Machine Definition: 'CODE: message at location, ...'".
std::string invalid_definition_message(const std::vector<Diagnostic>& diagnostics);

}  // namespace nimbus::sfn::asl
