// SQS handlers for message operations: send, receive, delete, change
// visibility, single and batched.
#include <set>

#include "services/sqs/digest.h"
#include "services/sqs/input.h"
#include "services/sqs/sqs_service.h"
#include "services/sqs/validate.h"

namespace nimbus::services::sqs {

namespace json = boost::json;
using input::integer;
using input::str;

namespace {

constexpr size_t kMaxBatchBytes = 1048576;  // 1 MiB, as a single message may be

std::vector<MessageAttribute> read_attributes(const json::object& in, const char* key) {
  std::vector<MessageAttribute> out;
  const auto* v = in.if_contains(key);
  if (v == nullptr || !v->is_object()) return out;
  for (const auto& [name, val] : v->as_object()) {
    if (!val.is_object()) continue;
    const auto& o = val.as_object();
    MessageAttribute a;
    a.name = std::string(name);
    a.type = str(o, "DataType");
    a.binary = input::has(o, "BinaryValue") && !input::has(o, "StringValue");
    a.value = a.binary ? str(o, "BinaryValue") : str(o, "StringValue");
    out.push_back(std::move(a));
  }
  return out;
}

SendRequest read_send(const CallContext& ctx, const json::object& in) {
  SendRequest r;
  r.body = str(in, "MessageBody");
  auto delay = integer(in, "DelaySeconds");
  if (delay) r.delay_seconds = static_cast<int>(std::clamp<int64_t>(*delay, -1, 100000));
  r.attributes = read_attributes(in, "MessageAttributes");
  r.system_attributes = read_attributes(in, "MessageSystemAttributes");
  r.group_id = str(in, "MessageGroupId");
  r.dedup_id = str(in, "MessageDeduplicationId");
  r.sender_id = ctx.access_key_id.empty() ? ctx.account_id : ctx.access_key_id;
  return r;
}

json::object send_result(const SendResult& r) {
  json::object o;
  o["MessageId"] = r.message_id;
  o["MD5OfMessageBody"] = r.md5_body;
  if (!r.md5_attributes.empty()) o["MD5OfMessageAttributes"] = r.md5_attributes;
  if (!r.md5_system.empty()) o["MD5OfMessageSystemAttributes"] = r.md5_system;
  if (!r.sequence_number.empty()) o["SequenceNumber"] = r.sequence_number;
  return o;
}

json::object failure(const std::string& id, const Error& e) {
  json::object o;
  o["Id"] = id;
  o["SenderFault"] = e.sender_fault;
  o["Code"] = e.code;
  o["Message"] = e.message;
  return o;
}

// The checks SQS makes on a whole batch before looking at any entry.
Status check_batch(const json::array& entries, const char* entry_shape) {
  if (entries.empty()) {
    return Error::make("EmptyBatchRequest", std::string("There should be at least one ") +
                                                entry_shape + " in the request.");
  }
  if (entries.size() > 10) {
    return Error::make("TooManyEntriesInBatchRequest",
                       "Maximum number of entries per request are 10. You have sent " +
                           std::to_string(entries.size()) + ".");
  }
  std::set<std::string> seen;
  for (const auto& e : entries) {
    std::string id = e.is_object() ? str(e.as_object(), "Id") : std::string();
    if (!validate::batch_entry_id(id)) {
      return Error::make("InvalidBatchEntryId",
                         "A batch entry id can only contain alphanumeric characters, hyphens and "
                         "underscores. It can be at most 80 letters long.");
    }
    if (!seen.insert(id).second) {
      return Error::make("BatchEntryIdsNotDistinct", "Id " + id + " repeated.");
    }
  }
  return Status::ok();
}

const json::array& entries_of(const json::object& in) {
  static const json::array kEmpty;
  const auto* v = in.if_contains("Entries");
  return v != nullptr && v->is_array() ? v->as_array() : kEmpty;
}

bool wants(const std::set<std::string>& names, const char* name) {
  return names.count("All") > 0 || names.count(name) > 0;
}

json::object system_attributes(const Received& r, const std::set<std::string>& names) {
  const MessageData& d = *r.data;
  json::object attrs;
  if (wants(names, "SenderId")) attrs["SenderId"] = d.sender_id;
  if (wants(names, "SentTimestamp")) attrs["SentTimestamp"] = std::to_string(d.sent_ms);
  if (wants(names, "ApproximateReceiveCount")) {
    attrs["ApproximateReceiveCount"] = std::to_string(r.receive_count);
  }
  if (wants(names, "ApproximateFirstReceiveTimestamp")) {
    attrs["ApproximateFirstReceiveTimestamp"] = std::to_string(r.first_receive_ms);
  }
  if (!d.trace_header.empty() && wants(names, "AWSTraceHeader")) {
    attrs["AWSTraceHeader"] = d.trace_header;
  }
  if (!d.group_id.empty()) {
    if (wants(names, "MessageGroupId")) attrs["MessageGroupId"] = d.group_id;
    if (wants(names, "MessageDeduplicationId")) attrs["MessageDeduplicationId"] = d.dedup_id;
    if (wants(names, "SequenceNumber")) attrs["SequenceNumber"] = sequence_number(d.seq);
  }
  if (!d.dlq_source.empty() && wants(names, "DeadLetterQueueSourceArn")) {
    attrs["DeadLetterQueueSourceArn"] = d.dlq_source;
  }
  return attrs;
}

// MessageAttributeNames: "All", ".*", a name, or "prefix.*".
bool selected(const std::string& name, const std::vector<std::string>& patterns) {
  for (const auto& n : patterns) {
    if (n == "All" || n == ".*" || n == name) return true;
    if (n.size() > 2 && n.compare(n.size() - 2, 2, ".*") == 0 &&
        name.compare(0, n.size() - 1, n, 0, n.size() - 1) == 0) {
      return true;
    }
  }
  return false;
}

json::object message_json(const Received& r, const std::set<std::string>& system_names,
                          const std::vector<std::string>& attribute_names) {
  const MessageData& d = *r.data;
  json::object m{{"MessageId", d.id},
                 {"ReceiptHandle", r.receipt_handle},
                 {"MD5OfBody", d.md5_body},
                 {"Body", d.body}};
  if (auto attrs = system_attributes(r, system_names); !attrs.empty()) {
    m["Attributes"] = std::move(attrs);
  }
  std::vector<MessageAttribute> chosen;
  json::object values;
  for (const auto& a : d.attributes) {
    if (!selected(a.name, attribute_names)) continue;
    chosen.push_back(a);
    values[a.name] =
        json::object{{"DataType", a.type}, {a.binary ? "BinaryValue" : "StringValue", a.value}};
  }
  if (!chosen.empty()) {
    m["MessageAttributes"] = std::move(values);
    m["MD5OfMessageAttributes"] =
        chosen.size() == d.attributes.size() ? d.md5_attributes : md5_of_attributes(chosen);
  }
  return m;
}

Status check_range(const std::optional<int64_t>& v, int64_t lo, int64_t hi, const char* name,
                   const std::string& reason) {
  if (v && (*v < lo || *v > hi)) return errors::invalid_value(std::to_string(*v), name, reason);
  return Status::ok();
}

// ReceiveMessage's parameters, with SQS's range checks.
Result<ReceiveRequest> read_receive(const json::object& in) {
  auto max = integer(in, "MaxNumberOfMessages");
  auto wait = integer(in, "WaitTimeSeconds");
  auto vt = integer(in, "VisibilityTimeout");
  NIMBUS_TRY(
      check_range(max, 1, 10, "MaxNumberOfMessages", "Must be between 1 and 10, if provided."));
  NIMBUS_TRY(check_range(wait, 0, 20, "WaitTimeSeconds", "Must be >= 0 and <= 20, if provided."));
  NIMBUS_TRY(
      check_range(vt, 0, 43200, "VisibilityTimeout", "Must be >= 0 and <= 43200, if provided."));
  ReceiveRequest r;
  r.max_messages = max ? static_cast<int>(*max) : 1;
  r.wait_seconds = wait ? static_cast<int>(*wait) : -1;
  r.visibility_timeout = vt ? static_cast<int>(*vt) : -1;
  r.attempt_id = str(in, "ReceiveRequestAttemptId");
  return r;
}

// The answer of a batch whose entries succeed or fail alone.
json::object batch_result(const std::vector<std::string>& ids, const std::vector<Status>& results) {
  json::array ok, failed;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i]) {
      ok.push_back(json::object{{"Id", ids[i]}});
    } else {
      failed.push_back(failure(ids[i], results[i].error()));
    }
  }
  return {{"Successful", std::move(ok)}, {"Failed", std::move(failed)}};
}

