// Amazon Data Firehose (model firehose/2015-08-04, awsJson 1.1): delivery
// streams that buffer records and write them to S3 as objects. The
// handlers turn input values into calls on the Engine (engine.h); objects
// reach S3 through its in-process ObjectWriter (services/s3/api.h). See
// README.md for what is implemented and how it differs from AWS.
#pragma once

#include <memory>

#include "services/firehose/engine.h"
#include "services/s3/api.h"
#include "services/service.h"

namespace nimbus::services::firehose {

class FirehoseService final : public Service {
 public:
  // `functions` runs Lambda processing (null: ProcessingConfiguration is
  // refused).
  FirehoseService(Environment& env, s3::ObjectWriter* s3, lambda::Functions* functions = nullptr);
  ~FirehoseService() override;

  void bind(events::Targets& targets) override;
  Status start() override;
  Engine& engine() { return *engine_; }

 private:
  using object = boost::json::object;
  static const Operation<FirehoseService> kOperations[];

  // stream_handlers.cc
  void create_delivery_stream(const CallContext& ctx, object in, Respond respond);
  void delete_delivery_stream(const CallContext& ctx, object in, Respond respond);
  Output describe_delivery_stream(const CallContext& ctx, const object& in) const;
  Output list_delivery_streams(const CallContext& ctx, const object& in) const;
  Output list_tags_for_delivery_stream(const CallContext& ctx, const object& in) const;
  // settings_handlers.cc
  void tag_delivery_stream(const CallContext& ctx, object in, Respond respond);
  void untag_delivery_stream(const CallContext& ctx, object in, Respond respond);
  void start_delivery_stream_encryption(const CallContext& ctx, object in, Respond respond);
  void stop_delivery_stream_encryption(const CallContext& ctx, object in, Respond respond);
  void update_destination(const CallContext& ctx, object in, Respond respond);
  // record_handlers.cc
  void put_record(const CallContext& ctx, object in, Respond respond);
  void put_record_batch(const CallContext& ctx, object in, Respond respond);

  std::string arn(const CallContext& ctx, const std::string& name) const;

  Environment& env_;
  lambda::Functions* functions_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<events::Binding> target_bound_;  // the "firehose" target (target.h)
};

}  // namespace nimbus::services::firehose
