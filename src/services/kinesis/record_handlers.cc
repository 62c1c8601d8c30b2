// Kinesis handlers for records: PutRecord, PutRecords, GetShardIterator,
// GetRecords.
#include <atomic>

#include "services/kinesis/input.h"
#include "services/kinesis/kinesis_service.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

constexpr size_t kMaxRecordBytes = 1 << 20;
constexpr size_t kMaxPutRecordsBytes = 5 << 20;
// A PutRecords answer entry in its arena: the object's table of two members,
// a 56-digit sequence number and a shard id (its first block's size).
constexpr size_t kAnswerBytesPerRecord = 256;

std::string_view view_of(const json::object& in, std::string_view member) {
  const auto* v = in.if_contains(member);
  if (v == nullptr || !v->is_string()) return {};
  return {v->get_string().data(), v->get_string().size()};
}

// One record of PutRecord or PutRecords, checked. `n` numbers it in messages
// (0 for PutRecord, N for PutRecords' "records.N.member."). Its decoded Data
// is moved out of `in` into the entry.
Result<PutEntry> entry(json::object& in, size_t n) {
  std::string_view key = view_of(in, "PartitionKey");
  std::string_view data = view_of(in, "Data");
  if (key.size() + data.size() > kMaxRecordBytes) {
    std::string where = n == 0 ? "" : "records." + std::to_string(n) + ".member.";
    return errors::validation("1 validation error detected: Value at '" + where +
                              "data' failed to satisfy constraint: Member must have length "
                              "less than or equal to 1048576");
  }
  json::string moved;
  if (auto* d = in.if_contains("Data"); d != nullptr && d->is_string()) {
    moved = std::move(d->get_string());
  }
  PutEntry e = PutEntry::of(std::string(key), std::move(moved));
  if (std::string h = str(in, "ExplicitHashKey"); !h.empty()) {
    e.explicit_hash = parse_hash_key(h);
    if (!e.explicit_hash) {
      return errors::invalid(
          "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
          "Specified value was " +
          h);
    }
  }
  return e;
}

Result<IteratorType> iterator_type(const std::string& t) {
  if (t == "TRIM_HORIZON") return IteratorType::kTrimHorizon;
  if (t == "LATEST") return IteratorType::kLatest;
  if (t == "AT_SEQUENCE_NUMBER") return IteratorType::kAtSequence;
  if (t == "AFTER_SEQUENCE_NUMBER") return IteratorType::kAfterSequence;
  if (t == "AT_TIMESTAMP") return IteratorType::kAtTimestamp;
  return errors::validation(
      "1 validation error detected: Value '" + t +
      "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value "
      "set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, LATEST]");
}

}  // namespace

void KinesisService::put_record(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  auto e = entry(in, 0);
  if (!e) return respond(e.take_error());
  if (std::string order = str(in, "SequenceNumberForOrdering");
      !order.empty() && !parse_sequence(order)) {
    return respond(errors::invalid("ExclusiveMinimumSequenceNumber " + order +
                                   " used in PutRecord on stream " + *name + " under account " +
                                   engine_->account() + " is invalid."));
  }
  auto s = engine_->find(*name);
  std::string encryption = s ? s->encryption : "NONE";
  std::vector<PutEntry> entries;
  entries.push_back(std::move(*e));
  engine_->put(*name, std::move(entries),
               [respond = std::move(respond), encryption](Result<std::vector<PutResult>> r) {
                 if (!r) return respond(r.take_error());
                 auto& one = r->front();
                 if (one.error) return respond(std::move(*one.error));
                 respond(json::object{{"ShardId", shard_id(one.shard)},
                                      {"SequenceNumber", one.sequence},
                                      {"EncryptionType", encryption}});
               });
}

