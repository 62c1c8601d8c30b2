// CreateDeliveryStream, DeleteDeliveryStream, DescribeDeliveryStream,
// ListDeliveryStreams, ListTagsForDeliveryStream.
#include "common/json_fields.h"
#include "services/firehose/errors.h"
#include "services/firehose/firehose_service.h"

namespace nimbus::services::firehose {

namespace json = boost::json;

void FirehoseService::create_delivery_stream(const CallContext& ctx, object in, Respond respond) {
  auto d = DeliveryStream::from_input(in);
  if (!d) return respond(d.take_error());
  if (!d->lambda_arn.empty() && functions_ == nullptr) {
    return respond(errors::invalid("ProcessingConfiguration is not supported by this server."));
  }
  if (d->type == "KinesisStreamAsSource") {
    std::string source = str(d->source, "KinesisStreamARN");
    bool found = false;
    env_.targets.with_stream_source(source, [&](events::StreamSource& s) {
      found = source.starts_with("arn:aws:kinesis:") && s.shards(source).has_value();
    });
    if (!found) {
      return respond(errors::invalid("The Kinesis stream " + source + " does not exist."));
    }
  }
  d->arn = arn(ctx, d->name);
  d->created_ms = env_.clock.now_millis();
  std::string stream_arn = d->arn;
  engine_->create(std::move(*d), ctx.account_id,
                  [respond = std::move(respond), stream_arn](Status st) {
                    if (!st) return respond(st.error());
                    respond(json::object{{"DeliveryStreamARN", stream_arn}});
                  });
}

void FirehoseService::delete_delivery_stream(const CallContext& ctx, object in, Respond respond) {
  engine_->remove(str(in, "DeliveryStreamName"), ctx.account_id,
                  [respond = std::move(respond)](Status st) {
                    if (!st) return respond(st.error());
                    respond(json::object{});
                  });
}

Output FirehoseService::describe_delivery_stream(const CallContext& ctx, const object& in) const {
  std::string name = str(in, "DeliveryStreamName");
  auto d = engine_->find(name);
  if (!d) return errors::not_found(name, ctx.account_id);
  return json::object{{"DeliveryStreamDescription", d->description()}};
}

Output FirehoseService::list_delivery_streams(const CallContext&, const object& in) const {
  size_t limit = static_cast<size_t>(integer(in, "Limit").value_or(10));
  auto names =
      engine_->names(str(in, "DeliveryStreamType"), str(in, "ExclusiveStartDeliveryStreamName"));
  bool more = names.size() > limit;
  if (more) names.resize(limit);
  json::array out;
  for (auto& n : names) out.emplace_back(std::move(n));
  return json::object{{"DeliveryStreamNames", std::move(out)}, {"HasMoreDeliveryStreams", more}};
}

Output FirehoseService::list_tags_for_delivery_stream(const CallContext& ctx,
                                                      const object& in) const {
  std::string name = str(in, "DeliveryStreamName");
  auto d = engine_->find(name);
  if (!d) return errors::not_found(name, ctx.account_id);
  return json::object{{"Tags", d->tags}, {"HasMoreTags", false}};
}

}  // namespace nimbus::services::firehose
