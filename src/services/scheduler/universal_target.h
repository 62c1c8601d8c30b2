// The universal target: `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`
// calls that operation of one of nimbus's own services in-process, with the
// schedule's Input (a JSON object) as the operation's input, checked against
// the operation's model as a client's request would be. Bound as the
// `scheduler` kind of events::Targets, so retries and dead-letter queues
// apply to it as to any target.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "events/target.h"
#include "events/target_queue.h"
#include "services/operation_calls.h"
#include "services/service.h"

namespace nimbus::services::scheduler {

// Calls `operation` of the service serving `model` with `input`, answering
// once from any thread (the registry wires it to its in-process calls).
using OperationCall = std::function<void(std::string_view model, std::string_view operation,
                                         CallContext ctx, boost::json::object input, Respond)>;

struct UniversalArn {
  std::string model;      // nimbus's model name: "sqs", "stepfunctions", "events"
  std::string operation;  // "SendMessage"
  // nullopt when `arn` is not `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`.
  static std::optional<UniversalArn> parse(std::string_view arn);
};

// The role check of schedules (events::RoleCheck): a universal target's call
// is decided as the schedule's role on the operation's action and the
// resources its input names (OperationCalls::authorize_as, assumed by
// scheduler.amazonaws.com; an Input that is not an object is left to the
// call to refuse); any other target by `targets`. `calls` must outlive it.
::nimbus::events::RoleCheck role_check(::nimbus::events::RoleCheck targets,
                                       const OperationCalls& calls, const Settings& settings);

class UniversalTarget final : public ::nimbus::events::Target {
 public:
  UniversalTarget(const Settings& settings, OperationCall call)
      : settings_(settings), call_(std::move(call)) {}

  Status check(const std::string& arn) const override;
  void deliver(const std::string& arn, ::nimbus::events::Delivery d,
               ::nimbus::events::DeliverDone done) override;

 private:
  const Settings& settings_;
  OperationCall call_;
};

}  // namespace nimbus::services::scheduler
