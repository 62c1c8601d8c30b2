// State machines as delivery targets (events/target.h): what an EventBridge
// rule, a Scheduler schedule or another producer delivers to a state
// machine ARN starts an execution, through StartExecution's own checks and
// durable start, with the delivery's body as the input and a generated name.
#include "common/request_id.h"
#include "services/stepfunctions/stepfunctions_service.h"

namespace nimbus::sfn {

namespace json = boost::json;

class StepFunctionsService::MachineTarget final : public events::Target {
 public:
  explicit MachineTarget(StepFunctionsService& s) : s_(s) {}

  Status check(const std::string& arn) const override {
    MutexLock lock(s_.mu_);
    if (!s_.machines_.contains(arn)) return errors::machine_missing(arn);
    return Status::ok();
  }

  // Done once the execution's start is committed (an Express machine's run
  // is in memory: at once). The input must be JSON, as StartExecution's.
  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override {
    auto parsed = events::Arn::parse(arn);
    if (!parsed) {
      return done(
          events::Outcome::failed(events::Failure::kNotFound, errors::machine_missing(arn)));
    }
    CallContext ctx;
    ctx.request_id = new_request_id();
    ctx.service = "stepfunctions";
    ctx.operation = "StartExecution";
    ctx.region = parsed->region;
    ctx.account_id = parsed->account;
    json::object in{{"stateMachineArn", arn}, {"input", std::move(d.body)}};
    s_.start_execution(ctx, std::move(in), [done = std::move(done)](Output out) {
      if (out) return done(events::Outcome::ok(std::string(out->at("executionArn").as_string())));
      Error e = out.take_error();
      auto kind = e.code == "StateMachineDoesNotExist" ? events::Failure::kNotFound
                  : e.sender_fault                     ? events::Failure::kRejected
                                                       : events::Failure::kUnavailable;
      done(events::Outcome::failed(kind, std::move(e)));
    });
  }

 private:
  StepFunctionsService& s_;
};

void StepFunctionsService::bind(events::Targets& targets) {
  target_ = std::make_unique<MachineTarget>(*this);
  bound_ = targets.bind("states", *target_);
}

}  // namespace nimbus::sfn
