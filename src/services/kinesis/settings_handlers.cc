// Kinesis handlers for a stream's settings: retention, encryption, capacity
// mode.
#include "services/kinesis/input.h"
#include "services/kinesis/kinesis_service.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

constexpr int64_t kMinRetentionHours = 24;
constexpr int64_t kMaxRetentionHours = 8760;

Status retention_in_range(int64_t hours) {
  if (hours < kMinRetentionHours) {
    return errors::invalid(
        "Minimum allowed retention period is 24 hours. Requested retention "
        "period (" +
        std::to_string(hours) + " hours) is too short.");
  }
  if (hours > kMaxRetentionHours) {
    return errors::invalid(
        "Maximum allowed retention period is 8760 hours. Requested retention "
        "period (" +
        std::to_string(hours) + " hours) is too long.");
  }
  return Status::ok();
}

}  // namespace

void KinesisService::change_retention(const json::object& in, bool increase, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  int64_t hours = integer(in, "RetentionPeriodHours").value_or(0);
  if (auto st = retention_in_range(hours); !st) return respond(st.take_error());
  engine_->update(
      *name,
      [&](Stream& s) -> Status {
        std::string requested = "Requested retention period (" + std::to_string(hours) +
                                " hours) for stream " + s.name + " can not be ";
        std::string existing =
            " than existing retention period (" + std::to_string(s.retention_hours) + " hours).";
        if (increase && hours < s.retention_hours) {
          return errors::invalid(requested + "shorter" + existing +
                                 " Use DecreaseRetentionPeriod API.");
        }
        if (!increase && hours > s.retention_hours) {
          return errors::invalid(requested + "longer" + existing +
                                 " Use IncreaseRetentionPeriod API.");
        }
        s.retention_hours = static_cast<int>(hours);
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void KinesisService::increase_retention(const CallContext&, json::object in, Respond respond) {
  change_retention(in, true, std::move(respond));
}

void KinesisService::decrease_retention(const CallContext&, json::object in, Respond respond) {
  change_retention(in, false, std::move(respond));
}

// The key is stored as given: records are not encrypted with it (README).
void KinesisService::start_encryption(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  std::string type = str(in, "EncryptionType");
  std::string key = str(in, "KeyId");
  if (type != "KMS") {
    return respond(errors::validation(
        "1 validation error detected: Value '" + type +
        "' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value "
        "set: [KMS, NONE]"));
  }
  if (key.empty()) {
    return respond(errors::validation(
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: "
        "Member must not be null"));
  }
  engine_->update(
      *name,
      [&](Stream& s) -> Status {
        s.encryption = "KMS";
        s.key_id = key;
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void KinesisService::stop_encryption(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  engine_->update(
      *name,
      [&](Stream& s) -> Status {
        s.encryption = "NONE";
        s.key_id.clear();
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void KinesisService::update_stream_mode(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  std::string mode;
  if (const auto* d = in.if_contains("StreamModeDetails"); d && d->is_object()) {
    mode = str(d->as_object(), "StreamMode");
  }
  if (mode != "PROVISIONED" && mode != "ON_DEMAND") {
    return respond(errors::validation(
        "1 validation error detected: Value '" + mode +
        "' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy "
        "enum value set: [ON_DEMAND, PROVISIONED]"));
  }
  engine_->update(
      *name,
      [&](Stream& s) -> Status {
        s.mode = mode;
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

}  // namespace nimbus::services::kinesis
