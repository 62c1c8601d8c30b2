// SQS handlers for queue-level operations. Message operations are in
// message_handlers.cc.
#include "services/sqs/sqs_service.h"
#include <spdlog/spdlog.h>

#include "common/encoding.h"

#include "services/sqs/codec.h"
#include "services/sqs/handler_util.h"

namespace nimbus::services::sqs {

namespace json = boost::json;
using util::integer;
using util::str;

namespace {

std::function<void(Status)> empty_on_ok(Respond respond) {
  return [respond = std::move(respond)](Status s) {
    if (!s) return respond(s.take_error());
    respond(json::object{});
  };
}

// ListQueues and ListDeadLetterSourceQueues page alike: MaxResults 1-1000;
// NextToken is the base64 of the last name returned, and only given when
// the caller set MaxResults (as SQS). `queues` is sorted by name.
Output page_urls(const CallContext& ctx, const json::object& in,
                 const std::vector<QueuePtr>& queues, std::string_view prefix, const char* urls_key,
                 bool omit_empty) {
  auto max = integer(in, "MaxResults");
  if (max && (*max < 1 || *max > 1000)) {
    return errors::invalid_value(std::to_string(*max), "MaxResults",
                                 "MaxResults must be an integer between 1 and 1000.");
  }
  std::string after;
  if (std::string token = str(in, "NextToken"); !token.empty()) {
    auto decoded = base64_decode(token);
    if (!decoded) return errors::invalid_parameter("Invalid NextToken value.");
    after = *decoded;
  }
  json::array urls;
  std::string last;
  bool more = false;
  size_t limit = max ? static_cast<size_t>(*max) : 1000;
  for (const auto& q : queues) {
    if (q->name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!after.empty() && q->name <= after) continue;
    if (urls.size() == limit) {
      more = true;
      break;
    }
    urls.emplace_back(util::queue_url(ctx, *q));
    last = q->name;
  }
  json::object out;
  if (!urls.empty() || !omit_empty) out[urls_key] = std::move(urls);
  if (more && max) out["NextToken"] = base64_encode(last);
  return out;
}

}  // namespace

SqsService::SqsService(Environment& env)
    : Service("sqs"), env_(env), queues_(std::make_unique<Queues>(env)) {
  if (auto s = queues_->recover(); !s) spdlog::error("{}", s.error().message);
  add_queue_handlers();
  add_message_handlers();
}

void SqsService::add_queue_handlers() {
  on("CreateQueue", [this](const CallContext& ctx, json::object in, Respond respond) {
    auto attrs = util::string_map(in, "Attributes");
    auto tags = util::string_map(in, "tags");
    std::string endpoint = ctx.endpoint_url;
    queues_->create(util::account_of(ctx, env_), str(in, "QueueName"), std::move(attrs),
                    std::move(tags), [endpoint, respond](Result<QueuePtr> q) {
                      if (!q) return respond(q.take_error());
                      json::object out;
                      out["QueueUrl"] = endpoint + "/" + (*q)->account + "/" + (*q)->name;
                      respond(std::move(out));
                    });
  });

  on_sync("GetQueueUrl", [this](const CallContext& ctx, const json::object& in) -> Output {
    std::string account = str(in, "QueueOwnerAWSAccountId");
    if (account.empty()) account = util::account_of(ctx, env_);
    auto q = queues_->find(account, str(in, "QueueName"));
    if (!q) return errors::queue_does_not_exist();
    json::object out;
    out["QueueUrl"] = util::queue_url(ctx, *q);
    return out;
  });

  on_sync("ListQueues", [this](const CallContext& ctx, const json::object& in) -> Output {
    return page_urls(ctx, in, queues_->list(util::account_of(ctx, env_)),
                     str(in, "QueueNamePrefix"), "QueueUrls", true);
  });

  on("DeleteQueue", [this](const CallContext& ctx, json::object in, Respond respond) {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return respond(q.take_error());
    queues_->remove(*q, empty_on_ok(std::move(respond)));
  });

  on_sync("GetQueueAttributes", [this](const CallContext& ctx, const json::object& in) -> Output {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return q.take_error();
    auto attrs = queues_->attributes(*q, util::string_list(in, "AttributeNames"));
    if (!attrs) return attrs.take_error();
    json::object out;
    if (!attrs->empty()) {
      json::object a;
      for (auto& [k, v] : *attrs) a[k] = v;
      out["Attributes"] = std::move(a);
    }
    return out;
  });

  on("SetQueueAttributes", [this](const CallContext& ctx, json::object in, Respond respond) {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return respond(q.take_error());
    queues_->set_attributes(*q, util::string_map(in, "Attributes"),
                            empty_on_ok(std::move(respond)));
  });

  on("PurgeQueue", [this](const CallContext& ctx, json::object in, Respond respond) {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return respond(q.take_error());
    queues_->purge(*q, empty_on_ok(std::move(respond)));
  });

  on("TagQueue", [this](const CallContext& ctx, json::object in, Respond respond) {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return respond(q.take_error());
    queues_->tag(*q, util::string_map(in, "Tags"), empty_on_ok(std::move(respond)));
  });

  on("UntagQueue", [this](const CallContext& ctx, json::object in, Respond respond) {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return respond(q.take_error());
    queues_->untag(*q, util::string_list(in, "TagKeys"), empty_on_ok(std::move(respond)));
  });

  on_sync("ListQueueTags", [this](const CallContext& ctx, const json::object& in) -> Output {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return q.take_error();
    json::object tags;
    {
      std::lock_guard lock((*q)->mu);
      for (const auto& [k, v] : (*q)->tags) tags[k] = v;
    }
    json::object out;
    if (!tags.empty()) out["Tags"] = std::move(tags);
    return out;
  });

  on_sync("ListDeadLetterSourceQueues",
          [this](const CallContext& ctx, const json::object& in) -> Output {
            auto q = util::resolve(*queues_, ctx, env_, in);
            if (!q) return q.take_error();
            return page_urls(ctx, in, queues_->dead_letter_sources(*q), "", "queueUrls", false);
          });

  on_sync("StartMessageMoveTask", [this](const CallContext&, const json::object& in) -> Output {
    auto rate = integer(in, "MaxNumberOfMessagesPerSecond");
    auto handle = queues_->start_move_task(str(in, "SourceArn"), str(in, "DestinationArn"),
                                           rate ? static_cast<int>(*rate) : 0);
    if (!handle) return handle.take_error();
    json::object out;
    out["TaskHandle"] = *handle;
    return out;
  });

  on_sync("CancelMessageMoveTask", [this](const CallContext&, const json::object& in) -> Output {
    auto moved = queues_->cancel_move_task(str(in, "TaskHandle"));
    if (!moved) return moved.take_error();
    json::object out;
    out["ApproximateNumberOfMessagesMoved"] = *moved;
    return out;
  });

  on_sync("ListMessageMoveTasks", [this](const CallContext&, const json::object& in) -> Output {
    auto max = integer(in, "MaxResults");
    auto tasks = queues_->list_move_tasks(str(in, "SourceArn"), max ? static_cast<int>(*max) : 1);
    if (!tasks) return tasks.take_error();
    json::array results;
    for (const auto& t : *tasks) {
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
      results.push_back(std::move(r));
    }
    json::object out;
    out["Results"] = std::move(results);
    return out;
  });

  on("AddPermission", [this](const CallContext& ctx, json::object in, Respond respond) {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return respond(q.take_error());
    policy::Grant grant{str(in, "Label"), util::string_list(in, "AWSAccountIds"),
                        util::string_list(in, "Actions")};
    queues_->add_permission(*q, std::move(grant), empty_on_ok(std::move(respond)));
  });

  on("RemovePermission", [this](const CallContext& ctx, json::object in, Respond respond) {
    auto q = util::resolve(*queues_, ctx, env_, in);
    if (!q) return respond(q.take_error());
    queues_->remove_permission(*q, str(in, "Label"), empty_on_ok(std::move(respond)));
  });
}

}  // namespace nimbus::services::sqs
