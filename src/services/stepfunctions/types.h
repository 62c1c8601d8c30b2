// State machines and executions as the service keeps them (in memory, and
// as JSON documents in storage: codec.cc).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/stepfunctions/asl/definition.h"

namespace nimbus::sfn {

// The most an execution's input, a state's input or output and a task's
// answer may hold (262,144 bytes), as on AWS.
inline constexpr size_t kMaxPayloadBytes = 256 * 1024;

// A state machine, or one of its published versions (an immutable copy of
// a revision: `arn` is the machine's ARN and ":N", `version_of` the
// machine's ARN).
struct StateMachine {
  std::string arn, name, type = "STANDARD", role_arn, definition, revision_id, description;
  std::string version_of;    // a version: its machine's ARN
  int64_t version = 0;       // a version: its number
  int64_t next_version = 1;  // a machine: the number its next version gets
  double created = 0;
  double updated = 0;
  boost::json::object logging, tracing;
  std::map<std::string, std::string> tags;
  std::shared_ptr<const asl::Machine> machine;  // parsed definition

  boost::json::object encode() const;
  static std::optional<StateMachine> decode(std::string_view text);
};

// An alias: a name routing StartExecution to one or two versions by weight.
struct Alias {
  std::string arn, machine_arn, name, description;
  std::vector<std::pair<std::string, int64_t>> routes;  // version ARN, weight
  double created = 0;
  double updated = 0;

  boost::json::object encode() const;
  static std::optional<Alias> decode(std::string_view text);
};

// A state machine ARN split: "arn:...:stateMachine:NAME" and what follows
// another colon ("" for the machine, digits for a version, else an alias).
struct MachineRef {
  std::string machine, qualifier;
  bool version() const;
  bool alias() const { return !qualifier.empty() && !version(); }
};
// nullopt when `arn` is not a state machine ARN.
std::optional<MachineRef> machine_ref(const std::string& arn);

struct Execution {
  std::string arn, machine_arn, name, status = "RUNNING", input, output, error, cause;
  std::string version_arn, alias_arn;  // what StartExecution named, if not the machine
  int64_t redrive_count = 0;
  double redrive_date = 0;
  // The client tokens of its last redrives (at most 10) with each one's
  // redriveDate: RedriveExecution answers a token seen within 15 minutes
  // with that redrive instead of redriving again.
  std::vector<std::pair<std::string, double>> redrive_tokens;
  std::string role_arn, definition;  // the definition it started with
  double start = 0;
  double stop = 0;
  int64_t next_event = 1;                       // id of the next history event
  boost::json::value position;                  // runner.h's frames
  int64_t wake_ms = 0;                          // when waiting (0: not)
  std::shared_ptr<const asl::Machine> machine;  // null for a Map Run's child
  // A distributed Map's iteration or batch, run by its parent execution
  // (runner.h ChildRun): its Map Run, its parent execution (whose
  // definition it runs; not copied into each child), and the items it
  // processes.
  std::string map_run_arn, parent_arn;
  int64_t items = 0;

  // The stored document (JSON text).
  std::string serialize() const;
  static std::optional<Execution> decode(std::string_view text);
};

}  // namespace nimbus::sfn
