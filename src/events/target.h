// Targets: where events go, found by ARN, bound late (and the queue and
// stream sources event source mappings read, bound the same way).
//
// Each service that can receive events implements Target for its own ARNs
// (services/sqs/target.cc: queues; services/lambda/target.cc: functions,
// versions and aliases; SNS topics, EventBridge buses, Step Functions state
// machines, Kinesis streams as they land) and registers it in the one
// Targets registry (services::Environment::targets) when it is built.
// Producers (Lambda destinations and dead-letter queues, SNS subscriptions,
// EventBridge rules, S3 notifications) look a target up by ARN each time they
// deliver, so no producer includes a consumer's header and the order in
// which services are built never matters.
//
// ARNs are keyed by their service field: "sqs", "lambda", "sns", "events",
// "states", "kinesis". HTTP(S) endpoints (SNS subscriptions, API
// destinations) are keyed by their scheme, "http" and "https".
//
// Threads: every method is thread-safe and never blocks (event loops call
// them); see binding.h for how a service unbinds while calls run.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "events/binding.h"
#include "events/delivery.h"
#include "events/source.h"
#include "events/stream_source.h"

namespace nimbus::events {

// arn:partition:service:region:account:resource (resource may hold ':').
struct Arn {
  std::string partition, service, region, account, resource;
  static std::optional<Arn> parse(std::string_view text);
};

// The registry key of an ARN or endpoint URL: the ARN's service field, or
// "http"/"https" for a URL; "" when it is neither.
std::string target_kind(std::string_view arn);

class Target {
 public:
  virtual ~Target() = default;
  // Whether `arn` names something this target can deliver to now. A missing
  // resource fails with Failure::kNotFound's error (the producer turns it into
  // its own API's error: Lambda answers InvalidParameterValueException).
  virtual Status check(const std::string& arn) const = 0;
  // Delivers `d` to `arn`. `done` runs exactly once, from any thread, when
  // the target has durably accepted the event (an SQS message committed, a
  // Lambda event queued) or has failed it.
  virtual void deliver(const std::string& arn, Delivery d, DeliverDone done) = 0;
};

// The registry of targets and sources, one per program (services::Environment
// ::targets). Services bind at construction; producers and pollers look up at
// each call.
class Targets {
 public:
  Targets() = default;
  Targets(const Targets&) = delete;
  Targets& operator=(const Targets&) = delete;

  // `target` answers for ARNs of `kind` until the Binding is destroyed (keep
  // it as a member declared after what the target uses).
  [[nodiscard]] std::unique_ptr<Binding> bind(std::string kind, Target& target) {
    return targets_.bind(std::move(kind), target);
  }
  [[nodiscard]] std::unique_ptr<Binding> bind_source(std::string kind, QueueSource& source) {
    return sources_.bind(std::move(kind), source);
  }
  [[nodiscard]] std::unique_ptr<Binding> bind_stream_source(std::string kind,
                                                            StreamSource& source) {
    return streams_.bind(std::move(kind), source);
  }

  // An ARN no bound target knows fails with Failure::kNotFound's error:
  // "InvalidArn" (neither an ARN nor a URL) or "UnsupportedTarget" (nothing
  // in this program delivers to that service). Otherwise the target's check.
  Status check(const std::string& arn) const;
  // The ARN's target's deliver, or `done` with the failure check() names.
  void deliver(const std::string& arn, Delivery d, DeliverDone done) const;
  bool has(std::string_view kind) const { return targets_.has(kind); }

  // Runs f(QueueSource&) with the source bound for the ARN's kind; false
  // (f not called) when there is none.
  template <typename F>
  bool with_source(std::string_view arn, F&& f) const {
    return sources_.with(target_kind(arn), std::forward<F>(f));
  }
  // The same for StreamSource (Kinesis, DynamoDB Streams).
  template <typename F>
  bool with_stream_source(std::string_view arn, F&& f) const {
    return streams_.with(target_kind(arn), std::forward<F>(f));
  }

 private:
  Bindings<Target> targets_;
  Bindings<QueueSource> sources_;
  Bindings<StreamSource> streams_;
};

}  // namespace nimbus::events
