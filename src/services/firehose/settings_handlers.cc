// The operations that change a delivery stream after its creation:
// TagDeliveryStream, UntagDeliveryStream, Start/StopDeliveryStreamEncryption
// and UpdateDestination. Each is one definition change (Engine::update).
#include <algorithm>

#include "common/json_fields.h"
#include "services/firehose/errors.h"
#include "services/firehose/firehose_service.h"

namespace nimbus::services::firehose {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTags = 50;
constexpr const char* kDestinationId = "destinationId-000000000001";

Status check_tag(const json::value& t) {
  if (!t.is_object()) return errors::invalid("Tags must be objects.");
  std::string key = str(t.as_object(), "Key");
  if (key.empty() || key.size() > 128 || str(t.as_object(), "Value").size() > 256) {
    return errors::invalid("Tag keys must be 1 to 128 characters and values at most 256.");
  }
  return Status::ok();
}

std::function<void(Status)> answer_empty(Respond respond) {
  return [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(json::object{});
  };
}

}  // namespace

void FirehoseService::tag_delivery_stream(const CallContext& ctx, object in, Respond respond) {
  const auto* tags = in.if_contains("Tags");
  if (tags == nullptr || !tags->is_array() || tags->as_array().empty() ||
      tags->as_array().size() > kMaxTags) {
    return respond(errors::invalid("Tags must hold 1 to 50 tags."));
  }
  for (const auto& t : tags->as_array()) {
    if (auto st = check_tag(t); !st) return respond(st.take_error());
  }
  json::array added = tags->as_array();
  engine_->update(
      str(in, "DeliveryStreamName"), ctx.account_id,
      [&added](DeliveryStream& d) -> Status {
        for (const auto& t : added) {
          std::string key = str(t.as_object(), "Key");
          auto same = std::find_if(d.tags.begin(), d.tags.end(), [&](const json::value& v) {
            return v.is_object() && str(v.as_object(), "Key") == key;
          });
          if (same != d.tags.end()) {
            *same = t;
          } else {
            d.tags.push_back(t);
          }
        }
        if (d.tags.size() > kMaxTags) {
          return errors::limit_exceeded("A delivery stream can have at most 50 tags.");
        }
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void FirehoseService::untag_delivery_stream(const CallContext& ctx, object in, Respond respond) {
  const auto* keys = in.if_contains("TagKeys");
  if (keys == nullptr || !keys->is_array() || keys->as_array().empty() ||
      keys->as_array().size() > kMaxTags) {
    return respond(errors::invalid("TagKeys must hold 1 to 50 keys."));
  }
  json::array removed = keys->as_array();
  engine_->update(
      str(in, "DeliveryStreamName"), ctx.account_id,
      [&removed](DeliveryStream& d) -> Status {
        json::array kept;
        for (const auto& v : d.tags) {
          bool named =
              v.is_object() && std::find(removed.begin(), removed.end(),
                                         json::value(str(v.as_object(), "Key"))) != removed.end();
          if (!named) kept.push_back(v);
        }
        d.tags = std::move(kept);
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void FirehoseService::start_delivery_stream_encryption(const CallContext& ctx, object in,
                                                       Respond respond) {
  json::object config;
  if (const auto* c = in.if_contains("DeliveryStreamEncryptionConfigurationInput");
      c && c->is_object()) {
    config = c->as_object();
  }
  std::string type = str(config, "KeyType");
  if (type.empty()) type = "AWS_OWNED_CMK";
  std::string key = str(config, "KeyARN");
  if (type != "AWS_OWNED_CMK" && type != "CUSTOMER_MANAGED_CMK") {
    return respond(errors::invalid("KeyType " + type + " is not valid."));
  }
  if ((type == "CUSTOMER_MANAGED_CMK") != !key.empty()) {
    return respond(errors::invalid(
        "KeyARN must be given with KeyType CUSTOMER_MANAGED_CMK and only with it."));
  }
  engine_->update(
      str(in, "DeliveryStreamName"), ctx.account_id,
      [&](DeliveryStream& d) -> Status {
        if (d.type == "KinesisStreamAsSource") {
          return errors::invalid(
              "Server-side encryption is not supported for a delivery stream whose source is a "
              "Kinesis data stream; encrypt the Kinesis stream instead.");
        }
        d.encryption = json::object{{"KeyType", type}, {"Status", "ENABLED"}};
        if (!key.empty()) d.encryption["KeyARN"] = key;
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void FirehoseService::stop_delivery_stream_encryption(const CallContext& ctx, object in,
                                                      Respond respond) {
  engine_->update(
      str(in, "DeliveryStreamName"), ctx.account_id,
      [](DeliveryStream& d) -> Status {
        if (!d.encryption.empty()) d.encryption["Status"] = "DISABLED";
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void FirehoseService::update_destination(const CallContext& ctx, object in, Respond respond) {
  std::string version = str(in, "CurrentDeliveryStreamVersionId");
  std::string destination = str(in, "DestinationId");
  const json::object* update = nullptr;
  for (const char* k : {"ExtendedS3DestinationUpdate", "S3DestinationUpdate"}) {
    if (const auto* u = in.if_contains(k); u && u->is_object()) update = &u->as_object();
  }
  if (update == nullptr) {
    return respond(errors::invalid(
        "UpdateDestination needs an ExtendedS3DestinationUpdate or S3DestinationUpdate: nimbus "
        "delivers to S3 only."));
  }
  json::object changes = *update;
  engine_->update(
      str(in, "DeliveryStreamName"), ctx.account_id,
      [&](DeliveryStream& d) -> Status {
        if (version != std::to_string(d.version)) {
          return Error::make("ConcurrentModificationException",
                             "Current version id " + version + " does not match the stream's " +
                                 std::to_string(d.version) + ".");
        }
        if (destination != kDestinationId) {
          return errors::invalid("Destination Id " + destination + " not found.");
        }
        json::object merged = d.destination_input();
        for (const auto& [k, v] : changes) {
          if (k == "BufferingHints" && v.is_object()) {
            auto& hints = merged["BufferingHints"].as_object();
            for (const auto& [hk, hv] : v.as_object()) hints[hk] = hv;
          } else {
            merged[k] = v;
          }
        }
        json::object input{{"DeliveryStreamName", d.name},
                           {"DeliveryStreamType", d.type},
                           {"ExtendedS3DestinationConfiguration", std::move(merged)}};
        if (!d.source.empty()) input["KinesisStreamSourceConfiguration"] = d.source;
        auto next = DeliveryStream::from_input(input);
        if (!next) return next.take_error();
        if (!next->lambda_arn.empty() && functions_ == nullptr) {
          return errors::invalid("ProcessingConfiguration is not supported by this server.");
        }
        next->arn = d.arn;
        next->created_ms = d.created_ms;
        next->version = d.version + 1;
        next->extended = d.extended;
        next->tags = d.tags;
        next->encryption = d.encryption;
        d = std::move(*next);
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

}  // namespace nimbus::services::firehose
