#include "services/dynamodbstreams/dynamodbstreams_service.h"

#include "common/json_fields.h"
#include "services/dynamodbstreams/errors.h"

namespace nimbus::services::dynamodbstreams {

namespace json = boost::json;

namespace {

constexpr int64_t kMaxGetRecords = 1000;
constexpr size_t kMaxGetRecordsBytes = 1 << 20;  // AWS: 1 MB per GetRecords

Resources by_stream_arn(const CallContext&, const json::object& in) {
  return {str(in, "StreamArn")};
}

Resources by_iterator(const CallContext&, const json::object& in) {
  auto it = decode_iterator(str(in, "ShardIterator"));
  if (!it) return {};
  return {it->stream_arn};
}

json::object shard_json(const dynamodb::StreamShard& s) {
  json::object range{{"StartingSequenceNumber", s.starting_sequence}};
  if (!s.ending_sequence.empty()) range["EndingSequenceNumber"] = s.ending_sequence;
  json::object out{{"ShardId", s.shard_id}, {"SequenceNumberRange", std::move(range)}};
  if (!s.parent_shard_id.empty()) out["ParentShardId"] = s.parent_shard_id;
  return out;
}

Result<int64_t> limit_of(const json::object& in, int64_t max, const char* member) {
  auto limit = integer(in, "Limit");
  if (!limit) return max;
  if (*limit < 1) {
    return errors::constraint("'" + std::to_string(*limit) + "'", member,
                              "Member must have value greater than or equal to 1");
  }
  if (*limit > max) {
    return errors::constraint(
        "'" + std::to_string(*limit) + "'", member,
        "Member must have value less than or equal to " + std::to_string(max));
  }
  return *limit;
}

}  // namespace

const Operation<DynamoDbStreamsService> DynamoDbStreamsService::kOperations[] = {
    {"ListStreams", &DynamoDbStreamsService::list_streams, no_resources},
    {"DescribeStream", &DynamoDbStreamsService::describe_stream, by_stream_arn},
    {"GetShardIterator", &DynamoDbStreamsService::get_shard_iterator, by_stream_arn},
    {"GetRecords", &DynamoDbStreamsService::get_records_handler, by_iterator},
};

DynamoDbStreamsService::DynamoDbStreamsService(Environment& env, dynamodb::StreamSource* source)
    : Service("dynamodbstreams"), env_(env), source_(source) {
  serve(*this, kOperations);
}

std::string DynamoDbStreamsService::region(const CallContext& ctx) const {
  return ctx.region.empty() ? env_.settings.region : ctx.region;
}

std::string DynamoDbStreamsService::account(const CallContext& ctx) const {
  return ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
}

Output DynamoDbStreamsService::list_streams(const CallContext& ctx, const json::object& in) const {
  auto limit = limit_of(in, 100, "limit");
  if (!limit) return limit.take_error();
  std::string table = str(in, "TableName");
  std::string after = str(in, "ExclusiveStartStreamArn");
  json::array streams;
  std::string last;
  bool more = false;
  for (const auto& d : source_->list(table, region(ctx), account(ctx))) {
    if (!after.empty() && d.arn <= after) continue;
    if (static_cast<int64_t>(streams.size()) == *limit) {
      more = true;
      break;
    }
    streams.push_back(
        json::object{{"StreamArn", d.arn}, {"TableName", d.table_name}, {"StreamLabel", d.label}});
    last = d.arn;
  }
  json::object out{{"Streams", std::move(streams)}};
  if (more) out["LastEvaluatedStreamArn"] = last;
  return out;
}

Output DynamoDbStreamsService::describe_stream(const CallContext&, const json::object& in) const {
  std::string arn = str(in, "StreamArn");
  auto limit = limit_of(in, 100, "limit");
  if (!limit) return limit.take_error();
  auto d = source_->describe(arn);
  if (!d) return errors::stream_not_found(arn);
  std::string after = str(in, "ExclusiveStartShardId");
  json::array shards;
  bool past = after.empty();
  std::string last_evaluated;
  for (const auto& s : d->shards) {
    if (!past) {
      past = s.shard_id == after;
      continue;
    }
    if (static_cast<int64_t>(shards.size()) == *limit) {
      last_evaluated = shards.back().as_object().at("ShardId").as_string().c_str();
      break;
    }
    shards.push_back(shard_json(s));
  }
  json::object desc{{"StreamArn", d->arn},
                    {"StreamLabel", d->label},
                    {"StreamStatus", d->status},
                    {"StreamViewType", d->view_type},
                    {"CreationRequestDateTime", d->created},
                    {"TableName", d->table_name},
                    {"KeySchema", d->key_schema},
                    {"Shards", std::move(shards)}};
  if (!last_evaluated.empty()) desc["LastEvaluatedShardId"] = last_evaluated;
  return json::object{{"StreamDescription", std::move(desc)}};
}

Output DynamoDbStreamsService::get_shard_iterator(const CallContext&,
                                                  const json::object& in) const {
  std::string arn = str(in, "StreamArn");
  std::string shard = str(in, "ShardId");
  std::string type = str(in, "ShardIteratorType");
  std::string seq = str(in, "SequenceNumber");
  bool by_seq = type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER";
  if (!by_seq && type != "TRIM_HORIZON" && type != "LATEST") {
    return errors::constraint("'" + type + "'", "shardIteratorType",
                              "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, "
                              "LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
  }
  if (by_seq && seq.empty()) {
    return errors::validation("Must provide SequenceNumber for iterator type " + type);
  }
  if (!by_seq && !seq.empty()) {
    return errors::validation("Cannot provide SequenceNumber for iterator type " + type);
  }
  if (!source_->describe(arn)) return errors::stream_not_found(arn);
  auto from = source_->start(arn, shard,
                             type == "LATEST" ? events::StartingPosition::kLatest
                                              : events::StartingPosition::kTrimHorizon);
  if (!from) return from.take_error();
  std::string position = *from;
  if (by_seq) {
    // The sequence number must name a record of the shard, at or after its
    // oldest one.
    auto latest = source_->start(arn, shard, events::StartingPosition::kLatest);
    if (!latest) return latest.take_error();
    bool digits = !seq.empty() && seq.size() <= 21 &&
                  seq.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
      return errors::validation("Invalid SequenceNumber for ShardIteratorType: " + type);
    }
    std::string padded = std::string(21 - seq.size(), '0') + seq;
    if (padded > *latest) {
      return errors::validation("Invalid StartingSequenceNumber. The sequence number " + seq +
                                " is beyond the last record of shard " + shard);
    }
    if (padded <= *from && !trimmed(arn, padded)) {
      return errors::validation("Invalid StartingSequenceNumber. The sequence number " + seq +
                                " is before the first record of shard " + shard);
    }
    if (padded <= *from) {
      return errors::trimmed(
          "Attempted to access a sequence number that is beyond the trim "
          "horizon of the shard: " +
          seq);
    }
    // AT: the position just before it; AFTER: it.
    if (type == "AFTER_SEQUENCE_NUMBER") {
      position = padded;
    } else {
      uint64_t n = std::stoull(padded);
      std::string before = std::to_string(n - 1);
      position = std::string(21 - before.size(), '0') + before;
    }
  }
  Iterator it{arn, shard, position, env_.clock.now_millis()};
  return json::object{{"ShardIterator", encode_iterator(it)}};
}

bool DynamoDbStreamsService::trimmed(const std::string& arn, const std::string& seq) const {
  auto shards = source_->shards(arn);
  if (!shards || shards->empty()) return true;
  auto horizon =
      source_->start(arn, shards->front().shard_id, events::StartingPosition::kTrimHorizon);
  return !horizon || seq <= *horizon;
}

Output DynamoDbStreamsService::get_records(const json::object& in) const {
  auto it = decode_iterator(str(in, "ShardIterator"));
  if (!it) return errors::validation("Invalid ShardIterator");
  auto limit = limit_of(in, kMaxGetRecords, "limit");
  if (!limit) return limit.take_error();
  if (env_.clock.now_millis() - it->issued_ms > kIteratorLifetimeMs) {
    return errors::expired_iterator();
  }
  auto shards = source_->shards(it->stream_arn);
  if (!shards) return errors::stream_not_found(it->stream_arn);
  bool known = false;
  for (const auto& s : *shards) known = known || s.shard_id == it->shard_id;
  if (!known) {
    return Error::make("ResourceNotFoundException", "Invalid ShardId in ShardIterator");
  }
  auto batch = source_->read(it->stream_arn, it->shard_id, it->position,
                             static_cast<size_t>(*limit), kMaxGetRecordsBytes);
  if (!batch) return batch.take_error();
  json::array records;
  for (const auto& r : batch->records) {
    auto v = parse_object(r.data);
    if (!v) return Error::internal("a stream record is not a JSON object");
    records.push_back(std::move(*v));
  }
  json::object out{{"Records", std::move(records)}};
  if (!batch->ended) {
    Iterator next{it->stream_arn, it->shard_id, batch->last_sequence, env_.clock.now_millis()};
    out["NextShardIterator"] = encode_iterator(next);
  }
  return out;
}

void DynamoDbStreamsService::get_records_handler(const CallContext&, json::object in,
                                                 Respond respond) {
  run_blocking(env_.workers, std::move(respond),
               [this, in = std::move(in)]() -> Output { return get_records(in); });
}

}  // namespace nimbus::services::dynamodbstreams
