// The response side of custom resources: the ResponseURL a custom
// resource's handler PUTs its answer to, and the waits for those answers.
//
// A custom resource provider (providers/custom.cc) asks for a URL with
// expect(), sends the request, and keeps its callback here; the answer is
// the PUT to that URL (/_aws/cloudformation-response/TOKEN?X-Amz-Signature=
// ...), or the timeout. The edge (server/cfn_response.h) hands the PUT over
// as an event delivered to arn:aws:cloudformation:REGION:ACCOUNT:
// custom-resource-response/TOKEN, its body the answer and its signature
// the attribute X-Amz-Signature: like the S3 object AWS's CloudFormation
// reads, the answer is an event CloudFormation consumes, and this class is
// that ARN's target.
// Nothing blocks while waiting: the callback is held, the stack's resource
// stays *_IN_PROGRESS in its durable record.
//
// The waits live in memory: after a restart the engine finishes the stack
// operation the safe way (engine.h), which sends the custom resource a new
// request (a create is rolled back with a Delete, an update reverted with an
// Update, a delete sends its Delete again); an answer to a URL from before
// the restart is refused (403) and changes nothing.
//
// Thread-safety: every method may be called from any thread. Callbacks run
// on the worker pool, never under this object's lock.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "common/mutex.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "common/worker_pool.h"
#include "events/target.h"

namespace nimbus::services::cloudformation {

namespace json = boost::json;

// What a custom resource answered (SUCCESS), as its handler sent it.
struct CustomAnswer {
  std::string physical_id;  // empty when the answer named none
  json::object data;        // Data: what Fn::GetAtt reads
  bool no_echo = false;
};

class CustomResponses final : public events::Target {
 public:
  CustomResponses(Scheduler& scheduler, WorkerPool& workers);
  // Drops every wait without answering it (the engine's restart resumes
  // the operations), and waits for a timer callback that is running.
  ~CustomResponses() override;
  CustomResponses(const CustomResponses&) = delete;
  CustomResponses& operator=(const CustomResponses&) = delete;

  struct Expected {
    std::string stack_id, request_id, logical_id;
    std::chrono::milliseconds timeout{std::chrono::hours(1)};
    // The answer: a SUCCESS, or an error whose message is the resource's
    // failure reason (FAILED with its Reason, an invalid answer, the timeout).
    std::function<void(Result<CustomAnswer>)> done;
  };
  // Registers a wait; returns the ResponseURL path and query (to append to
  // the endpoint the handler reaches nimbus at).
  std::string expect(Expected e) EXCLUDES(mu_);
  // Ends a wait with `why` (the request could not be sent). `url_path` is
  // what expect() returned.
  void forget(const std::string& url_path, Error why) EXCLUDES(mu_);

  // The Target of the answers: an ARN naming a URL being waited on with
  // the attribute X-Amz-Signature of that URL is accepted (the answer,
  // valid or not, settles the wait, as the S3 object AWS reads would);
  // any other fails kRejected (AccessDenied).
  Status check(const std::string& arn) const override;
  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override
      EXCLUDES(mu_);

  static constexpr std::string_view kPathPrefix = "/_aws/cloudformation-response/";
  static constexpr std::string_view kArnResource = "custom-resource-response/";

 private:
  struct Wait {
    Expected expected;
    std::string signature;
    Scheduler::TimerId timer = 0;
  };
  // Removes the wait of `token` and answers it with `answer` on the pool.
  void settle(const std::string& token, std::function<Result<CustomAnswer>(const Expected&)> answer)
      EXCLUDES(mu_);

  Scheduler& scheduler_;
  WorkerPool& workers_;
  mutable Mutex mu_;
  std::map<std::string, Wait> waits_ GUARDED_BY(mu_);  // by token
};

// Reads a custom resource's answer (the PUT body) for `e`: the answer, or
// the failure AWS reports for it. Pure; exposed for tests.
Result<CustomAnswer> read_answer(std::string_view body, const CustomResponses::Expected& e);

}  // namespace nimbus::services::cloudformation
