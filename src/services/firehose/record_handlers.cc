// PutRecord, PutRecordBatch.
#include <cstdio>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/firehose/errors.h"
#include "services/firehose/firehose_service.h"

namespace nimbus::services::firehose {

namespace json = boost::json;

namespace {

constexpr size_t kMaxBatchRecords = 500;
constexpr size_t kMaxBatchBytes = 4 * 1024 * 1024;

// RecordId: the record's place in its stream's log and a random part, as
// opaque to clients as AWS's.
std::string record_id(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  std::string random = new_request_id();
  std::erase(random, '-');
  return buf + random;
}

std::string data_of(const json::object& record) {
  return str(record, "Data");
}

}  // namespace

namespace {

// Records of a KinesisStreamAsSource stream come from its Kinesis stream only.
std::optional<Error> direct_put_refused(const Engine& engine, const std::string& name) {
  auto d = engine.find(name);
  if (d && d->type == "KinesisStreamAsSource") {
    return errors::invalid(
        "This operation is not permitted on KinesisStreamAsSource delivery stream type.");
  }
  return std::nullopt;
}

}  // namespace

void FirehoseService::put_record(const CallContext& ctx, object in, Respond respond) {
  if (auto e = direct_put_refused(*engine_, str(in, "DeliveryStreamName"))) return respond(*e);
  const auto* r = in.if_contains("Record");
  if (r == nullptr || !r->is_object()) return respond(errors::invalid("Record is required."));
  std::vector<std::string> records{data_of(r->as_object())};
  engine_->put(str(in, "DeliveryStreamName"), ctx.account_id, std::move(records),
               [respond = std::move(respond)](Result<uint64_t> seq) {
                 if (!seq) return respond(seq.take_error());
                 respond(json::object{{"RecordId", record_id(*seq)}, {"Encrypted", false}});
               });
}

void FirehoseService::put_record_batch(const CallContext& ctx, object in, Respond respond) {
  if (auto e = direct_put_refused(*engine_, str(in, "DeliveryStreamName"))) return respond(*e);
  const auto* list = in.if_contains("Records");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) {
    return respond(errors::invalid("Records must contain at least one record."));
  }
  if (list->as_array().size() > kMaxBatchRecords) {
    return respond(errors::invalid(
        "1 validation error detected: Value at 'records' failed to satisfy constraint: Member "
        "must have length less than or equal to 500"));
  }
  std::vector<std::string> records;
  size_t bytes = 0;
  for (const auto& r : list->as_array()) {
    if (!r.is_object()) return respond(errors::invalid("Each record must be an object."));
    records.push_back(data_of(r.as_object()));
    bytes += records.back().size();
  }
  if (bytes > kMaxBatchBytes) {
    return respond(errors::invalid("Records size exceeds 4 MB limit"));
  }
  size_t n = records.size();
  engine_->put(
      str(in, "DeliveryStreamName"), ctx.account_id, std::move(records),
      [respond = std::move(respond), n](Result<uint64_t> seq) {
        if (!seq) return respond(seq.take_error());
        json::array results;
        for (size_t i = 0; i < n; ++i) {
          results.push_back(json::object{{"RecordId", record_id(*seq + i)}});
        }
        respond(json::object{
            {"FailedPutCount", 0}, {"Encrypted", false}, {"RequestResponses", std::move(results)}});
      });
}

}  // namespace nimbus::services::firehose
