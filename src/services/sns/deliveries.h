// Deliveries: every message accepted by Publish, for every subscription it
// matches, durably queued (a standard SQS queue: durably in the queue)
// before Publish answers, and retried until the endpoint takes it, as SNS
// does for AWS-managed endpoints (SQS, Lambda): 3 immediate retries, 2
// after 1 s, 10 backing off from 1 s to 20 s, then every 20 s, 100,015
// attempts in all (about 23 days); then, or at once for an endpoint that
// will never take it (a deleted queue or function, a message it refuses),
// to the subscription's RedrivePolicy dead-letter queue if it has one, else
// dropped (counted).
//
// http/https subscriptions are POSTed by an http::Client (SNS's headers,
// 2xx is delivered) and retried per their healthyRetryPolicy
// (http_delivery.h) before the dead-letter queue. email and email-json
// subscriptions are mailed (mail.h) through the SMTP relay of `--sns-smtp
// HOST:PORT` by an http::SmtpClient (a relay's 5xx is not retried; 4xx,
// timeouts, refused connections and a server without a relay are). sms
// subscriptions are written to CloudWatch Logs (sms.h). Each delivery's
// outcome is logged there too when the topic asks (delivery_status.h).
//
// A Notification to a standard SQS queue is sent by queue() at once: the
// queue's commit makes it durable, so no timer is stored unless that
// attempt fails (then it is stored as the retry, before `done`). The rest
// (FIFO, other protocols, confirmations) is stored first and sent from its
// timer.
//
// Storage: one storage::Timers timer per (message, subscription), namespace
// `sns.deliveries`, kind `d`, id `<sequence or message id>/<subscription
// id>`, payload the delivery ready to send (JSON). Timers are handed out in
// (due, id) order on the scheduler's thread, so a FIFO topic's messages
// reach a subscription in sequence order; the handler only calls
// events::Targets::deliver, which never blocks.
//
// FIFO order: a subscription gets one message of a MessageGroupId at a
// time. A FIFO delivery that fires while an earlier one of its (subscription,
// group) is being tried waits (in memory, its timer not yet acknowledged);
// while that one waits for a retry due at T, it is rescheduled durably to
// T + 1 ms (written before the retry itself), so it fires after the retry
// also after a restart, and checks again. A delivery queued while its group
// waits for a retry is stored at T + 1 ms at once. Once the earlier one is
// delivered, dropped or moved to the dead-letter queue, the next waiting
// one goes. Other groups and subscriptions are not held back.
//
// A group waiting for a retry is also recorded (namespace
// `sns.fifo-heads`, key `<subscription ARN>\n<group>`, value the waiting
// delivery's timer id and T), before anything is deferred behind it, and
// start() reloads these records: after a restart a later delivery whose
// timer was not yet moved behind the retry (it had not fired) still waits
// for it. A record whose delivery is no longer stored is dropped when its
// group is next used.
//
// Threads: queue() from any thread; its `done` runs on the storage
// committer. The destructor stops hand-outs and waits for running ones.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>

#include "common/gate.h"
#include "common/mutex.h"
#include "common/result.h"
#include "events/delivery.h"
#include "events/target_queue.h"
#include "http/client.h"
#include "http/smtp_client.h"
#include "services/logs/api.h"
#include "services/service.h"
#include "services/sns/topics.h"
#include "storage/timers.h"

namespace nimbus::services::sns {

class Deliveries {
 public:
  // `logs` (may be null: sms deliveries then wait) takes sms messages and
  // delivery-status records.
  Deliveries(Environment& env, Topics& topics, logs::LogWriter* logs);
  ~Deliveries();

  // The storage partition every delivery's batch names (the timers'
  // namespace and kind): a batch committed after queue() returned, naming
  // it too, is durable only once that delivery is.
  static constexpr const char* kPartition = "sns.deliveries/d";

  Status start();
  // Stores `d` for subscription `s` (or sends it at once, above); `done`
  // once it is durable. `type` is the x-amz-sns-message-type of an
  // http/https delivery (http_delivery.h): a confirmation goes out also
  // while `s` is pending, and an UnsubscribeConfirmation after `s` is gone.
  void queue(const Subscription& s, const std::string& key, events::Delivery d,
             std::function<void(Status)> done, const char* type = "Notification");
  size_t pending() const { return timers_ ? timers_->size() : 0; }
  // Decides whether a subscription's SubscriptionRoleArn may deliver to its
  // endpoint (firehose:PutRecord on a Firehose stream): a refusal is not
  // retried and goes to the subscription's dead-letter queue, as SNS does
  // with client errors. Set once, before start(); unset: not checked.
  void set_role_check(events::RoleCheck check) { role_check_ = std::move(check); }
  // Decides whether a topic's delivery-status role (`<Protocol>Success
  // FeedbackRoleArn`, ...) may write to its log group (delivery_status.h):
  // a refused one writes nothing. Set once, before start(); unset: not
  // checked.
  using FeedbackCheck =
      std::function<Status(const std::string& role_arn, const std::string& log_group_arn)>;
  void set_feedback_check(FeedbackCheck check) { feedback_check_ = std::move(check); }

