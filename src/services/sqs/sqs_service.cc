// The SQS operation table: each operation of the model, the named handler
// that serves it (queue_handlers.cc, message_handlers.cc,
// move_task_handlers.cc) and the queue it touches.
#include "services/sqs/sqs_service.h"

#include "common/encoding.h"
#include "services/sqs/input.h"
#include "services/sqs/target.h"

namespace nimbus::services::sqs {

namespace json = boost::json;

namespace {

// The ARNs each operation touches: the queue (arn:aws:sqs:REGION:ACCOUNT:NAME)
// as the service authorization reference lists it, in the request's region.
std::string queue_arn(const CallContext& ctx, const std::string& account, const std::string& name) {
  const std::string& owner = account.empty() ? ctx.account_id : account;
  std::string arn;  // one allocation: this runs for every call under --iam
  arn.reserve(12 + ctx.region.size() + owner.size() + name.size() + 2);
  arn.append("arn:aws:sqs:").append(ctx.region).append(":").append(owner).append(":").append(name);
  return arn;
}

// The queue QueueUrl (or the request's path) names.
Resources by_url(const CallContext& ctx, const json::object& in) {
  auto p = input::queue_path(ctx, in);
  if (!p) return {};
  return {queue_arn(ctx, p->account, p->name)};
}

// The queue CreateQueue makes or GetQueueUrl looks up.
Resources by_name(const CallContext& ctx, const json::object& in) {
  return {queue_arn(ctx, input::str(in, "QueueOwnerAWSAccountId"), input::str(in, "QueueName"))};
}

// The source queue of a message move task.
Resources by_source_arn(const CallContext&, const json::object& in) {
  return {input::str(in, "SourceArn")};
}

// CancelMessageMoveTask's handle carries its source queue (move_tasks.cc).
Resources by_task_handle(const CallContext&, const json::object& in) {
  auto text = base64_decode(input::str(in, "TaskHandle"));
  auto handle = text ? parse_object(*text) : std::nullopt;
  if (!handle) return {};
  return {input::str(*handle, "sourceArn")};
}

}  // namespace

const Operation<SqsService> SqsService::kOperations[] = {
    // queue_handlers.cc
    {"CreateQueue", &SqsService::create_queue, by_name},
    {"GetQueueUrl", &SqsService::get_queue_url, by_name},
    {"ListQueues", &SqsService::list_queues, no_resources},
    {"DeleteQueue", &SqsService::delete_queue, by_url},
    {"GetQueueAttributes", &SqsService::get_queue_attributes, by_url},
    {"SetQueueAttributes", &SqsService::set_queue_attributes, by_url},
    {"PurgeQueue", &SqsService::purge_queue, by_url},
    {"ListDeadLetterSourceQueues", &SqsService::list_dead_letter_source_queues, by_url},
    {"TagQueue", &SqsService::tag_queue, by_url},
    {"UntagQueue", &SqsService::untag_queue, by_url},
    {"ListQueueTags", &SqsService::list_queue_tags, by_url},
    {"AddPermission", &SqsService::add_permission, by_url},
    {"RemovePermission", &SqsService::remove_permission, by_url},
    // message_handlers.cc
    {"SendMessage", &SqsService::send_message, by_url},
    {"SendMessageBatch", &SqsService::send_message_batch, by_url},
    {"ReceiveMessage", &SqsService::receive_message, by_url},
    {"DeleteMessage", &SqsService::delete_message, by_url},
    {"DeleteMessageBatch", &SqsService::delete_message_batch, by_url},
    {"ChangeMessageVisibility", &SqsService::change_message_visibility, by_url},
    {"ChangeMessageVisibilityBatch", &SqsService::change_message_visibility_batch, by_url},
    // move_task_handlers.cc
    {"StartMessageMoveTask", &SqsService::start_message_move_task, by_source_arn},
    {"CancelMessageMoveTask", &SqsService::cancel_message_move_task, by_task_handle},
    {"ListMessageMoveTasks", &SqsService::list_message_move_tasks, by_source_arn},
};

SqsService::SqsService(Environment& env)
    : Service("sqs"), env_(env), queues_(std::make_unique<Queues>(env)) {
  serve(*this, kOperations);
}

SqsService::~SqsService() {
  bound_.reset();  // no delivery or poll reaches the queues from here on
}

void SqsService::bind(events::Targets& targets) {
  bound_ = bind_events(*queues_, targets);
}

std::string SqsService::resource_policy(const std::string& arn) const {
  auto q = queues_->find_by_arn(arn);
  if (!q) return {};
  std::lock_guard lock(q->mu);
  auto it = q->config.attrs.find("Policy");
  return it == q->config.attrs.end() ? std::string() : it->second;
}

Status SqsService::start() {
  return queues_->recover();
}

Result<QueuePtr> SqsService::resolve(const CallContext& ctx, const boost::json::object& in) const {
  return input::resolve(*queues_, ctx, env_, in);
}

}  // namespace nimbus::services::sqs
