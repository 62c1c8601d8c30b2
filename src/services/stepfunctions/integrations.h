// What a Task state's Resource calls: a Lambda function (its ARN, or
// arn:aws:states:::lambda:invoke), an optimized integration
// (arn:aws:states:::sqs:sendMessage, ...) or an AWS SDK integration
// (arn:aws:states:::aws-sdk:SERVICE:ACTION), and how the answer becomes the
// task's result or its error as Step Functions names it (the function's
// errorType, Lambda.Unknown, SQS.QueueDoesNotExistException, ...), so that
// Retry and Catch match what they match on AWS.
//
// Threads: call() never blocks; `done` runs once, on whichever thread the
// called service answers on. The interfaces handed in must outlive this.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "services/events/api.h"
#include "services/iam/api.h"
#include "services/lambda/api.h"
#include "services/operation_calls.h"
#include "services/s3/api.h"
#include "services/service.h"
#include "services/stepfunctions/asl/step.h"

namespace nimbus::sfn {

// A Resource taken apart. `pattern` is "", ".sync", ".sync:2" or
// ".waitForTaskToken".
struct TaskTarget {
  enum Kind {
    kUnknown,
    kLambdaFunction,
    kLambdaInvoke,
    kOptimized,
    kSdk,
    kHttp,
    kApiGateway
  } kind = kUnknown;
  std::string service;  // "sqs", "dynamodb", ... (kOptimized, kSdk)
  std::string action;   // "sendMessage", "putItem", ...
  std::string pattern;
};
TaskTarget task_target(const std::string& resource);
// states:startExecution.sync or .sync:2: the task ends with the child.
bool runs_child(const TaskTarget& t);

struct TaskRequest {
  std::string resource;
  boost::json::value parameters;  // the effective input (after Parameters)
  std::string execution_arn;      // names the region and account to call in
  std::string io;  // a distributed Map's "ItemReader" / "ResultWriter" (asl::TaskCall)
  // The state machine's RoleArn: under --iam enforce the task's call is
  // authorized as this role (OperationCalls::authorize_as); "" not checked.
  std::string role_arn;
};

struct TaskOutcome {
  bool ok = false;
  boost::json::value output;  // ok
  asl::Failure failure;       // !ok
};

// A task's failure: States error name and cause.
inline TaskOutcome task_failed(std::string error, std::string cause) {
  return TaskOutcome{false, nullptr, {std::move(error), std::move(cause)}};
}

class Integrations {
 public:
  // Either may be null (a test without Lambda or other services): the
  // tasks that need it fail with States.Runtime.
  Integrations(services::lambda::Functions* functions, services::OperationCalls* calls)
      : functions_(functions), calls_(calls) {}
  // A distributed Map's ItemReader and ResultWriter read and write objects
  // through S3's interfaces (set before serving; without them those fail).
  void use_objects(services::s3::ObjectReader* reader, services::s3::ObjectWriter* writer) {
    reader_ = reader;
    writer_ = writer;
  }

  // An HTTP Task (arn:aws:states:::http:invoke) sends its request through
  // EventBridge's connections (without them it fails).
  void use_connections(services::eventbridge::Connections* connections) {
    connections_ = connections;
  }

  // An API Gateway task (arn:aws:states:::apigateway:invoke) hands its
  // request to the API in process, as its invoke URL would receive it
  // (without `apis` those tasks fail); AuthType IAM_ROLE signs it, at the
  // clock's time, with a session of the state machine's role that IAM
  // mints (use_roles; without it IAM_ROLE fails).
  void use_apis(const services::UserApis* apis, const Clock& clock) {
    apis_ = apis;
    clock_ = &clock;
  }
  void use_roles(services::iam::Directory* iam) { iam_ = iam; }

  void call(TaskRequest task, std::function<void(TaskOutcome)> done) const;

 private:
  // AccessDeniedException with IAM's message when the task's role
  // (TaskRequest::role_arn) may not call `operation` of `model` with
  // `input` (OperationCalls::authorize_as); nullopt when it may or nothing
  // is checked.
  std::optional<Error> refused_as_role(const TaskRequest& task, std::string_view model,
                                       std::string_view operation,
                                       const boost::json::object& input) const;
  void call_function(const TaskTarget& t, TaskRequest task,
                     std::function<void(TaskOutcome)> done) const;
  void call_service(const TaskTarget& t, TaskRequest task,
                    std::function<void(TaskOutcome)> done) const;

  // http_task.cc
  void call_http(TaskRequest task, std::function<void(TaskOutcome)> done) const;

  // apigateway_task.cc
  void call_api(TaskRequest task, std::function<void(TaskOutcome)> done) const;
  // Calls `then` with the credentials of a session of `role_arn` for
  // states.amazonaws.com (one kept per role while it has half an hour
  // left: minting is a durable write), or IAM's error.
  void role_session(const std::string& role_arn,
                    std::function<void(Result<services::iam::TemporaryCredentials>)> then) const;

  // item_io.cc
  void read_items(TaskRequest task, std::function<void(TaskOutcome)> done) const;
  void list_items(TaskRequest task, std::function<void(TaskOutcome)> done) const;
  void write_results(TaskRequest task, std::function<void(TaskOutcome)> done) const;

  services::lambda::Functions* functions_;
  services::OperationCalls* calls_;
  services::s3::ObjectReader* reader_ = nullptr;
  services::s3::ObjectWriter* writer_ = nullptr;
  services::eventbridge::Connections* connections_ = nullptr;
  const services::UserApis* apis_ = nullptr;
  services::iam::Directory* iam_ = nullptr;
  const Clock* clock_ = nullptr;
  mutable std::mutex sessions_mu_;
  mutable std::map<std::string, services::iam::TemporaryCredentials> sessions_;  // by role ARN
};

// The region and account of an execution ARN (arn:aws:states:R:A:...);
// empty strings when it is not one.
std::pair<std::string, std::string> region_account(const std::string& arn);

// A Lambda function error document (`payload`) as the task's error: its
// errorType, or Lambda.Unknown when it has none (a crash, out of memory).
asl::Failure function_failure(const std::string& payload);

}  // namespace nimbus::sfn
