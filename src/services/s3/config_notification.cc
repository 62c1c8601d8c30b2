// PutBucketNotificationConfiguration: the document checked (event types,
// filters, overlaps; config/notification.h), Ids given to configurations
// without one, every destination checked through events::Targets unless
// SkipDestinationValidation, then stored, then s3:TestEvent queued to each
// queue and topic, as S3 does when a configuration is saved.
#include <spdlog/spdlog.h>

#include <random>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "events/target.h"
#include "services/s3/config/errors.h"
#include "services/s3/config/notification.h"
#include "services/s3/config_ops.h"
#include "services/s3/notify.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

// S3 names a configuration it was given without an Id by a random one
// (base64 text).
std::string new_configuration_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string bytes(27, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return base64_encode(bytes);
}

std::string what_is_missing(s3config::DestinationKind kind) {
  switch (kind) {
    case s3config::DestinationKind::kQueue:
      return "The destination queue does not exist";
    case s3config::DestinationKind::kLambda:
      return "The destination Lambda function does not exist";
    case s3config::DestinationKind::kTopic:
      return "The destination topic does not exist";
  }
  return {};
}

}  // namespace

void ConfigOps::put_notification(const CallContext& ctx, json::object in, Respond respond) {
  std::string bucket = str(in, "Bucket");
  auto* doc = in.if_contains("NotificationConfiguration");
  json::object config = doc != nullptr && doc->is_object() ? doc->get_object() : json::object{};
  auto parsed = s3config::parse_notifications(config, new_configuration_id);
  if (!parsed) return respond(parsed.take_error());
  if (!boolean(in, "SkipDestinationValidation").value_or(false)) {
    Error invalid = s3config::invalid_argument(
        "Unable to validate the following destination configurations", "", "");
    invalid.fields = nullptr;
    int n = 0;
    for (const auto& d : parsed->destinations) {
      if (env_.targets.check(d.arn)) continue;
      ++n;
      invalid = std::move(invalid)
                    .with("ArgumentName" + std::to_string(n), d.arn)
                    .with("ArgumentValue" + std::to_string(n), what_is_missing(d.kind));
    }
    if (n > 0) return respond(std::move(invalid));
  }
  auto queues = std::make_shared<std::vector<s3config::Destination>>();
  for (auto& d : parsed->destinations) {
    if (d.kind != s3config::DestinationKind::kLambda) queues->push_back(std::move(d));
  }
  objects_.put_config(
      bucket, "notification", json::serialize(config),
      [this, bucket, queues, request_id = ctx.request_id,
       respond = std::move(respond)](Status st) mutable {
        if (!st) return respond(st.take_error());
        for (const auto& q : *queues) {
          notifier_.queue(q.arn, bucket, q.id,
                          s3config::test_event(bucket, request_id, base64_encode(request_id),
                                               env_.clock.now_millis()),
                          [arn = q.arn](Status s) {
                            if (!s)
                              spdlog::warn("s3: no test event for {}: {}", arn, s.error().message);
                          });
        }
        respond(json::object{});
      });
}

}  // namespace nimbus::services::s3
