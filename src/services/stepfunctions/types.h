// State machines and executions as the service keeps them (in memory, and
// as JSON documents in storage: codec.cc).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "services/stepfunctions/asl/definition.h"

namespace nimbus::sfn {

struct StateMachine {
  std::string arn, name, type = "STANDARD", role_arn, definition, revision_id, description;
  double created = 0;
  double updated = 0;
  boost::json::object logging, tracing;
  std::map<std::string, std::string> tags;
  std::shared_ptr<const asl::Machine> machine;  // parsed definition

  boost::json::object encode() const;
  static std::optional<StateMachine> decode(std::string_view text);
};

struct Execution {
  std::string arn, machine_arn, name, status = "RUNNING", input, output, error, cause;
  std::string role_arn, definition;  // the definition it started with
  double start = 0;
  double stop = 0;
  int64_t next_event = 1;       // id of the next history event
  boost::json::value position;  // runner.h's frames
  int64_t wake_ms = 0;          // when waiting (0: not)
  std::shared_ptr<const asl::Machine> machine;

  boost::json::object encode() const;
  static std::optional<Execution> decode(std::string_view text);
};

}  // namespace nimbus::sfn
