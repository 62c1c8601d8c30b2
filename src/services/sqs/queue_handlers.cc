// SQS handlers for queue-level operations: create, look up, list, delete,
// attributes, purge, dead-letter sources, tags and permissions.
#include "common/encoding.h"
#include "services/sqs/input.h"
#include "services/sqs/sqs_service.h"

namespace nimbus::services::sqs {

namespace json = boost::json;
using input::integer;
using input::str;

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
    urls.emplace_back(input::queue_url(ctx, *q));
    last = q->name;
  }
  json::object out;
  if (!urls.empty() || !omit_empty) out[urls_key] = std::move(urls);
  if (more && max) out["NextToken"] = base64_encode(last);
  return out;
}

}  // namespace

void SqsService::create_queue(const CallContext& ctx, json::object in, Respond respond) {
  auto attrs = input::string_map(in, "Attributes");
  auto tags = input::string_map(in, "tags");
  queues_->create(input::account_of(ctx, env_), str(in, "QueueName"), std::move(attrs),
                  std::move(tags), takes_aws_tags(ctx), [ctx, respond](Result<QueuePtr> q) {
                    if (!q) return respond(q.take_error());
                    respond(json::object{{"QueueUrl", input::queue_url(ctx, **q)}});
                  });
}

Output SqsService::get_queue_url(const CallContext& ctx, const json::object& in) const {
  std::string account = str(in, "QueueOwnerAWSAccountId");
  if (account.empty()) account = input::account_of(ctx, env_);
  auto q = queues_->find(account, str(in, "QueueName"));
  if (!q) return errors::queue_does_not_exist();
  return json::object{{"QueueUrl", input::queue_url(ctx, *q)}};
}

Output SqsService::list_queues(const CallContext& ctx, const json::object& in) const {
  return page_urls(ctx, in, queues_->list(input::account_of(ctx, env_)), str(in, "QueueNamePrefix"),
                   "QueueUrls", true);
}

void SqsService::delete_queue(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  queues_->remove(*q, empty_on_ok(std::move(respond)));
}

Output SqsService::get_queue_attributes(const CallContext& ctx, const json::object& in) {
  auto q = resolve(ctx, in);
  if (!q) return q.take_error();
  auto attrs = queues_->attributes(*q, input::string_list(in, "AttributeNames"));
  if (!attrs) return attrs.take_error();
  json::object out;
  if (!attrs->empty()) {
    json::object a;
    for (auto& [k, v] : *attrs) a[k] = v;
    out["Attributes"] = std::move(a);
  }
  return out;
}

void SqsService::set_queue_attributes(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  queues_->set_attributes(*q, input::string_map(in, "Attributes"), empty_on_ok(std::move(respond)));
}

void SqsService::purge_queue(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  queues_->purge(*q, empty_on_ok(std::move(respond)));
}

Output SqsService::list_dead_letter_source_queues(const CallContext& ctx,
                                                  const json::object& in) const {
  auto q = resolve(ctx, in);
  if (!q) return q.take_error();
  return page_urls(ctx, in, queues_->dead_letter_sources(*q), "", "queueUrls", false);
}

void SqsService::tag_queue(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  queues_->tag(*q, input::string_map(in, "Tags"), takes_aws_tags(ctx),
               empty_on_ok(std::move(respond)));
}

void SqsService::untag_queue(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  queues_->untag(*q, input::string_list(in, "TagKeys"), takes_aws_tags(ctx),
                 empty_on_ok(std::move(respond)));
}

Output SqsService::list_queue_tags(const CallContext& ctx, const json::object& in) const {
  auto q = resolve(ctx, in);
  if (!q) return q.take_error();
  json::object tags;
  for (const auto& [k, v] : queues_->tags(*q)) tags[k] = v;
  json::object out;
  if (!tags.empty()) out["Tags"] = std::move(tags);
  return out;
}

void SqsService::add_permission(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  policy::Grant grant{str(in, "Label"), input::string_list(in, "AWSAccountIds"),
                      input::string_list(in, "Actions")};
  queues_->add_permission(*q, std::move(grant), empty_on_ok(std::move(respond)));
}

void SqsService::remove_permission(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  queues_->remove_permission(*q, str(in, "Label"), empty_on_ok(std::move(respond)));
}

}  // namespace nimbus::services::sqs
