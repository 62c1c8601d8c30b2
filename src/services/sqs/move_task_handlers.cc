// SQS handlers for message move tasks (DLQ redrive): start, cancel, list.
// The tasks themselves run in the engine (move_tasks.cc).
#include "services/sqs/input.h"
#include "services/sqs/sqs_service.h"

namespace nimbus::services::sqs {

namespace json = boost::json;
using input::integer;
using input::str;

namespace {

json::object task_json(const MoveTask& t) {
  json::object r;
  if (t.status == "RUNNING") r["TaskHandle"] = t.handle;
  r["Status"] = t.status;
  r["SourceArn"] = t.source_arn;
  if (!t.destination_arn.empty()) r["DestinationArn"] = t.destination_arn;
  if (t.max_per_second > 0) r["MaxNumberOfMessagesPerSecond"] = t.max_per_second;
  r["ApproximateNumberOfMessagesMoved"] = t.moved;
  r["ApproximateNumberOfMessagesToMove"] = t.to_move;
  if (!t.failure.empty()) r["FailureReason"] = t.failure;
  r["StartedTimestamp"] = t.started_ms;
  return r;
}

}  // namespace

Output SqsService::start_message_move_task(const CallContext&, const json::object& in) {
  auto rate = integer(in, "MaxNumberOfMessagesPerSecond");
  auto handle = queues_->start_move_task(str(in, "SourceArn"), str(in, "DestinationArn"),
                                         rate ? static_cast<int>(*rate) : 0);
  if (!handle) return handle.take_error();
  return json::object{{"TaskHandle", *handle}};
}

Output SqsService::cancel_message_move_task(const CallContext&, const json::object& in) {
  auto moved = queues_->cancel_move_task(str(in, "TaskHandle"));
  if (!moved) return moved.take_error();
  return json::object{{"ApproximateNumberOfMessagesMoved", *moved}};
}

Output SqsService::list_message_move_tasks(const CallContext&, const json::object& in) const {
  auto max = integer(in, "MaxResults");
  auto tasks = queues_->list_move_tasks(str(in, "SourceArn"), max ? static_cast<int>(*max) : 1);
  if (!tasks) return tasks.take_error();
  json::array results;
  for (const auto& t : *tasks) results.push_back(task_json(t));
  return json::object{{"Results", std::move(results)}};
}

}  // namespace nimbus::services::sqs
