// AWS::Kinesis::Stream and AWS::KinesisFirehose::DeliveryStream (S3
// destinations, as nimbus's Firehose delivers), through their services' own
// operations; the physical id is the name, as AWS's.
#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::call_step;
using provide::Step;

// ---- AWS::Kinesis::Stream (Fn::GetAtt Arn)

std::string stream_name(const ResourceRequest& r) {
  return r.name_or_generated("Name", 128);
}

std::string mode_of(const json::object& props) {
  const auto* m = props.if_contains("StreamModeDetails");
  std::string mode = m != nullptr && m->is_object() ? str(m->as_object(), "StreamMode") : "";
  return mode.empty() ? "PROVISIONED" : mode;
}

int64_t number(const json::object& props, std::string_view key, int64_t fallback) {
  const auto* v = props.if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->as_int64();
  std::string text = provide::text(*v);
  bool digits = !text.empty() && text.size() < 10 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  return digits ? std::stoll(text) : -1;
}

void describe_stream(const ResourceRequest& r, const std::string& name, ProvideDone done) {
  r.call("kinesis", "DescribeStreamSummary", {{"StreamName", name}}, [name, done](Output out) {
    if (!out) return done(out.take_error());
    const auto& d = out->at("StreamDescriptionSummary").as_object();
    done(Provided{name, {{"Arn", str(d, "StreamARN")}}});
  });
}

// The steps bringing an existing stream from `was` to `now` (settings a
// create also applies after CreateStream).
std::vector<Step> stream_settings(const ResourceRequest& r, const std::string& name,
                                  const json::object& was, const json::object& now) {
  std::vector<Step> steps;
  int64_t before = number(was, "RetentionPeriodHours", 24);
  int64_t after = number(now, "RetentionPeriodHours", 24);
  if (after != before) {
    steps.push_back(call_step(
        r, "kinesis",
        after > before ? "IncreaseStreamRetentionPeriod" : "DecreaseStreamRetentionPeriod",
        {{"StreamName", name}, {"RetentionPeriodHours", after}}));
  }
  bool provisioned = mode_of(now) == "PROVISIONED";
  if (!was.empty() && mode_of(was) != mode_of(now)) {
    steps.push_back([r, name, now](std::function<void(Status)> next) {
      describe_stream(r, name, [r, now, next](Result<Provided> p) {
        if (!p) return next(p.take_error());
        call_step(r, "kinesis", "UpdateStreamMode",
                  {{"StreamARN", p->attributes.at("Arn")},
                   {"StreamModeDetails", {{"StreamMode", mode_of(now)}}}})(next);
      });
    });
  }
  int64_t shards = number(now, "ShardCount", 1);
  if (!was.empty() && provisioned && shards != number(was, "ShardCount", 1)) {
    steps.push_back(call_step(
        r, "kinesis", "UpdateShardCount",
        {{"StreamName", name}, {"TargetShardCount", shards}, {"ScalingType", "UNIFORM_SCALING"}}));
  }
  auto tags = provide::tag_map(now.if_contains("Tags"));
  auto old_tags = provide::tag_map(was.if_contains("Tags"));
  json::array removed;
  for (const auto& [k, v] : old_tags) {
    if (!tags.contains(k)) removed.emplace_back(k);
  }
  if (!removed.empty()) {
    steps.push_back(call_step(r, "kinesis", "RemoveTagsFromStream",
                              {{"StreamName", name}, {"TagKeys", std::move(removed)}}));
  }
  if (!tags.empty() && tags != old_tags) {
    steps.push_back(
        call_step(r, "kinesis", "AddTagsToStream", {{"StreamName", name}, {"Tags", tags}}));
  }
  return steps;
}

void create_stream(const ResourceRequest& r, ProvideDone done) {
  std::string name = stream_name(r);
  json::object in{{"StreamName", name},
                  {"StreamModeDetails", {{"StreamMode", mode_of(r.properties)}}}};
  if (mode_of(r.properties) == "PROVISIONED")
    in["ShardCount"] = number(r.properties, "ShardCount", 1);
  call_step(r, "kinesis", "CreateStream", std::move(in))([r, name, done](Status created) {
    if (!created) return done(created.take_error());
    provide::in_order(stream_settings(r, name, {}, r.properties), [r, name, done](Status st) {
      if (st) return describe_stream(r, name, done);
      // A failed create leaves nothing behind (its rollback deletes
      // nothing): the stream goes before the error is told.
      call_step(r, "kinesis", "DeleteStream",
                {{"StreamName", name}, {"EnforceConsumerDeletion", true}})(
          [done, error = st.take_error()](Status) { done(error); });
    });
  });
}