// A visibility timeout as the engine takes it (it checks the range: an
// out-of-range value fails that entry alone, with SQS's message).
int visibility(int64_t v) {
  return static_cast<int>(std::clamp<int64_t>(v, -1, 1000000));
}

}  // namespace

void SqsService::send_message(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  if (!input::has(in, "MessageBody")) return respond(errors::missing_parameter("MessageBody"));
  std::vector<SendRequest> one;
  one.push_back(read_send(ctx, in));
  queues_->send(*q, std::move(one), [respond](std::vector<Result<SendResult>> r) {
    if (!r[0]) return respond(r[0].take_error());
    respond(send_result(*r[0]));
  });
}

void SqsService::send_message_batch(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  const auto& entries = entries_of(in);
  if (auto s = check_batch(entries, "SendMessageBatchRequestEntry"); !s) return respond(s);
  std::vector<SendRequest> requests;
  std::vector<std::string> ids;
  size_t total = 0;
  for (const auto& e : entries) {
    const auto& o = e.as_object();
    ids.push_back(str(o, "Id"));
    requests.push_back(read_send(ctx, o));
    total += validate::message_size(requests.back());
  }
  if (total > kMaxBatchBytes) {
    return respond(Error::make("BatchRequestTooLong", "Batch requests cannot be longer than " +
                                                          std::to_string(kMaxBatchBytes) +
                                                          " bytes. You have sent " +
                                                          std::to_string(total) + " bytes."));
  }
  queues_->send(
      *q, std::move(requests), [respond, ids = std::move(ids)](std::vector<Result<SendResult>> r) {
        json::array ok, failed;
        for (size_t i = 0; i < r.size(); ++i) {
          if (!r[i]) {
            failed.push_back(failure(ids[i], r[i].error()));
            continue;
          }
          json::object o = send_result(*r[i]);
          o["Id"] = ids[i];
          ok.push_back(std::move(o));
        }
        respond(json::object{{"Successful", std::move(ok)}, {"Failed", std::move(failed)}});
      });
}

