// Kinesis handlers for streams: create, delete, describe, list.
#include <algorithm>

#include "common/tag_keys.h"
#include "services/kinesis/input.h"
#include "services/kinesis/kinesis_service.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

constexpr uint32_t kOnDemandShards = 4;
constexpr size_t kMaxTags = 50;

json::object summary(const Environment& env, const Stream& s) {
  return json::object{{"StreamName", s.name},
                      {"StreamARN", input::stream_arn(env, s.name)},
                      {"StreamStatus", "ACTIVE"},
                      {"StreamModeDetails", input::mode_json(s)},
                      {"StreamCreationTimestamp", input::seconds(s.created_ms)}};
}

void describe_common(const Environment& env, const Stream& s, json::object& o) {
  o["RetentionPeriodHours"] = s.retention_hours;
  o["EnhancedMonitoring"] = json::array{json::object{{"ShardLevelMetrics", json::array{}}}};
  o["EncryptionType"] = s.encryption;
  if (s.encryption == "KMS") o["KeyId"] = s.key_id;
}

}  // namespace

void KinesisService::create_stream(const CallContext& ctx, json::object in, Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return respond(errors::invalid(*why));
  }
  std::string name = str(in, "StreamName");
  if (!input::valid_name(name)) {
    return respond(errors::pattern(name, "streamName", input::kNamePattern));
  }
  Stream s;
  s.name = name;
  if (const auto* d = in.if_contains("StreamModeDetails"); d && d->is_object()) {
    s.mode = str(d->as_object(), "StreamMode");
    if (s.mode != "PROVISIONED" && s.mode != "ON_DEMAND") {
      return respond(errors::validation(
          "1 validation error detected: Value '" + s.mode +
          "' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must "
          "satisfy enum value set: [ON_DEMAND, PROVISIONED]"));
    }
  }
  auto count = integer(in, "ShardCount");
  uint32_t shards = kOnDemandShards;
  if (s.mode == "PROVISIONED") {
    if (!count) {
      return respond(errors::invalid("ShardCount is required for a PROVISIONED stream."));
    }
    if (*count < 1) {
      return respond(errors::validation(
          "1 validation error detected: Value '" + std::to_string(*count) +
          "' at 'shardCount' failed to satisfy constraint: Member must have value greater "
          "than or equal to 1"));
    }
    shards = static_cast<uint32_t>(std::min<int64_t>(*count, 100000));
  }
  size_t open = engine_->open_shards();
  if (open + shards > kAccountShardLimit) {
    return respond(errors::limit_exceeded(
        "This request would exceed the shard limit for the account " + engine_->account() + " in " +
        env_.settings.region + ". Current shard count for the account: " + std::to_string(open) +
        ". Limit: " + std::to_string(kAccountShardLimit) +
        ". Number of additional shards that would have resulted from this request: " +
        std::to_string(shards) +
        ". Refer to the AWS Service Limits page "
        "(https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current "
        "limits and how to request higher limits."));
  }
  s.tags = string_map(in, "Tags");
  if (s.tags.size() > kMaxTags) {
    return respond(errors::invalid("Failed to create stream " + name + " under account " +
                                   engine_->account() +
                                   " because a given stream cannot have more than 50 tags."));
  }
  engine_->create(std::move(s), shards, answer_empty(std::move(respond)));
}

void KinesisService::delete_stream(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  if (auto s = engine_->find(*name);
      s && !s->consumers.empty() && !boolean(in, "EnforceConsumerDeletion").value_or(false)) {
    return respond(errors::in_use("Stream " + *name + " under account " + engine_->account() +
                                  " has registered consumers."));
  }
  engine_->remove(*name, answer_empty(std::move(respond)));
}

Output KinesisService::describe_stream(const CallContext&, const json::object& in) const {
  auto name = input::stream_name(in);
  if (!name) return name.take_error();
  auto s = engine_->find(*name);
  if (!s) return errors::stream_not_found(*name, engine_->account());
  size_t limit = static_cast<size_t>(integer(in, "Limit").value_or(100));
  std::optional<uint32_t> after;
  if (std::string start = str(in, "ExclusiveStartShardId"); !start.empty()) {
    after = parse_shard_id(start);
    if (!after) return errors::shard_not_found(start, *name, engine_->account());
  }
  json::array shards;
  bool more = false;
  int64_t now = engine_->now_ms();
  for (const auto& sh : s->shards) {
    if ((after && sh.index <= *after) || s->expired(sh, now)) continue;
    if (shards.size() == limit) {
      more = true;
      break;
    }
    shards.push_back(input::shard_json(*s, sh));
  }
  json::object d = summary(env_, *s);
  d["Shards"] = std::move(shards);
  d["HasMoreShards"] = more;
  describe_common(env_, *s, d);
  return json::object{{"StreamDescription", std::move(d)}};
}

Output KinesisService::describe_stream_summary(const CallContext&, const json::object& in) const {
  auto name = input::stream_name(in);
  if (!name) return name.take_error();
  auto s = engine_->find(*name);
  if (!s) return errors::stream_not_found(*name, engine_->account());
  json::object d = summary(env_, *s);
  describe_common(env_, *s, d);
  d["OpenShardCount"] = s->open_shards();
  d["ConsumerCount"] = 0;
  return json::object{{"StreamDescriptionSummary", std::move(d)}};
}

// Pages by name: NextToken is the last name of the previous page (AWS's is
// opaque too); ExclusiveStartStreamName does the same.
Output KinesisService::list_streams(const CallContext&, const json::object& in) const {
  size_t limit = static_cast<size_t>(integer(in, "Limit").value_or(100));
  std::string after = str(in, "ExclusiveStartStreamName");
  if (std::string token = str(in, "NextToken"); !token.empty()) {
    if (token.rfind("n/", 0) != 0) return errors::invalid("Invalid NextToken.");
    after = token.substr(2);
  }
  json::array names, summaries;
  bool more = false;
  std::string last;
  for (const auto& s : engine_->list()) {
    if (!after.empty() && s.name <= after) continue;
    if (names.size() == limit) {
      more = true;
      break;
    }
    names.push_back(json::string(s.name));
    summaries.push_back(summary(env_, s));
    last = s.name;
  }
  json::object out{{"StreamNames", std::move(names)},
                   {"HasMoreStreams", more},
                   {"StreamSummaries", std::move(summaries)}};
  if (more) out["NextToken"] = "n/" + last;
  return out;
}

}  // namespace nimbus::services::kinesis
