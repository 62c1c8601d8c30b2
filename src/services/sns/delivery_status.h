// Delivery-status logging: a topic with `<Protocol>SuccessFeedbackRoleArn`
// or `<Protocol>FailureFeedbackRoleArn` set (Protocol: HTTP for http and
// https, Lambda, SQS, Firehose, Application) has the outcome of each
// delivery to its subscriptions of that protocol written to CloudWatch Logs,
// as SNS writes it: a delivered message (sampled per
// `<Protocol>SuccessFeedbackSampleRate`, 0-100 percent, 0 when unset) to
// group `sns/REGION/ACCOUNT/TOPIC_NAME`, one given up (its retries spent,
// or refused for good) to `sns/REGION/ACCOUNT/TOPIC_NAME/Failure`; one JSON
// record per delivery in AWS's shape (notification: messageMD5Sum,
// messageId, topicArn, timestamp; delivery: deliveryId, destination,
// providerResponse, dwellTimeMs, attempts, statusCode; status SUCCESS or
// FAILURE). Written through the same logs::LogWriter as SMS (sms.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "services/service.h"
#include "services/sns/types.h"

namespace nimbus::services::sns {

// "HTTP", "Lambda", "SQS", "Firehose", "Application" for a subscription's
// protocol; "" for the protocols without delivery-status attributes.
std::string_view feedback_protocol(std::string_view protocol);

// What `topic` asks to be logged for a delivery of `protocol` that
// succeeded or failed: the role to log as, and for successes the sample
// rate in percent. nullopt when nothing is to be logged.
struct Feedback {
  std::string role_arn;
  int sample_rate = 100;  // successes: percent logged
};
std::optional<Feedback> feedback(const Topic& topic, std::string_view protocol, bool success);

// `sns/REGION/ACCOUNT/TOPIC_NAME`, with `/Failure` for failures.
std::string delivery_log_group(const Settings& settings, const Topic& topic, bool success);
// The log group's ARN, as the feedback role is checked against.
std::string log_group_arn(const Settings& settings, const Topic& topic, const std::string& group);

// The published message a delivery's body carries: the body itself when
// raw, else the envelope's Message (or the Lambda event's Sns.Message).
std::string delivered_message(std::string_view body, bool raw);

struct DeliveryStatus {
  std::string message_id;
  std::string topic_arn;
  std::string message;  // as published (its MD5 is logged, not the text)
  int64_t published_ms = 0;
  std::string destination;
  std::string provider_response;
  int64_t dwell_ms = 0;
  int64_t attempts = 1;
  int status_code = 200;
  bool success = true;
};
// A time as SNS writes it in its CloudWatch Logs records (delivery status,
// SMS): "2024-01-02 03:04:05.678", UTC.
std::string log_timestamp(int64_t epoch_ms);

// The JSON record AWS writes for one delivery.
std::string delivery_status_record(const DeliveryStatus& s);

}  // namespace nimbus::services::sns
