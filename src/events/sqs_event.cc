#include "events/sqs_event.h"

#include "common/encoding.h"

namespace nimbus::events {

namespace json = boost::json;

namespace {

json::object message_attribute(const Attribute& a) {
  json::object o;
  if (a.binary) {
    o["binaryValue"] = base64_encode(a.value);
  } else {
    o["stringValue"] = a.value;
  }
  // SQS reserves the list values; Lambda always sends them, empty.
  o["stringListValues"] = json::array();
  o["binaryListValues"] = json::array();
  o["dataType"] = a.type;
  return o;
}

}  // namespace

json::object sqs_record(const QueueMessage& m, std::string_view queue_arn,
                        std::string_view region) {
  const auto& d = m;
  json::object attrs;
  attrs["ApproximateReceiveCount"] = std::to_string(m.receive_count);
  attrs["SentTimestamp"] = std::to_string(d.sent_ms);
  attrs["SenderId"] = d.sender_id;
  attrs["ApproximateFirstReceiveTimestamp"] = std::to_string(m.first_receive_ms);
  if (!d.trace_header.empty()) attrs["AWSTraceHeader"] = d.trace_header;
  if (!d.group_id.empty()) {
    attrs["SequenceNumber"] = d.sequence_number;
    attrs["MessageGroupId"] = d.group_id;
    attrs["MessageDeduplicationId"] = d.dedup_id;
  }
  if (!d.dlq_source.empty()) attrs["DeadLetterQueueSourceArn"] = d.dlq_source;

  json::object user;
  for (const auto& a : d.attributes) user[a.name] = message_attribute(a);

  json::object r;
  r["messageId"] = d.id;
  r["receiptHandle"] = m.receipt_handle;
  r["body"] = d.body;
  r["attributes"] = std::move(attrs);
  r["messageAttributes"] = std::move(user);
  r["md5OfBody"] = d.md5_body;
  if (!d.md5_attributes.empty()) r["md5OfMessageAttributes"] = d.md5_attributes;
  r["eventSource"] = "aws:sqs";
  r["eventSourceARN"] = queue_arn;
  r["awsRegion"] = region;
  return r;
}

json::value filter_view(const json::object& record) {
  json::object view = record;
  if (const auto* b = record.if_contains("body"); b && b->is_string()) {
    boost::system::error_code ec;
    auto parsed = json::parse(b->as_string(), ec);
    if (!ec && (parsed.is_object() || parsed.is_array())) view["body"] = std::move(parsed);
  }
  return view;
}

std::optional<std::set<std::string>> failed_items(std::string_view response,
                                                  const std::set<std::string>& batch_ids) {
  std::set<std::string> failed;
  if (response.find_first_not_of(" \t\r\n") == std::string_view::npos) return failed;
  boost::system::error_code ec;
  auto doc = json::parse(response, ec);
  if (ec) return std::nullopt;
  if (doc.is_null() || !doc.is_object()) return failed;
  const auto* list = doc.as_object().if_contains("batchItemFailures");
  if (list == nullptr || list->is_null()) return failed;
  if (!list->is_array()) return std::nullopt;
  for (const auto& item : list->as_array()) {
    if (!item.is_object()) return std::nullopt;
    const auto* id = item.as_object().if_contains("itemIdentifier");
    if (id == nullptr || !id->is_string() || id->as_string().empty()) return std::nullopt;
    std::string s(id->as_string());
    if (!batch_ids.contains(s)) return std::nullopt;
    failed.insert(std::move(s));
  }
  return failed;
}

}  // namespace nimbus::events
