// TargetQueue: durable deliveries to targets with EventBridge's retry policy
// and dead-letter queue, shared by EventBridge rules and EventBridge
// Scheduler (both document the same RetryPolicy and DeadLetterConfig).
//
// A delivery is stored as one storage::Timers timer (namespace of the
// owner's choosing, kind `d`) before queue() reports done, so an accepted
// event survives a restart; the timer's handler calls Targets::deliver.
// send() instead makes the first attempt itself and stores the delivery
// only when that attempt fails.
//
// - Retryable failures (throttled, unavailable, a target kind nothing has
//   bound yet) are retried with exponential backoff (1 s doubling, at most
//   5 min) while fewer than `max_retries` retries were made and the event is
//   younger than `max_age_ms` (EventBridge's defaults: 185 and 24 hours).
// - Then, or at once for a failure that will not change (no such queue or
//   function, a message it refuses), the event goes to `dead_letter` when
//   set: the same body with the attributes RULE_ARN (when the owner gives
//   one), TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, RETRY_ATTEMPTS and, when
//   the policy ran out, EXHAUSTED_RETRY_CONDITION (MaximumRetryAttempts or
//   MaximumEventAgeInSeconds), as EventBridge and Scheduler document, then
//   the owner's `dead_letter_attributes`;
//   a dead-letter queue that keeps failing retryably is retried for up to
//   14 days. Otherwise the event is dropped and counted.
// - With a role check (set_role_check), each attempt on a delivery with a
//   role_arn is decided as that role first; with set_dead_letter_as_role,
//   so is each attempt on its dead-letter queue (a refused one is dropped).
//
// Threads: queue() from any thread, `done` on the storage committer. The
// handler runs on the scheduler's thread and never blocks. The destructor
// stops hand-outs and waits for running ones.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/gate.h"
#include "common/metrics.h"
#include "common/result.h"
#include "events/delivery.h"
#include "events/target.h"
#include "storage/timers.h"

namespace nimbus {
class Scheduler;
}

namespace nimbus::events {

struct QueuedDelivery {
  std::string target;
  Delivery delivery;
  int64_t max_retries = 185;
  int64_t max_age_ms = 24LL * 3600 * 1000;
  std::string dead_letter;  // "" when none
  std::string rule_arn;     // RULE_ARN of a dead-letter message ("" leaves it out)
  // More String attributes of a dead-letter message (Scheduler's
  // SCHEDULE_ARN, SCHEDULED_TIME, EXECUTION_ID).
  std::vector<std::pair<std::string, std::string>> dead_letter_attributes;
  // The role the owner's service delivers as (a rule target's or a
  // schedule's RoleArn); "" for none (the target's resource policy decides).
  std::string role_arn;
};

// Whether `role_arn` lets the owner's service deliver `delivery` to `target`
// now (under --iam enforce: the role's trust policy and permissions; a
// target that makes a call of its own, as Scheduler's universal target,
// decides on what the delivery asks); the error's message says why not.
using RoleCheck = std::function<Status(const std::string& role_arn, const std::string& target,
                                       const Delivery& delivery)>;

class TargetQueue {
 public:
  // `ns`: the timers' namespace; `service`: the metrics label.
  TargetQueue(storage::Storage& storage, Scheduler& scheduler, Targets& targets, Metrics& metrics,
              std::string ns, std::string service);
  ~TargetQueue();

  // Set before start(). A delivery with a role_arn the check refuses fails
  // at once, without retries, as NO_PERMISSIONS (its dead-letter queue gets
  // it), as EventBridge treats a permission error. Unset: never checked.
  void set_role_check(RoleCheck check) { role_check_ = std::move(check); }
  // Set before start(). true: the dead-letter queue is sent to as the
  // delivery's role_arn too (Scheduler: the schedule's role needs
  // sqs:SendMessage on it); a refusal drops the event at once, counted as
  // dropped. false (EventBridge rules, the default): only the queue's own
  // policy decides, as EventBridge sends as events.amazonaws.com.
  void set_dead_letter_as_role(bool as_role) { dead_letter_as_role_ = as_role; }
  // Told once per event whose dead-letter queue was tried, on the
  // scheduler's thread: `failure` null when the queue took it, else why it
  // did not (refused, gone, or retried out). Set before start().
  using DeadLetterResult = std::function<void(const QueuedDelivery& policy, const Error* failure)>;
  void on_dead_letter(DeadLetterResult result) { dead_letter_result_ = std::move(result); }
  // Rewrites the delivery each attempt on the target sends, given the
  // attempt's number (1 for the first); the stored delivery keeps its bytes.
  // The number is stored with the delivery, so a restart between attempts
  // goes on counting. The dead-letter queue gets the last attempt's
  // rewrite. (Scheduler: <aws.scheduler.attempt-number> in the payload.)
  // Set before start(). Unset: the stored bytes are sent.
  using Prepare = std::function<void(const std::string& target, Delivery& d, int64_t attempt)>;
  void on_prepare(Prepare prepare) { prepare_ = std::move(prepare); }
  // Told after each attempt on the target (its dead-letter queue aside), on
  // the scheduler's thread: the attempt's number, the target's outcome (a
  // refusal by the role check included), and whether the event is given up
  // (a failure that will not be retried, whether or not a dead-letter queue
  // then takes it). Set before start(). (Scheduler's AWS/Scheduler metrics.)
  using AttemptResult = std::function<void(const QueuedDelivery& policy, int64_t attempt,
                                           const Outcome& outcome, bool given_up)>;
  void on_attempt(AttemptResult result) { attempt_result_ = std::move(result); }

  Status start();
  // Stores `d` under `id` (unique per event and target), first attempted at
  // once; `done` once it is durable.
  void queue(const std::string& id, QueuedDelivery d, std::function<void(Status)> done);
  // The same for a target whose own commit makes a delivery durable (a
  // standard SQS queue): the first attempt is made here, before anything
  // is stored, and `done` runs once the target took `d`, or once it is
  // stored as the retry (or dead letter) that attempt's failure calls for.
  void send(const std::string& id, QueuedDelivery d, std::function<void(Status)> done);
  size_t pending() const { return timers_ ? timers_->size() : 0; }

  // Delay before retry n (1-based) of a retryable failure.
  static int64_t backoff_ms(int64_t n);

 private:
  struct Pending;
  Pending pending(QueuedDelivery d) const;  // first due now
  void on_timer(storage::DueTimer t, storage::Timers::Ack ack);
  // One attempt on the target (or its dead-letter queue); finish() decides.
  void attempt(Pending p, std::string id, storage::Timers::Ack ack);
  void finish(Pending p, const std::string& id, storage::Timers::Ack ack, const Outcome& o);

  storage::Storage& storage_;
  Scheduler& scheduler_;
  Targets& targets_;
  std::string ns_;
  Counter& delivered_;
  Counter& retried_;
  Counter& dead_lettered_;
  Counter& dropped_;
  std::unique_ptr<storage::Timers> timers_;
  RoleCheck role_check_;
  bool dead_letter_as_role_ = false;
  DeadLetterResult dead_letter_result_;
  Prepare prepare_;
  AttemptResult attempt_result_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::events
