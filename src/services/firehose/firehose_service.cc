// Amazon Data Firehose: the service and its operation table. Handlers are in
// stream_handlers.cc and record_handlers.cc.
#include "services/firehose/firehose_service.h"

#include "common/json_fields.h"
#include "services/firehose/target.h"

namespace nimbus::services::firehose {

namespace json = boost::json;

namespace {

// The delivery stream each operation touches
// (arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME).
Resources by_stream(const CallContext& ctx, const json::object& in) {
  return {"arn:aws:firehose:" + ctx.region + ":" + ctx.account_id + ":deliverystream/" +
          str(in, "DeliveryStreamName")};
}

}  // namespace

const Operation<FirehoseService> FirehoseService::kOperations[] = {
    // stream_handlers.cc
    {"CreateDeliveryStream", &FirehoseService::create_delivery_stream, by_stream},
    {"DeleteDeliveryStream", &FirehoseService::delete_delivery_stream, by_stream},
    {"DescribeDeliveryStream", &FirehoseService::describe_delivery_stream, by_stream},
    {"ListDeliveryStreams", &FirehoseService::list_delivery_streams, no_resources},
    {"ListTagsForDeliveryStream", &FirehoseService::list_tags_for_delivery_stream, by_stream},
    // settings_handlers.cc
    {"TagDeliveryStream", &FirehoseService::tag_delivery_stream, by_stream},
    {"UntagDeliveryStream", &FirehoseService::untag_delivery_stream, by_stream},
    {"StartDeliveryStreamEncryption", &FirehoseService::start_delivery_stream_encryption,
     by_stream},
    {"StopDeliveryStreamEncryption", &FirehoseService::stop_delivery_stream_encryption, by_stream},
    {"UpdateDestination", &FirehoseService::update_destination, by_stream},
    // record_handlers.cc
    {"PutRecord", &FirehoseService::put_record, by_stream},
    {"PutRecordBatch", &FirehoseService::put_record_batch, by_stream},
};

FirehoseService::FirehoseService(Environment& env, s3::ObjectWriter* s3,
                                 lambda::Functions* functions)
    : Service("firehose"),
      env_(env),
      functions_(functions),
      engine_(std::make_unique<Engine>(env, s3, functions)) {
  serve(*this, kOperations);
}

FirehoseService::~FirehoseService() = default;

void FirehoseService::bind(events::Targets& targets) {
  target_bound_ = bind_target(*engine_, targets);
}

Status FirehoseService::start() {
  return engine_->start();
}

std::string FirehoseService::arn(const CallContext& ctx, const std::string& name) const {
  return "arn:aws:firehose:" + ctx.region + ":" + ctx.account_id + ":deliverystream/" + name;
}

}  // namespace nimbus::services::firehose
