// The SQS operation table: each operation of the model, the named handler
// that serves it (queue_handlers.cc, message_handlers.cc,
// move_task_handlers.cc) and, in the comment, the resource it touches as the
// service authorization reference lists it.
#include "services/sqs/sqs_service.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <type_traits>

#include "services/sqs/input.h"
#include "services/sqs/target.h"

namespace nimbus::services::sqs {

namespace {

// A handler as the registry calls it: asynchronous members keep `respond`,
// inline ones answer with what they return. (Goes when services/service.h
// has operation tables.)
template <typename S, typename F>
Handler bind(S* self, F member) {
  if constexpr (std::is_invocable_v<F, S&, const CallContext&, boost::json::object, Respond>) {
    return [self, member](const CallContext& ctx, boost::json::object in, Respond respond) {
      std::invoke(member, *self, ctx, std::move(in), std::move(respond));
    };
  } else {
    return [self, member](const CallContext& ctx, boost::json::object in, Respond respond) {
      respond(std::invoke(member, *self, ctx, in));
    };
  }
}

}  // namespace

void SqsService::serve_operations() {
  on("CreateQueue", bind(this, &SqsService::create_queue));                 // queue: QueueName
  on("GetQueueUrl", bind(this, &SqsService::get_queue_url));                // queue: QueueName
  on("ListQueues", bind(this, &SqsService::list_queues));                   // no resource
  on("DeleteQueue", bind(this, &SqsService::delete_queue));                 // queue: QueueUrl
  on("GetQueueAttributes", bind(this, &SqsService::get_queue_attributes));  // queue: QueueUrl
  on("SetQueueAttributes", bind(this, &SqsService::set_queue_attributes));  // queue: QueueUrl
  on("PurgeQueue", bind(this, &SqsService::purge_queue));                   // queue: QueueUrl
  on("ListDeadLetterSourceQueues",
     bind(this, &SqsService::list_dead_letter_source_queues));              // queue: QueueUrl
  on("TagQueue", bind(this, &SqsService::tag_queue));                       // queue: QueueUrl
  on("UntagQueue", bind(this, &SqsService::untag_queue));                   // queue: QueueUrl
  on("ListQueueTags", bind(this, &SqsService::list_queue_tags));            // queue: QueueUrl
  on("AddPermission", bind(this, &SqsService::add_permission));             // queue: QueueUrl
  on("RemovePermission", bind(this, &SqsService::remove_permission));       // queue: QueueUrl
  on("SendMessage", bind(this, &SqsService::send_message));                 // queue: QueueUrl
  on("SendMessageBatch", bind(this, &SqsService::send_message_batch));      // queue: QueueUrl
  on("ReceiveMessage", bind(this, &SqsService::receive_message));           // queue: QueueUrl
  on("DeleteMessage", bind(this, &SqsService::delete_message));             // queue: QueueUrl
  on("DeleteMessageBatch", bind(this, &SqsService::delete_message_batch));  // queue: QueueUrl
  on("ChangeMessageVisibility",
     bind(this, &SqsService::change_message_visibility));  // queue: QueueUrl
  on("ChangeMessageVisibilityBatch",
     bind(this, &SqsService::change_message_visibility_batch));                  // queue: QueueUrl
  on("StartMessageMoveTask", bind(this, &SqsService::start_message_move_task));  // queue: SourceArn
  on("CancelMessageMoveTask", bind(this, &SqsService::cancel_message_move_task));  // no resource
  on("ListMessageMoveTasks", bind(this, &SqsService::list_message_move_tasks));  // queue: SourceArn
}

SqsService::SqsService(Environment& env)
    : Service("sqs"),
      env_(env),
      queues_(std::make_unique<Queues>(env)),
      bound_(bind_events(*queues_, env.targets)) {
  if (auto s = queues_->recover(); !s) spdlog::error("{}", s.error().message);
  serve_operations();
}

Result<QueuePtr> SqsService::resolve(const CallContext& ctx, const boost::json::object& in) const {
  return input::resolve(*queues_, ctx, env_, in);
}

}  // namespace nimbus::services::sqs