  // Delay before attempt n+1 after n failures; nullopt when exhausted.
  static std::optional<int64_t> retry_delay_ms(int64_t failures);
  // The same for customer-managed endpoints (email, sms), as SNS documents
  // them: 2 retries 10 s apart, 10 backing off exponentially from 10 s to
  // 600 s, 38 every 600 s (50 retries, about 6 hours).
  static std::optional<int64_t> customer_managed_delay_ms(int64_t failures);

 private:
  struct Pending;  // a stored delivery (deliveries.cc)
  void on_timer(storage::DueTimer t, storage::Timers::Ack ack);
  // Hands `p` to its target (events::Targets); finish() decides.
  void send(Pending p, SubscriptionPtr sub, std::string id, storage::Timers::Ack ack);
  // After an attempt: acknowledge, retry later, or move to the dead letters.
  void finish(Pending p, const SubscriptionPtr& sub, const std::string& id,
              storage::Timers::Ack ack, const events::Outcome& o);
  // Writes the delivery-status record of `p`'s outcome `o` when the topic
  // asks for one (delivery_status.h).
  void log_status(const Pending& p, const SubscriptionPtr& sub, const events::Outcome& o);
  // POSTs an http/https delivery with SNS's headers; 2xx is delivered.
  void post(Pending p, SubscriptionPtr sub, std::string id, storage::Timers::Ack ack);
  // Whether a Notification to `sub` now would exceed its throttlePolicy's
  // maxReceivesPerSecond; counts it when not.
  bool throttled(const std::string& sub, int64_t max_per_second, int64_t now_ms);
  // Mails an email/email-json delivery (its body is the whole message).
  void mail(Pending p, SubscriptionPtr sub, std::string id, storage::Timers::Ack ack);
  // FIFO order (above). Whether the FIFO delivery `p` (timer `t`) goes now;
  // when not, `t` and `ack` were taken: it waits, or is rescheduled after
  // its group's retry.
  bool admit(const Pending& p, storage::DueTimer& t, storage::Timers::Ack& ack);
  // The group's head `id` will be retried at `retry`: what waits behind it
  // is rescheduled to just after. Call before scheduling the retry.
  void hold_group(const Pending& p, const std::string& id, Clock::time_point retry);
  // The group's head `id` is done (delivered, dropped, dead-lettered): the
  // next waiting delivery goes.
  void release_group(const Pending& p, const std::string& id);
  // Reschedules a delivery that fired behind a retry to just after it.
  void defer(storage::DueTimer t, storage::Timers::Ack ack, Clock::time_point retry);
  // The group record of a group waiting for its head's retry (above).
  void save_head(const std::string& group, const std::string& id, Clock::time_point retry);
  void forget_head(const std::string& group);
  Status load_heads();

  Environment& env_;
  Topics& topics_;
  Counter& delivered_;
  Counter& retried_;
  Counter& dead_lettered_;
  Counter& dropped_;
  Counter& throttled_;  // held back by a throttlePolicy (http/https)
  std::unique_ptr<storage::Timers> timers_;
  std::unique_ptr<http::Client> client_;    // http/https endpoints; from start()
  std::unique_ptr<http::SmtpClient> smtp_;  // email; from start(), null without --sns-smtp
  logs::LogWriter* logs_;
  events::RoleCheck role_check_;
  FeedbackCheck feedback_check_;
  // Deliveries to each throttled subscription in the current second.
  struct Window {
    int64_t second = 0;
    int64_t count = 0;
  };
  Mutex windows_mu_;
  std::map<std::string, Window> windows_ GUARDED_BY(windows_mu_);
  // Jitter of retry delays: a number in [0, 1).
  std::function<double()> jitter_ = [] {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
  };
  // FIFO deliveries being tried, per subscription ARN + "\n" + group id.
  struct Group {
    std::string head;  // the timer id being tried, or waiting for its retry
    bool in_flight = true;
    Clock::time_point retry;  // when !in_flight: the head's retry is due
    bool saved = false;       // a group record names `head` (above)
    std::deque<std::pair<storage::DueTimer, storage::Timers::Ack>> waiting;
  };
  Mutex groups_mu_;
  std::map<std::string, Group> groups_ GUARDED_BY(groups_mu_);
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::services::sns