void KinesisService::put_records(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  auto* records = in.if_contains("Records");
  if (records == nullptr || !records->is_array()) {
    return respond(errors::validation(
        "1 validation error detected: Value null at 'records' failed to satisfy constraint: "
        "Member must not be null"));
  }
  std::vector<PutEntry> entries;
  entries.reserve(records->as_array().size());
  size_t total = 0;
  size_t i = 0;
  for (auto& r : records->as_array()) {
    ++i;
    if (!r.is_object()) continue;
    auto e = entry(r.as_object(), i);
    if (!e) return respond(e.take_error());
    total += e->data.size() + e->partition_key.size();
    entries.push_back(std::move(*e));
  }
  if (total > kMaxPutRecordsBytes) {
    return respond(errors::invalid("Records size exceeds 5 MB limit"));
  }
  auto s = engine_->find(*name);
  std::string encryption = s ? s->encryption : "NONE";
  engine_->put(*name, std::move(entries),
               [respond = std::move(respond), encryption](Result<std::vector<PutResult>> r) {
                 if (!r) return respond(r.take_error());
                 // The answer (up to 500 entries of two members) in one arena,
                 // freed with it once written, instead of five allocations
                 // and frees per entry (its table, two keys, two strings).
                 json::storage_ptr arena = json::make_shared_resource<json::monotonic_resource>(
                     r->size() * kAnswerBytesPerRecord);
                 json::array out(arena);
                 out.reserve(r->size());
                 int64_t failed = 0;
                 std::vector<std::string> ids;  // by shard index, formatted once
                 for (auto& one : *r) {
                   json::object& e = out.emplace_back(json::object(arena)).get_object();
                   e.reserve(2);
                   if (one.error) {
                     ++failed;
                     e.emplace("ErrorCode", one.error->code);
                     e.emplace("ErrorMessage", one.error->message);
                     continue;
                   }
                   if (one.shard >= ids.size()) ids.resize(one.shard + 1);
                   if (ids[one.shard].empty()) ids[one.shard] = shard_id(one.shard);
                   e.emplace("SequenceNumber", one.sequence);
                   e.emplace("ShardId", ids[one.shard]);
                 }
                 json::object answer(arena);
                 answer.reserve(3);
                 answer.emplace("FailedRecordCount", failed);
                 answer.emplace("Records", std::move(out));
                 answer.emplace("EncryptionType", encryption);
                 respond(std::move(answer));
               });
}

Output KinesisService::get_shard_iterator(const CallContext&, const json::object& in) {
  auto name = input::stream_name(in);
  if (!name) return name.take_error();
  std::string type_text = str(in, "ShardIteratorType");
  auto type = iterator_type(type_text);
  if (!type) return type.take_error();
  std::string sequence = str(in, "StartingSequenceNumber");
  bool by_sequence = *type == IteratorType::kAtSequence || *type == IteratorType::kAfterSequence;
  if (by_sequence == sequence.empty() && *type != IteratorType::kAtTimestamp) {
    return errors::invalid(
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        "Request specified " +
        type_text + (sequence.empty() ? " and no" : " and also a") + " StartingSequenceNumber.");
  }
  double ts = 0;
  if (*type == IteratorType::kAtTimestamp) {
    const auto* t = in.if_contains("Timestamp");
    if (t == nullptr || !t->is_number()) {
      return errors::invalid(
          "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current "
          "request has no timestamp parameter.");
    }
    ts = t->to_number<double>();
  }
  auto it = engine_->iterator(*name, str(in, "ShardId"), *type, sequence, ts);
  if (!it) return it.take_error();
  return json::object{{"ShardIterator", std::move(*it)}};
}

Output KinesisService::get_records(const CallContext&, const json::object& in) {
  size_t limit = static_cast<size_t>(integer(in, "Limit").value_or(10000));
  if (limit > 10000) {
    return errors::invalid("Limit " + std::to_string(limit) + " must be between 1 and 10000");
  }
  auto r = engine_->read(str(in, "ShardIterator"), limit);
  if (!r) return r.take_error();
  env_.metrics
      .gauge("nimbus_kinesis_get_records_iterator_age_ms", {{"stream", r->stream}},
             "GetRecords.IteratorAgeMilliseconds: age of the last record of the last GetRecords "
             "call (ms)")
      .set(r->iterator_age_ms);
  json::object out(r->arena);
  out.reserve(4);
  out.emplace("Records", input::records_json(*r));
  out.emplace("MillisBehindLatest", r->millis_behind);
  if (r->next_iterator) {
    out["NextShardIterator"] = std::move(*r->next_iterator);
  } else {
    json::array children;
    for (const auto& c : r->children) {
      json::array parents;
      if (c.parent) parents.push_back(json::string(shard_id(*c.parent)));
      if (c.adjacent_parent) parents.push_back(json::string(shard_id(*c.adjacent_parent)));
      children.push_back(
          json::object{{"ShardId", shard_id(c.index)},
                       {"ParentShards", std::move(parents)},
                       {"HashKeyRange", json::object{{"StartingHashKey", to_decimal(c.start_hash)},
                                                     {"EndingHashKey", to_decimal(c.end_hash)}}}});
    }
    out["ChildShards"] = std::move(children);
  }
  return out;
}

}  // namespace nimbus::services::kinesis
