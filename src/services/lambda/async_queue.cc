#include "services/lambda/async_queue.h"

#include "common/request_id.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

constexpr int64_t kDefaultMaxAgeSeconds = 21600;
constexpr int64_t kDefaultRetries = 2;

events::RetryPolicy policy_of(const Target& t, const LambdaOptions& options) {
  events::RetryPolicy p;
  p.max_retries = integer(t.event_config, "MaximumRetryAttempts").value_or(kDefaultRetries);
  p.max_age_ms =
      integer(t.event_config, "MaximumEventAgeInSeconds").value_or(kDefaultMaxAgeSeconds) * 1000;
  p.retry_delays_ms = options.retry_delays_ms;
  if (const auto* d = t.event_config.if_contains("DestinationConfig"); d && d->is_object()) {
    for (auto [member, field] :
         {std::pair{"OnSuccess", &p.on_success}, {"OnFailure", &p.on_failure}}) {
      const auto* on = d->as_object().if_contains(member);
      if (on && on->is_object()) *field = str(on->as_object(), "Destination");
    }
  }
  p.dead_letter = str(t.dead_letter, "TargetArn");
  return p;
}

}  // namespace

class AsyncQueue::Functions final : public events::Functions {
 public:
  explicit Functions(LambdaService& s) : s_(s) {}

  std::optional<events::ResolvedFunction> resolve(const std::string& name,
                                                  const std::string& qualifier) override {
    auto target = s_.resolve(name, qualifier);
    if (!target) return std::nullopt;
    events::ResolvedFunction fn;
    fn.function_arn = target->spec->arn;
    fn.executed_version = target->executed_version;
    fn.role_arn = target->spec->role_arn;
    fn.policy = policy_of(*target, s_.options());
    fn.run = [&s = s_, target = std::move(*target)](std::string request_id, std::string payload,
                                                    std::function<void(events::RunOutcome)> done) {
      runtime::InvokeRequest req;
      req.request_id = std::move(request_id);
      req.payload = std::move(payload);
      s.run(target, std::move(req), [done = std::move(done)](Result<runtime::InvokeResult> r) {
        using Kind = events::RunOutcome::Kind;
        // Throttled, or no environment could start: backed off, not counted.
        if (!r) return done({Kind::kThrottled, r.error().message});
        bool ok = r->status == runtime::InvokeStatus::kOk;
        done({ok ? Kind::kOk : Kind::kFunctionError, std::move(r->payload)});
      });
    };
    return fn;
  }

 private:
  LambdaService& s_;
};

AsyncQueue::AsyncQueue(LambdaService& service)
    : s_(service), functions_(std::make_unique<Functions>(service)) {
  auto& env = s_.env();
  if (env.storage != nullptr) {
    queue_ = std::make_unique<events::AsyncInvoke>(
        events::AsyncInvoke::Deps{*env.storage, env.workers, env.scheduler, env.clock, env.metrics,
                                  env.targets, *functions_},
        events::AsyncInvoke::Options{});
  }
}

Status AsyncQueue::start() {
  if (!queue_) return Error::internal("lambda: the async invocation queue needs storage");
  return queue_->start();
}

AsyncQueue::~AsyncQueue() {
  if (queue_) queue_->stop();
}

void AsyncQueue::deliver(std::string name, std::string qualifier, events::Delivery d,
                         events::DeliverDone done) {
  std::string id = d.id.empty() ? new_request_id() : d.id;
  queue_->enqueue(std::move(name), std::move(qualifier), std::move(d.body), id,
                  [id, done = std::move(done)](Status st) {
                    if (st) return done(events::Outcome::ok(id));
                    done(events::Outcome::failed(events::Failure::kUnavailable, st.take_error()));
                  });
}

void AsyncQueue::enqueue(const Target&, std::string name, std::string qualifier,
                         std::string payload, std::string request_id,
                         std::function<void(Status)> done) {
  if (!queue_) return done(Error::internal("lambda: the async invocation queue needs storage"));
  queue_->enqueue(std::move(name), std::move(qualifier), std::move(payload), std::move(request_id),
                  std::move(done));
}

}  // namespace nimbus::services::lambda
