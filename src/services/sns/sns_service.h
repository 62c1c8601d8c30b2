// Amazon SNS (model sns/2010-03-31, awsQuery on the wire). The operation
// table and its handlers turn input values into calls on Topics (topics.h),
// the engine, and results back into output values. See README.md for what
// is implemented and how it differs from AWS.
#pragma once

#include <boost/json.hpp>
#include <memory>

#include "events/target.h"
#include "services/logs/api.h"
#include "services/service.h"
#include "services/sns/deliveries.h"
#include "services/sns/fifo_window.h"
#include "services/sns/message.h"
#include "services/sns/signing.h"
#include "services/sns/topics.h"

namespace nimbus::services::sns {

// A commit's callback that answers an empty result, or the commit's error.
inline std::function<void(Status)> empty_on_ok(Respond respond) {
  return [respond = std::move(respond)](Status s) {
    if (!s) return respond(s.take_error());
    respond(boost::json::object{});
  };
}

class SnsService final : public Service {
 public:
  // `logs` (may be null) takes what SNS would send by SMS (sms.h).
  explicit SnsService(Environment& env, logs::LogWriter* logs = nullptr);
  ~SnsService() override;

  // Binds topics as the "sns" delivery target (target.cc): a delivery is
  // published as Publish publishes.
  void bind(events::Targets& targets) override;
  // Reads back every topic and subscription, then resumes the deliveries.
  Status start() override;
  // The topic's policy (Service::resource_policy).
  std::string resource_policy(const std::string& arn) const override;

  Topics& topics() { return *topics_; }
  // The message signer (signing.h); null before start().
  const Signer* signer() const { return signer_.get(); }
  Deliveries& deliveries() { return *deliveries_; }

 private:
  using object = boost::json::object;
  static const Operation<SnsService> kOperations[];  // sns_service.cc

  // topic_handlers.cc
  void create_topic(const CallContext& ctx, object in, Respond respond);
  void delete_topic(const CallContext& ctx, object in, Respond respond);
  Output list_topics(const CallContext& ctx, const object& in) const;
  Output get_topic_attributes(const CallContext& ctx, const object& in) const;
  void set_topic_attributes(const CallContext& ctx, object in, Respond respond);
  void tag_resource(const CallContext& ctx, object in, Respond respond);
  // permission_handlers.cc
  void add_permission(const CallContext& ctx, object in, Respond respond);
  void remove_permission(const CallContext& ctx, object in, Respond respond);
  void untag_resource(const CallContext& ctx, object in, Respond respond);
  Output list_tags_for_resource(const CallContext& ctx, const object& in) const;
  void put_data_protection_policy(const CallContext& ctx, object in, Respond respond);
  Output get_data_protection_policy(const CallContext& ctx, const object& in) const;
  // subscription_handlers.cc
  void subscribe(const CallContext& ctx, object in, Respond respond);
  void confirm_subscription(const CallContext& ctx, object in, Respond respond);
  void unsubscribe(const CallContext& ctx, object in, Respond respond);
  Output get_subscription_attributes(const CallContext& ctx, const object& in) const;
  void set_subscription_attributes(const CallContext& ctx, object in, Respond respond);
  Output list_subscriptions(const CallContext& ctx, const object& in) const;
  Output list_subscriptions_by_topic(const CallContext& ctx, const object& in) const;
  // Queues a SubscriptionConfirmation / UnsubscribeConfirmation POST to
  // the http/https endpoint of `s`; `done` once it is durable.
  // Waits without blocking for a fresh data directory's signing key
  // (Signer::when_ready).
  void send_confirmation(const char* type, SubscriptionPtr s, std::string token,
                         std::string endpoint_url, std::function<void(Status)> done);
  void queue_confirmation(const char* type, const Subscription& s, const std::string& token,
                          const std::string& endpoint_url, std::function<void(Status)> done);
  // How messages of the topic `topic_arn` are rendered: signed with the
  // topic's SignatureVersion, URLs on `endpoint_url`.
  Rendering rendering(const std::string& endpoint_url, const std::string& topic_arn) const;
  // publish_handlers.cc
  void publish(const CallContext& ctx, object in, Respond respond);
  void publish_batch(const CallContext& ctx, object in, Respond respond);
  // The topic TopicArn (or TargetArn) names.
  Result<TopicPtr> publish_topic(const object& in) const;

 public:
  // Accepts a checked message of `topic` (read_message): its id, FIFO
  // sequence and deduplication, and a durably queued delivery per matching
  // subscription; `done` once they are stored. Publish, PublishBatch and
  // the "sns" target (target.cc) all publish through it.
  void accept(const Rendering& r, const Topic& topic, Message m,
              std::function<void(Result<Message>)> done);

 private:
  // The confirmed subscriptions of `topic` whose filter takes `m`.
  std::vector<SubscriptionPtr> matching(const Topic& topic, const Message& m) const;
  // accept() for a FIFO topic: sequence number and deduplication window
  // (fifo_window.h), stored after the deliveries.
  void accept_fifo(const Rendering& r, const Topic& topic, Message m,
                   std::function<void(Result<Message>)> done);
  // Queues a delivery of `m` to each of `matched`, then commits `after`
  // (if any); `done` once all are durable. Until a fresh data directory's
  // signing key is made, deferred in order (Signer::when_ready).
  void queue_deliveries(const Rendering& r, const Topic& topic, Message m,
                        std::vector<SubscriptionPtr> matched,
                        std::optional<storage::WriteBatch> after,
                        std::function<void(Result<Message>)> done);
  void queue_signed(const std::string& endpoint_url, const std::string& topic_arn, Message m,
                    std::vector<SubscriptionPtr> matched, std::optional<storage::WriteBatch> after,
                    std::function<void(Result<Message>)> done);
  // Reads the stored FIFO window back (start()); drops expired records.
  Status load_fifo_window();
  // Drops a FIFO topic's window and sequence, in memory and stored, ahead
  // of the topic's own removal (the commit order).
  void forget_fifo_window(const std::string& topic_arn);

  // Publish with PhoneNumber (publish_handlers.cc): written to `logs_`.
  void publish_sms(const std::string& phone, object in, Respond respond);

  Environment& env_;
  logs::LogWriter* logs_;
  std::unique_ptr<Topics> topics_;
  std::unique_ptr<Signer> signer_;  // from start(); envelopes go unsigned before
  Mutex fifo_mu_;
  FifoWindow fifo_ GUARDED_BY(fifo_mu_);
  std::unique_ptr<Deliveries> deliveries_;  // destroyed first: it reads topics_
  std::unique_ptr<events::Target> target_;  // topics as delivery targets (target.cc)
  std::unique_ptr<events::Binding> bound_;  // unbound before anything it uses goes
};

}  // namespace nimbus::services::sns
