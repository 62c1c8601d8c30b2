// RuleTarget::from: a Target of PutTargets, checked as EventBridge does.
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "services/events/api_request.h"
#include "services/events/engine.h"
#include "services/events/errors.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

Result<RuleTarget> RuleTarget::from(const json::object& in) {
  RuleTarget t;
  t.raw = in;
  t.id = str(in, "Id");
  t.arn = str(in, "Arn");
  t.role_arn = str(in, "RoleArn");
  if (t.id.empty() || t.id.size() > 64) return errors::validation("Parameter Id is not valid.");
  for (char c : t.id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return errors::validation("Parameter Id is not valid.");
    }
  }
  if (t.arn.rfind("arn:", 0) != 0 || std::count(t.arn.begin(), t.arn.end(), ':') < 5) {
    return errors::validation("Parameter " + t.arn +
                              " is not valid. Reason: Provided Arn is not in correct format.");
  }
  int given = 0;
  if (const auto* v = in.if_contains("Input"); v != nullptr && v->is_string()) {
    ++given;
    boost::system::error_code ec;
    json::parse(v->as_string(), ec);
    if (ec) return errors::validation("Input is not valid JSON text.");
    t.input = std::string(v->as_string());
  }
  if (const auto* v = in.if_contains("InputPath"); v != nullptr && v->is_string()) {
    ++given;
    if (auto st = check_path(v->as_string()); !st) return st.error();
    t.input_path = std::string(v->as_string());
  }
  if (const auto* v = in.if_contains("InputTransformer"); v != nullptr && v->is_object()) {
    ++given;
    Transformer tr;
    tr.input_template = str(v->as_object(), "InputTemplate");
    if (const auto* m = v->as_object().if_contains("InputPathsMap"); m && m->is_object()) {
      for (const auto& [k, p] : m->as_object()) {
        if (!p.is_string()) return errors::validation("Invalid InputPathsMap value.");
        tr.paths[std::string(k)] = std::string(p.as_string());
      }
    }
    if (auto st = tr.check(); !st) return st.error();
    t.transformer = std::move(tr);
  }
  if (given > 1) {
    return errors::validation(
        "Only one of Input, InputPath, or InputTransformer must be provided.");
  }
  if (const auto* v = in.if_contains("SqsParameters"); v != nullptr && v->is_object()) {
    t.group_id = str(v->as_object(), "MessageGroupId");
  }
  if (const auto* v = in.if_contains("KinesisParameters"); v != nullptr && v->is_object()) {
    t.partition_key_path = str(v->as_object(), "PartitionKeyPath");
    if (t.partition_key_path.empty() || !check_path(t.partition_key_path)) {
      return errors::validation("Parameter KinesisParameters.PartitionKeyPath is not valid.");
    }
  }
  if (t.arn.ends_with(".fifo") && t.arn.find(":sqs:") != std::string::npos && t.group_id.empty()) {
    return errors::validation("Parameter(s) SqsParameters must be specified for target: " + t.id +
                              ".");
  }
  if (const auto* v = in.if_contains("HttpParameters"); v != nullptr) {
    if (auto st = check_http_parameters(*v); !st) return st.error();
    t.http_parameters = v->as_object();
  }
  if (const auto* v = in.if_contains("RetryPolicy"); v != nullptr && v->is_object()) {
    const auto& rp = v->as_object();
    t.max_retries = integer(rp, "MaximumRetryAttempts").value_or(185);
    t.max_age_s = integer(rp, "MaximumEventAgeInSeconds").value_or(86400);
    if (t.max_retries < 0 || t.max_retries > 185) {
      return errors::validation("Parameter MaximumRetryAttempts is not valid.");
    }
    if (t.max_age_s < 60 || t.max_age_s > 86400) {
      return errors::validation("Parameter MaximumEventAgeInSeconds is not valid.");
    }
  }
  if (const auto* v = in.if_contains("DeadLetterConfig"); v != nullptr && v->is_object()) {
    t.dead_letter = str(v->as_object(), "Arn");
    if (!t.dead_letter.empty() && t.dead_letter.find(":sqs:") == std::string::npos) {
      return errors::validation(
          "Parameter DeadLetterConfig.Arn is not valid. Reason: Only SQS queues are supported as "
          "dead-letter queues.");
    }
  }
  return t;
}

}  // namespace nimbus::services::eventbridge
