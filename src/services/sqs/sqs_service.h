// Amazon SQS (model sqs/2012-11-05; awsQuery and awsJson 1.0 on the wire).
// The operation table and its handlers turn input values into calls on
// Queues (queues.h), the engine, and results back into output values. See
// README.md for what is implemented and how it differs from AWS.
#pragma once

#include <boost/json.hpp>
#include <memory>

#include "services/service.h"
#include "services/sqs/queues.h"

namespace nimbus::services::sqs {

class SqsService final : public Service {
 public:
  explicit SqsService(Environment& env);
  ~SqsService() override;

  void bind(events::Targets& targets) override;
  // Reads back every queue and message (Queues::recover).
  Status start() override;
  // The queue's policy (Service::resource_policy).
  std::string resource_policy(const std::string& arn) const override;
  void begin_shutdown() override { queues_->release_waiters(); }

  // The in-process interface (SNS → SQS, Lambda destinations and pollers).
  Queues& queues() { return *queues_; }

 private:
  using object = boost::json::object;
  static const Operation<SqsService> kOperations[];  // sqs_service.cc

  // queue_handlers.cc
  void create_queue(const CallContext& ctx, object in, Respond respond);
  Output get_queue_url(const CallContext& ctx, const object& in) const;
  Output list_queues(const CallContext& ctx, const object& in) const;
  void delete_queue(const CallContext& ctx, object in, Respond respond);
  Output get_queue_attributes(const CallContext& ctx, const object& in);
  void set_queue_attributes(const CallContext& ctx, object in, Respond respond);
  void purge_queue(const CallContext& ctx, object in, Respond respond);
  Output list_dead_letter_source_queues(const CallContext& ctx, const object& in) const;
  void tag_queue(const CallContext& ctx, object in, Respond respond);
  void untag_queue(const CallContext& ctx, object in, Respond respond);
  Output list_queue_tags(const CallContext& ctx, const object& in) const;
  void add_permission(const CallContext& ctx, object in, Respond respond);
  void remove_permission(const CallContext& ctx, object in, Respond respond);

  // message_handlers.cc
  void send_message(const CallContext& ctx, object in, Respond respond);
  void send_message_batch(const CallContext& ctx, object in, Respond respond);
  void receive_message(const CallContext& ctx, object in, Respond respond);
  void delete_message(const CallContext& ctx, object in, Respond respond);
  void delete_message_batch(const CallContext& ctx, object in, Respond respond);
  void change_message_visibility(const CallContext& ctx, object in, Respond respond);
  void change_message_visibility_batch(const CallContext& ctx, object in, Respond respond);

  // move_task_handlers.cc
  Output start_message_move_task(const CallContext& ctx, const object& in);
  Output cancel_message_move_task(const CallContext& ctx, const object& in);
  Output list_message_move_tasks(const CallContext& ctx, const object& in) const;

  // The queue the request addresses (QueueUrl, or the request's path).
  Result<QueuePtr> resolve(const CallContext& ctx, const object& in) const;

  Environment& env_;
  std::unique_ptr<Queues> queues_;
  std::unique_ptr<events::Binding> bound_;  // queues as targets and sources (target.h)
};

}  // namespace nimbus::services::sqs
