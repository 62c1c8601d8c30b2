// Functions, versions and aliases as delivery targets (events/target.h): a
// delivery is an asynchronous invocation with the delivery's body as the
// event, queued durably before the target reports success.
#include "services/lambda/async_queue.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

class FunctionTarget final : public events::Target {
 public:
  using Enqueue =
      std::function<void(std::string, std::string, events::Delivery, events::DeliverDone)>;
  FunctionTarget(LambdaService& s, Enqueue enqueue) : s_(s), enqueue_(std::move(enqueue)) {}

  // A function ARN, qualified or not, whose function (and version or alias)
  // exists: Lambda's ResourceNotFoundException otherwise.
  Status check(const std::string& arn) const override {
    auto ref = parse_function_name(arn);
    return s_.resolve(ref.name, ref.qualifier).status();
  }

  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override {
    auto ref = parse_function_name(arn);
    if (auto target = s_.resolve(ref.name, ref.qualifier); !target) {
      return done(events::Outcome::failed(events::Failure::kNotFound, target.take_error()));
    }
    if (auto allowed = s_.permits_delivery(arn, d.source_arn); !allowed) {
      return done(events::Outcome::failed(events::Failure::kRejected, allowed.take_error()));
    }
    enqueue_(std::move(ref.name), std::move(ref.qualifier), std::move(d), std::move(done));
  }

 private:
  LambdaService& s_;
  Enqueue enqueue_;
};

}  // namespace

std::unique_ptr<events::Target> make_target(
    LambdaService& service,
    std::function<void(std::string, std::string, events::Delivery, events::DeliverDone)> enqueue) {
  return std::make_unique<FunctionTarget>(service, std::move(enqueue));
}

}  // namespace nimbus::services::lambda