void SqsService::receive_message(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  auto r = read_receive(in);
  if (!r) return respond(r.take_error());
  std::set<std::string> system_names;
  for (auto& n : input::string_list(in, "AttributeNames")) system_names.insert(n);
  for (auto& n : input::string_list(in, "MessageSystemAttributeNames")) system_names.insert(n);
  queues_->receive(*q, *r,
                   [respond, system_names = std::move(system_names),
                    attribute_names = input::string_list(in, "MessageAttributeNames")](
                       Result<std::vector<Received>> got) {
                     if (!got) return respond(got.take_error());
                     json::object out;
                     if (got->empty()) return respond(std::move(out));
                     json::array messages;
                     for (const auto& m : *got) {
                       messages.push_back(message_json(m, system_names, attribute_names));
                     }
                     out["Messages"] = std::move(messages);
                     respond(std::move(out));
                   });
}

void SqsService::delete_message(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  queues_->delete_messages(*q, {str(in, "ReceiptHandle")}, [respond](std::vector<Status> r) {
    if (!r[0]) return respond(r[0].take_error());
    respond(json::object{});
  });
}

void SqsService::delete_message_batch(const CallContext& ctx, json::object in, Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  const auto& entries = entries_of(in);
  if (auto s = check_batch(entries, "DeleteMessageBatchRequestEntry"); !s) return respond(s);
  std::vector<std::string> ids, handles;
  for (const auto& e : entries) {
    ids.push_back(str(e.as_object(), "Id"));
    handles.push_back(str(e.as_object(), "ReceiptHandle"));
  }
  queues_->delete_messages(
      *q, std::move(handles),
      [respond, ids = std::move(ids)](std::vector<Status> r) { respond(batch_result(ids, r)); });
}

void SqsService::change_message_visibility(const CallContext& ctx, json::object in,
                                           Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  auto vt = integer(in, "VisibilityTimeout");
  if (!vt) return respond(errors::missing_parameter("VisibilityTimeout"));
  queues_->change_visibility(*q, {{str(in, "ReceiptHandle"), visibility(*vt)}},
                             [respond](std::vector<Status> r) {
                               if (!r[0]) return respond(r[0].take_error());
                               respond(json::object{});
                             });
}

void SqsService::change_message_visibility_batch(const CallContext& ctx, json::object in,
                                                 Respond respond) {
  auto q = resolve(ctx, in);
  if (!q) return respond(q.take_error());
  const auto& entries = entries_of(in);
  if (auto s = check_batch(entries, "ChangeMessageVisibilityBatchRequestEntry"); !s) {
    return respond(s);
  }
  std::vector<std::string> ids;
  std::vector<std::pair<std::string, int>> changes;
  for (const auto& e : entries) {
    const auto& o = e.as_object();
    ids.push_back(str(o, "Id"));
    changes.emplace_back(str(o, "ReceiptHandle"),
                         visibility(integer(o, "VisibilityTimeout").value_or(0)));
  }
  queues_->change_visibility(
      *q, std::move(changes),
      [respond, ids = std::move(ids)](std::vector<Status> r) { respond(batch_result(ids, r)); });
}

}  // namespace nimbus::services::sqs
