// Kinesis Data Streams: the service and its operation table. Handlers are in
// stream_handlers.cc, tag_handlers.cc, shard_handlers.cc, record_handlers.cc.
#include "services/kinesis/kinesis_service.h"

#include "services/kinesis/input.h"
#include "services/kinesis/target.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

// The ARNs each operation touches, as the service authorization reference
// lists them: the stream (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).
std::string arn_of(const CallContext& ctx, const std::string& name) {
  return "arn:aws:kinesis:" + ctx.region + ":" + ctx.account_id + ":stream/" + name;
}
Resources by_stream(const CallContext& ctx, const json::object& in) {
  if (std::string arn = str(in, "StreamARN"); !arn.empty()) return {arn};
  return {arn_of(ctx, str(in, "StreamName"))};
}
Resources by_resource(const CallContext& ctx, const json::object& in) {
  return {str(in, "ResourceARN")};
}
// GetRecords names its stream inside the iterator; the ARN when given.
Resources by_optional_stream(const CallContext& ctx, const json::object& in) {
  if (std::string arn = str(in, "StreamARN"); !arn.empty()) return {arn};
  return {arn_of(ctx, "*")};
}
// The consumer's ARN when given, else the stream's.
Resources by_consumer(const CallContext& ctx, const json::object& in) {
  if (std::string arn = str(in, "ConsumerARN"); !arn.empty()) return {arn};
  return by_stream(ctx, in);
}
Resources all_streams(const CallContext& ctx, const json::object&) {
  return {arn_of(ctx, "*")};
}

}  // namespace

const Operation<KinesisService> KinesisService::kOperations[] = {
    // stream_handlers.cc
    {"CreateStream", &KinesisService::create_stream, by_stream},
    {"DeleteStream", &KinesisService::delete_stream, by_stream},
    {"DescribeStream", &KinesisService::describe_stream, by_stream},
    {"DescribeStreamSummary", &KinesisService::describe_stream_summary, by_stream},
    {"ListStreams", &KinesisService::list_streams, all_streams},
    // tag_handlers.cc
    {"AddTagsToStream", &KinesisService::add_tags_to_stream, by_stream},
    {"RemoveTagsFromStream", &KinesisService::remove_tags_from_stream, by_stream},
    {"ListTagsForStream", &KinesisService::list_tags_for_stream, by_stream},
    {"TagResource", &KinesisService::tag_resource, by_resource},
    {"UntagResource", &KinesisService::untag_resource, by_resource},
    {"ListTagsForResource", &KinesisService::list_tags_for_resource, by_resource},
    // settings_handlers.cc
    {"IncreaseStreamRetentionPeriod", &KinesisService::increase_retention, by_stream},
    {"DecreaseStreamRetentionPeriod", &KinesisService::decrease_retention, by_stream},
    {"StartStreamEncryption", &KinesisService::start_encryption, by_stream},
    {"StopStreamEncryption", &KinesisService::stop_encryption, by_stream},
    {"UpdateStreamMode", &KinesisService::update_stream_mode, by_stream},
    // shard_handlers.cc, reshard_handlers.cc
    {"ListShards", &KinesisService::list_shards, by_stream},
    {"SplitShard", &KinesisService::split_shard, by_stream},
    {"MergeShards", &KinesisService::merge_shards, by_stream},
    {"UpdateShardCount", &KinesisService::update_shard_count, by_stream},
    // record_handlers.cc
    {"PutRecord", &KinesisService::put_record, by_stream},
    {"PutRecords", &KinesisService::put_records, by_stream},
    {"GetShardIterator", &KinesisService::get_shard_iterator, by_stream},
    {"GetRecords", &KinesisService::get_records, by_optional_stream},
    // consumer_handlers.cc
    {"RegisterStreamConsumer", &KinesisService::register_stream_consumer, by_stream},
    {"DescribeStreamConsumer", &KinesisService::describe_stream_consumer, by_consumer},
    {"ListStreamConsumers", &KinesisService::list_stream_consumers, by_stream},
    {"DeregisterStreamConsumer", &KinesisService::deregister_stream_consumer, by_consumer},
    {"SubscribeToShard", &KinesisService::subscribe_to_shard, by_consumer},
};

KinesisService::KinesisService(Environment& env)
    : Service("kinesis"),
      env_(env),
      engine_(std::make_unique<Engine>(env, KinesisOptions::from(env.settings))),
      reader_(make_reader(*engine_)),
      fanout_(std::make_unique<FanOut>(*engine_, env.clock)) {
  serve(*this, kOperations);
}

KinesisService::~KinesisService() = default;

void KinesisService::bind(events::Targets& targets) {
  bound_ = targets.bind_stream_source("kinesis", *reader_);
  target_bound_ = bind_target(*engine_, targets);
}

Status KinesisService::start() {
  return engine_->start();
}

}  // namespace nimbus::services::kinesis
