#include "services/sns/attributes.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/json_fields.h"
#include "services/sns/errors.h"
#include "services/sns/filter_policy.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

bool is_json_object(std::string_view text) {
  return parse_object(text).has_value();
}

std::optional<std::string> boolean_text(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(), ::tolower);
  if (value == "true" || value == "false") return value;
  return std::nullopt;
}

// The delivery-status attributes: {Application,HTTP,Lambda,SQS,Firehose}
// {Success,Failure}FeedbackRoleArn and ...SuccessFeedbackSampleRate.
bool is_feedback(std::string_view name, bool& sample_rate) {
  for (std::string_view p : {"Application", "HTTP", "Lambda", "SQS", "Firehose"}) {
    if (name.substr(0, p.size()) != p) continue;
    auto rest = name.substr(p.size());
    sample_rate = rest == "SuccessFeedbackSampleRate";
    return sample_rate || rest == "SuccessFeedbackRoleArn" || rest == "FailureFeedbackRoleArn";
  }
  return false;
}

// The HTTP delivery policy in effect: AWS's default, with the topic's
// DeliveryPolicy "http" members over it.
std::string effective_delivery_policy(const Topic& t) {
  json::object http{{"defaultHealthyRetryPolicy",
                     {{"minDelayTarget", 20},
                      {"maxDelayTarget", 20},
                      {"numRetries", 3},
                      {"numMaxDelayRetries", 0},
                      {"numNoDelayRetries", 0},
                      {"numMinDelayRetries", 0},
                      {"backoffFunction", "linear"}}},
                    {"disableSubscriptionOverrides", false},
                    {"defaultRequestPolicy", {{"headerContentType", "text/plain; charset=UTF-8"}}}};
  if (const auto* set = t.attribute("DeliveryPolicy")) {
    if (auto o = parse_object(*set); o && o->contains("http") && (*o)["http"].is_object()) {
      for (const auto& [k, v] : (*o)["http"].as_object()) http[k] = v;
    }
  }
  return json::serialize(json::object{{"http", std::move(http)}});
}

}  // namespace

// AWS's default topic policy: the owner's account may do everything.
std::string default_policy(const Topic& t) {
  json::array actions;
  for (const char* a : {"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                        "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                        "SNS:ListSubscriptionsByTopic", "SNS:Publish"}) {
    actions.push_back(json::string(a));
  }
  json::object statement{{"Sid", "__default_statement_ID"},
                         {"Effect", "Allow"},
                         {"Principal", {{"AWS", "*"}}},
                         {"Action", std::move(actions)},
                         {"Resource", t.arn},
                         {"Condition", {{"StringEquals", {{"AWS:SourceOwner", t.account}}}}}};
  json::object policy{{"Version", "2008-10-17"},
                      {"Id", "__default_policy_ID"},
                      {"Statement", json::array{std::move(statement)}}};
  return json::serialize(policy);
}

