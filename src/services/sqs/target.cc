#include "services/sqs/target.h"

#include "iam/service_principal.h"
#include "services/sqs/errors.h"
#include "services/sqs/queues.h"

namespace nimbus::services::sqs {

namespace {

class QueueTarget final : public events::Target {
 public:
  explicit QueueTarget(Queues& queues) : queues_(queues) {}

  Status check(const std::string& arn) const override {
    if (!queues_.find_by_arn(arn)) return errors::queue_does_not_exist();
    return Status::ok();
  }

  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override {
    auto q = queues_.find_by_arn(arn);
    if (!q) {
      return done(
          events::Outcome::failed(events::Failure::kNotFound, errors::queue_does_not_exist()));
    }
    if (auto allowed = permits(*q, arn, d.source_arn); !allowed) {
      return done(events::Outcome::failed(events::Failure::kRejected, allowed.take_error()));
    }
    SendRequest req;
    req.body = std::move(d.body);
    req.attributes.reserve(d.attributes.size());
    for (auto& a : d.attributes) {
      req.attributes.push_back(
          {std::move(a.name), std::move(a.type), std::move(a.value), a.binary});
    }
    req.group_id = std::move(d.group_id);
    req.dedup_id = std::move(d.dedup_id);
    queues_.send(q, {std::move(req)}, [done = std::move(done)](std::vector<Result<SendResult>> r) {
      if (r.size() == 1 && r[0]) return done(events::Outcome::ok(r[0]->message_id));
      Error e = r.empty() ? Error::internal("no send result") : r[0].error();
      // SQS refusing the message (its validation) will refuse it again; a
      // storage failure may pass later.
      auto kind = e.sender_fault ? events::Failure::kRejected : events::Failure::kUnavailable;
      done(events::Outcome::failed(kind, std::move(e)));
    });
  }

 private:
  // Under --iam enforce a service sending for a producer (an SNS topic, an
  // EventBridge rule, an S3 bucket) needs the queue policy to allow its
  // service principal sqs:SendMessage, as on AWS.
  Status permits(const Queue& q, const std::string& arn, const std::string& source_arn) const {
    const auto& options = queues_.settings().service_options;
    auto mode = options.find("iam.mode");
    if (mode == options.end() || mode->second != "enforce") return Status::ok();
    std::string principal = nimbus::iam::service_principal_of(source_arn);
    if (principal.empty()) return Status::ok();  // acts through a role
    std::string document;
    {
      std::lock_guard lock(q.mu);
      auto it = q.config.attrs.find("Policy");
      if (it != q.config.attrs.end()) document = it->second;
    }
    std::optional<nimbus::iam::Policy> policy;
    if (!document.empty()) {
      auto parsed = nimbus::iam::parse_policy(document, nimbus::iam::PolicyKind::kResource);
      if (parsed) policy = std::move(*parsed);
    }
    return nimbus::iam::service_allowed(policy ? &*policy : nullptr, principal, "sqs:SendMessage",
                                        arn, source_arn, queues_.settings().account_id);
  }

  Queues& queues_;
};

class Bound final : public events::Binding {
 public:
  Bound(Queues& queues, events::Targets& targets)
      : target_(make_target(queues)),
        source_(make_queue_source(queues)),
        target_binding_(targets.bind("sqs", *target_)),
        source_binding_(targets.bind_source("sqs", *source_)) {}

 private:
  std::unique_ptr<events::Target> target_;
  std::unique_ptr<events::QueueSource> source_;
  std::unique_ptr<events::Binding> target_binding_;  // unbound before target_ dies
  std::unique_ptr<events::Binding> source_binding_;
};

}  // namespace

std::unique_ptr<events::Target> make_target(Queues& queues) {
  return std::make_unique<QueueTarget>(queues);
}

std::unique_ptr<events::Binding> bind_events(Queues& queues, events::Targets& targets) {
  return std::make_unique<Bound>(queues, targets);
}

}  // namespace nimbus::services::sqs
