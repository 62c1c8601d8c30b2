#include "services/sns/delivery_status.h"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <charconv>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "common/time_format.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string_view feedback_protocol(std::string_view protocol) {
  if (protocol == "http" || protocol == "https") return "HTTP";
  if (protocol == "lambda") return "Lambda";
  if (protocol == "sqs") return "SQS";
  if (protocol == "firehose") return "Firehose";
  if (protocol == "application") return "Application";
  return {};
}

std::optional<Feedback> feedback(const Topic& topic, std::string_view protocol, bool success) {
  std::string prefix(feedback_protocol(protocol));
  if (prefix.empty()) return std::nullopt;
  const auto* role =
      topic.attribute(prefix + (success ? "SuccessFeedbackRoleArn" : "FailureFeedbackRoleArn"));
  if (role == nullptr || role->empty()) return std::nullopt;
  Feedback f{*role, 100};
  if (success) {
    // SetTopicAttributes keeps it to 0-100; unset logs no successes.
    f.sample_rate = 0;
    if (const auto* rate = topic.attribute(prefix + "SuccessFeedbackSampleRate")) {
      std::from_chars(rate->data(), rate->data() + rate->size(), f.sample_rate);
    }
    if (f.sample_rate <= 0) return std::nullopt;
  }
  return f;
}

std::string delivery_log_group(const Settings& settings, const Topic& topic, bool success) {
  return "sns/" + settings.region + "/" + topic.account + "/" + topic.name +
         (success ? "" : "/Failure");
}

std::string log_group_arn(const Settings& settings, const Topic& topic, const std::string& group) {
  return "arn:aws:logs:" + settings.region + ":" + topic.account + ":log-group:" + group + ":*";
}

std::string delivered_message(std::string_view body, bool raw) {
  if (raw) return std::string(body);
  auto o = parse_object(body);
  if (!o) return std::string(body);
  if (const auto* m = o->if_contains("Message"); m != nullptr && m->is_string()) {
    return std::string(m->as_string());
  }
  // A Lambda event: {"Records":[{"Sns":{"Message":...}}]}
  if (const auto* records = o->if_contains("Records"); records != nullptr && records->is_array() &&
                                                       !records->as_array().empty() &&
                                                       records->as_array()[0].is_object()) {
    if (const auto* sns = records->as_array()[0].as_object().if_contains("Sns");
        sns != nullptr && sns->is_object()) {
      return str(sns->as_object(), "Message");
    }
  }
  return std::string(body);
}

std::string log_timestamp(int64_t epoch_ms) {
  std::string t = utc_millis(epoch_ms, "");
  t[10] = ' ';
  return t;
}

std::string delivery_status_record(const DeliveryStatus& s) {
  json::object record{{"notification", json::object{{"messageMD5Sum", md5_hex(s.message)},
                                                    {"messageId", s.message_id},
                                                    {"topicArn", s.topic_arn},
                                                    {"timestamp", log_timestamp(s.published_ms)}}},
                      {"delivery", json::object{{"deliveryId", new_request_id()},
                                                {"destination", s.destination},
                                                {"providerResponse", s.provider_response},
                                                {"dwellTimeMs", s.dwell_ms},
                                                {"attempts", s.attempts},
                                                {"statusCode", s.status_code}}},
                      {"status", s.success ? "SUCCESS" : "FAILURE"}};
  return json::serialize(record);
}

}  // namespace nimbus::services::sns