void update_stream(const ResourceRequest& r, ProvideDone done) {
  provide::in_order(stream_settings(r, r.physical_id, r.old_properties, r.properties),
                    [r, done](Status st) {
                      if (!st) return done(st.take_error());
                      describe_stream(r, r.physical_id, done);
                    });
}

void delete_stream(const ResourceRequest& r, RemoveDone done) {
  call_step(r, "kinesis", "DeleteStream",
            {{"StreamName", r.physical_id}, {"EnforceConsumerDeletion", true}},
            {"ResourceNotFoundException"})(std::move(done));
}

// ---- AWS::KinesisFirehose::DeliveryStream (Fn::GetAtt Arn)

std::string delivery_name(const ResourceRequest& r) {
  return r.name_or_generated("DeliveryStreamName", 64);
}

void describe_delivery(const ResourceRequest& r, const std::string& name, ProvideDone done) {
  r.call("firehose", "DescribeDeliveryStream", {{"DeliveryStreamName", name}},
         [name, done](Output out) {
           if (!out) return done(out.take_error());
           const auto& d = out->at("DeliveryStreamDescription").as_object();
           done(Provided{name, {{"Arn", str(d, "DeliveryStreamARN")}}});
         });
}

void create_delivery(const ResourceRequest& r, ProvideDone done) {
  std::string name = delivery_name(r);
  json::object in{{"DeliveryStreamName", name}};
  provide::copy(
      r.properties, in,
      {"DeliveryStreamType", "S3DestinationConfiguration", "ExtendedS3DestinationConfiguration",
       "KinesisStreamSourceConfiguration", "DeliveryStreamEncryptionConfigurationInput", "Tags"});
  for (auto other : {"RedshiftDestinationConfiguration", "ElasticsearchDestinationConfiguration",
                     "AmazonopensearchserviceDestinationConfiguration",
                     "SplunkDestinationConfiguration", "HttpEndpointDestinationConfiguration",
                     "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration"}) {
    if (r.properties.contains(other)) {
      return done(Error::validation(std::string(other) +
                                    " is not supported: nimbus's Firehose delivers to S3 only."));
    }
  }
  r.call("firehose", "CreateDeliveryStream", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    describe_delivery(r, name, done);
  });
}

void update_delivery(const ResourceRequest& r, ProvideDone done) {
  std::string name = r.physical_id;
  const json::value* dest = nullptr;
  std::string update_key;
  if ((dest = r.properties.if_contains("ExtendedS3DestinationConfiguration"))) {
    update_key = "ExtendedS3DestinationUpdate";
  } else if ((dest = r.properties.if_contains("S3DestinationConfiguration"))) {
    update_key = "S3DestinationUpdate";
  }
  if (dest == nullptr || !dest->is_object()) return describe_delivery(r, name, std::move(done));
  json::object update = dest->as_object();
  r.call("firehose", "DescribeDeliveryStream", {{"DeliveryStreamName", name}},
         [r, name, update_key, update, done](Output out) {
           if (!out) return done(out.take_error());
           const auto& d = out->at("DeliveryStreamDescription").as_object();
           std::string destination;
           if (const auto* ds = d.if_contains("Destinations");
               ds != nullptr && ds->is_array() && !ds->as_array().empty()) {
             destination = str(ds->as_array()[0].as_object(), "DestinationId");
           }
           r.call("firehose", "UpdateDestination",
                  {{"DeliveryStreamName", name},
                   {"CurrentDeliveryStreamVersionId", str(d, "VersionId")},
                   {"DestinationId", destination},
                   {update_key, update}},
                  [r, name, done](Output o) {
                    if (!o) return done(o.take_error());
                    describe_delivery(r, name, done);
                  });
         });
}

void delete_delivery(const ResourceRequest& r, RemoveDone done) {
  call_step(r, "firehose", "DeleteDeliveryStream", {{"DeliveryStreamName", r.physical_id}},
            {"ResourceNotFoundException"})(std::move(done));
}

}  // namespace

const Provider kStream{"AWS::Kinesis::Stream", create_stream, update_stream,
                       delete_stream,          {"Name"},      stream_name};
const Provider kDeliveryStream{
    "AWS::KinesisFirehose::DeliveryStream",
    create_delivery,
    update_delivery,
    delete_delivery,
    {"DeliveryStreamName", "DeliveryStreamType", "KinesisStreamSourceConfiguration"},
    delivery_name};

}  // namespace nimbus::services::cloudformation::providers
