#include "events/stream_event.h"

#include "common/encoding.h"
#include "common/request_id.h"
#include "common/time_format.h"

namespace nimbus::events {

namespace json = boost::json;

StreamKind stream_kind(std::string_view arn) {
  return arn.starts_with("arn:aws:dynamodb:") ? StreamKind::kDynamoDb : StreamKind::kKinesis;
}

json::object stream_record(const StreamEventContext& c, const StreamRecord& r) {
  if (c.kind == StreamKind::kDynamoDb) {
    boost::system::error_code ec;
    auto doc = json::parse(r.data, ec);
    json::object out = !ec && doc.is_object() ? std::move(doc.as_object()) : json::object{};
    out["eventSourceARN"] = c.stream_arn;
    return out;
  }
  json::object kinesis{{"kinesisSchemaVersion", "1.0"},
                       {"partitionKey", r.partition_key},
                       {"sequenceNumber", r.sequence_number},
                       {"data", base64_encode(r.data)},
                       {"approximateArrivalTimestamp", static_cast<double>(r.arrival_ms) / 1000.0}};
  return json::object{{"kinesis", std::move(kinesis)},
                      {"eventSource", "aws:kinesis"},
                      {"eventVersion", "1.0"},
                      {"eventID", c.shard_id + ":" + r.sequence_number},
                      {"eventName", "aws:kinesis:record"},
                      {"invokeIdentityArn", c.identity_arn},
                      {"awsRegion", c.region},
                      {"eventSourceARN", c.stream_arn}};
}

json::value stream_filter_view(const StreamEventContext& c, const json::object& record) {
  if (c.kind == StreamKind::kDynamoDb) return record;
  const auto* k = record.if_contains("kinesis");
  if (k == nullptr || !k->is_object()) return record;
  json::object view = k->as_object();
  if (const auto* d = view.if_contains("data"); d && d->is_string()) {
    if (auto raw = base64_decode(d->as_string())) {
      boost::system::error_code ec;
      auto parsed = json::parse(*raw, ec);
      if (!ec && (parsed.is_object() || parsed.is_array())) view["data"] = std::move(parsed);
    }
  }
  return view;
}

std::string failure_record(const StreamEventContext& c, const FailedBatch& f) {
  json::object request{{"requestId", f.request_id.empty() ? new_request_id() : f.request_id},
                       {"functionArn", f.function_arn},
                       {"condition", f.why == GiveUp::kRetriesExhausted ? "RetryAttemptsExhausted"
                                                                        : "RecordAgeExceeded"},
                       {"approximateInvokeCount", f.attempts}};
  json::object response{{"statusCode", 200}, {"executedVersion", "$LATEST"}};
  if (!f.function_error.empty()) response["functionError"] = f.function_error;
  const StreamRecord& first = *f.records.front();
  const StreamRecord& last = *f.records.back();
  json::object info{{"shardId", c.shard_id},
                    {"startSequenceNumber", first.sequence_number},
                    {"endSequenceNumber", last.sequence_number},
                    {"approximateArrivalOfFirstRecord", utc_millis(first.arrival_ms)},
                    {"approximateArrivalOfLastRecord", utc_millis(last.arrival_ms)},
                    {"batchSize", f.records.size()},
                    {"streamArn", c.stream_arn}};
  json::object out{{"requestContext", std::move(request)},
                   {"responseContext", std::move(response)},
                   {"version", "1.0"},
                   {"timestamp", utc_millis(f.now_ms)}};
  out[c.kind == StreamKind::kDynamoDb ? "DDBStreamBatchInfo" : "KinesisBatchInfo"] =
      std::move(info);
  return json::serialize(out);
}

}  // namespace nimbus::events