Status check_topic_name(std::string_view name, bool fifo) {
  std::string_view base = name;
  if (fifo) {
    if (name.size() < 5 || name.substr(name.size() - 5) != ".fifo") {
      return errors::invalid(
          "Fifo Topic names must end with .fifo and must be made up of only uppercase and "
          "lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and "
          "256 characters long.");
    }
    base = name.substr(0, name.size() - 5);
  }
  bool ok =
      !base.empty() && name.size() <= 256 && std::all_of(base.begin(), base.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
  if (!ok) return errors::invalid("Topic Name");
  return Status::ok();
}

Result<std::string> check_topic_attribute(const std::string& name, const std::string& value,
                                          bool fifo, bool creating) {
  bool sample_rate = false;
  if (name == "DisplayName") {
    if (value.size() > 100) return errors::invalid("DisplayName");
  } else if (name == "Policy") {
    if (!is_json_object(value)) return errors::invalid("Policy", "failed to parse JSON");
  } else if (name == "DeliveryPolicy") {
    if (!value.empty() && !is_json_object(value)) {
      return errors::invalid("DeliveryPolicy", "failed to parse JSON");
    }
  } else if (name == "KmsMasterKeyId" || name == "ArchivePolicy") {
    // Stored as given (nimbus does not encrypt or archive).
  } else if (name == "SignatureVersion") {
    if (value != "1" && value != "2") {
      return errors::invalid("SignatureVersion", "must be 1 or 2");
    }
  } else if (name == "TracingConfig") {
    if (value != "PassThrough" && value != "Active") {
      return errors::invalid("TracingConfig", "Invalid value for TracingConfig");
    }
  } else if (name == "FifoTopic") {
    if (!creating) return errors::invalid("AttributeName");
    auto b = boolean_text(value);
    if (!b) return errors::invalid("FifoTopic", "Invalid value for FifoTopic");
    return *b;
  } else if (name == "ContentBasedDeduplication") {
    auto b = boolean_text(value);
    if (!b) return errors::invalid("ContentBasedDeduplication", "Invalid value");
    if (!fifo) {
      return errors::invalid("ContentBasedDeduplication",
                             "Content based deduplication can only be set for FIFO topics");
    }
    return *b;
  } else if (name == "FifoThroughputScope") {
    if (!fifo) {
      return errors::invalid("FifoThroughputScope", "Can only be set for FIFO topics");
    }
    if (value != "Topic" && value != "MessageGroup") {
      return errors::invalid("FifoThroughputScope", "Invalid value");
    }
  } else if (is_feedback(name, sample_rate)) {
    if (sample_rate) {
      auto n = integer(json::object{{"v", value}}, "v");
      if (!n || *n < 0 || *n > 100) return errors::invalid(name, "must be between 0 and 100");
    }
  } else {
    return errors::invalid(creating ? "Unknown attribute " + name : "AttributeName");
  }
  return value;
}

json::object topic_attributes(const Topic& t, const Topics::Counts& counts) {
  json::object out;
  for (const auto& [k, v] : t.attributes) out[k] = v;
  out["TopicArn"] = t.arn;
  out["Owner"] = t.account;
  if (!t.attribute("Policy")) out["Policy"] = default_policy(t);
  if (!t.attribute("DisplayName")) out["DisplayName"] = "";
  out["SubscriptionsConfirmed"] = std::to_string(counts.confirmed);
  out["SubscriptionsPending"] = std::to_string(counts.pending);
  out["SubscriptionsDeleted"] = std::to_string(t.subscriptions_deleted);
  out["EffectiveDeliveryPolicy"] = effective_delivery_policy(t);
  if (t.fifo) {
    out["FifoTopic"] = "true";
    if (!t.attribute("ContentBasedDeduplication")) out["ContentBasedDeduplication"] = "false";
  } else {
    out.erase("FifoTopic");
  }
  return out;
}

Result<std::string> check_subscription_attribute(const std::string& name, const std::string& value,
                                                 const std::string& protocol,
                                                 const std::string& scope) {
  if (name == "RawMessageDelivery") {
    auto b = boolean_text(value);
    if (!b) return errors::invalid("RawMessageDelivery", "Invalid value");
    if (protocol != "sqs" && protocol != "http" && protocol != "https" && protocol != "firehose") {
      return errors::invalid("Delivery protocol [" + protocol +
                             "] does not support raw message delivery.");
    }
    return *b;
  }
  if (name == "FilterPolicy") {
    if (value.empty()) return value;  // removes the policy
    auto s = FilterPolicy::scope_named(scope.empty() ? "MessageAttributes" : scope);
    auto p = FilterPolicy::parse(value, s.value_or(FilterScope::kMessageAttributes));
    if (!p) return p.take_error();
    return value;
  }
  if (name == "FilterPolicyScope") {
    if (!FilterPolicy::scope_named(value)) {
      return errors::invalid("FilterPolicyScope",
                             "Invalid filter policy scope, please use MessageAttributes or "
                             "MessageBody");
    }
    return value;
  }
  if (name == "RedrivePolicy") {
    if (value.empty()) return value;
    auto o = parse_object(value);
    if (!o) return errors::invalid("RedrivePolicy: failed to parse JSON.");
    for (const auto& [k, v] : *o) {
      if (k != "deadLetterTargetArn") {
        return errors::invalid("RedrivePolicy: invalid JSON. Attribute " + std::string(k) +
                               " is unknown.");
      }
    }
    std::string target = str(*o, "deadLetterTargetArn");
    if (target.rfind("arn:", 0) != 0 || target.find(":sqs:") == std::string::npos) {
      return errors::invalid("RedrivePolicy: deadLetterTargetArn is not a valid SQS queue ARN.");
    }
    return value;
  }
  if (name == "DeliveryPolicy") {
    if (!value.empty() && !is_json_object(value)) {
      return errors::invalid("DeliveryPolicy: failed to parse JSON.");
    }
    return value;
  }
  if (name == "SubscriptionRoleArn" || name == "ReplayPolicy") return value;
  return errors::invalid("AttributeName");
}

json::object subscription_attributes(const Subscription& s, const Topic* topic) {
  json::object out;
  for (const auto& [k, v] : s.attributes) {
    if (!v.empty()) out[k] = v;
  }
  out["SubscriptionArn"] = s.arn;
  out["TopicArn"] = s.topic_arn;
  out["Owner"] = s.owner;
  out["Protocol"] = s.protocol;
  out["Endpoint"] = s.endpoint;
  out["PendingConfirmation"] = s.confirmed ? "false" : "true";
  out["ConfirmationWasAuthenticated"] = s.confirmed ? "true" : "false";
  if (!out.contains("RawMessageDelivery")) out["RawMessageDelivery"] = "false";
  if (out.contains("FilterPolicy") && !out.contains("FilterPolicyScope")) {
    out["FilterPolicyScope"] = "MessageAttributes";
  }
  if ((s.protocol == "http" || s.protocol == "https") && topic != nullptr) {
    out["EffectiveDeliveryPolicy"] = effective_delivery_policy(*topic);
  }
  return out;
}

}  // namespace nimbus::services::sns
