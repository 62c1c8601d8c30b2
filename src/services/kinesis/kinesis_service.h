// Amazon Kinesis Data Streams (model kinesis/2013-12-02, awsJson 1.1). The
// handlers turn input values into calls on the Engine (engine.h). See
// README.md for what is implemented and how it differs from AWS.
#pragma once

#include <memory>

#include "events/stream_source.h"
#include "services/kinesis/engine.h"
#include "services/kinesis/fanout.h"
#include "services/service.h"

namespace nimbus::services::kinesis {

class KinesisService final : public Service {
 public:
  explicit KinesisService(Environment& env);
  ~KinesisService() override;

  void bind(events::Targets& targets) override;
  Status start() override;
  void begin_shutdown() override { engine_->stop_timers(); }
  Engine& engine() { return *engine_; }
  // The in-process reader: what event source mappings poll (bound as the
  // "kinesis" stream source in bind()).
  events::StreamSource& reader() { return *reader_; }
  FanOut& fanout() { return *fanout_; }

 private:
  using object = boost::json::object;
  static const Operation<KinesisService> kOperations[];

  // stream_handlers.cc
  void create_stream(const CallContext& ctx, object in, Respond respond);
  void delete_stream(const CallContext& ctx, object in, Respond respond);
  Output describe_stream(const CallContext& ctx, const object& in) const;
  Output describe_stream_summary(const CallContext& ctx, const object& in) const;
  Output list_streams(const CallContext& ctx, const object& in) const;
  // tag_handlers.cc
  void add_tags_to_stream(const CallContext& ctx, object in, Respond respond);
  void remove_tags_from_stream(const CallContext& ctx, object in, Respond respond);
  Output list_tags_for_stream(const CallContext& ctx, const object& in) const;
  void tag_resource(const CallContext& ctx, object in, Respond respond);
  void untag_resource(const CallContext& ctx, object in, Respond respond);
  Output list_tags_for_resource(const CallContext& ctx, const object& in) const;
  // settings_handlers.cc
  void increase_retention(const CallContext& ctx, object in, Respond respond);
  void decrease_retention(const CallContext& ctx, object in, Respond respond);
  void start_encryption(const CallContext& ctx, object in, Respond respond);
  void stop_encryption(const CallContext& ctx, object in, Respond respond);
  void update_stream_mode(const CallContext& ctx, object in, Respond respond);
  // shard_handlers.cc, reshard_handlers.cc
  Output list_shards(const CallContext& ctx, const object& in) const;
  void split_shard(const CallContext& ctx, object in, Respond respond);
  void merge_shards(const CallContext& ctx, object in, Respond respond);
  void update_shard_count(const CallContext& ctx, object in, Respond respond);
  // record_handlers.cc
  void put_record(const CallContext& ctx, object in, Respond respond);
  void put_records(const CallContext& ctx, object in, Respond respond);
  Output get_shard_iterator(const CallContext& ctx, const object& in);
  Output get_records(const CallContext& ctx, const object& in);
  // consumer_handlers.cc (subscriptions: fanout.h)
  void register_stream_consumer(const CallContext& ctx, object in, Respond respond);
  Output describe_stream_consumer(const CallContext& ctx, const object& in) const;
  Output list_stream_consumers(const CallContext& ctx, const object& in) const;
  void deregister_stream_consumer(const CallContext& ctx, object in, Respond respond);
  void subscribe_to_shard(const CallContext& ctx, object in, Respond respond);
  Result<std::pair<Stream, Consumer>> consumer_of(const object& in) const;
  Result<uint64_t> start_of(const Stream& s, uint32_t shard, const object& position) const;

  void add_tags(const std::string& name, std::map<std::string, std::string> tags, Respond respond);
  void remove_tags(const std::string& name, std::vector<std::string> keys, Respond respond);
  void change_retention(const object& in, bool increase, Respond respond);
  // The Log sequence of each shard's last record (0 when it has none).
  std::function<uint64_t(uint32_t)> last_seq_of(const Stream& s) const;

  Environment& env_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<events::StreamSource> reader_;
  std::unique_ptr<FanOut> fanout_;
  std::unique_ptr<events::Binding> bound_;         // after what the reader uses
  std::unique_ptr<events::Binding> target_bound_;  // the "kinesis" target (target.h)
};

// How many shards the streams of one account may hold together (AWS's
// default quota; CreateStream, UpdateShardCount and the reshards check it).
inline constexpr size_t kAccountShardLimit = 500;

// An engine callback that answers {} or the engine's error.
inline Engine::Done answer_empty(Respond respond) {
  return [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(boost::json::object{});
  };
}

std::unique_ptr<events::StreamSource> make_reader(Engine& engine);  // reader.cc

}  // namespace nimbus::services::kinesis
