// SNS's state as values: a topic and a subscription, as they sit in memory
// (immutable snapshots behind shared_ptr: readers keep one while the engine
// replaces it) and in storage (JSON records, codec in topics.cc).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace nimbus::services::sns {

class FilterPolicy;  // filter_policy.h

using AttributeMap = std::map<std::string, std::string>;

struct Topic {
  std::string arn;  // arn:aws:sns:REGION:ACCOUNT:NAME
  std::string name;
  std::string account;
  bool fifo = false;
  // Attributes as set (CreateTopic, SetTopicAttributes): DisplayName, Policy,
  // DeliveryPolicy, KmsMasterKeyId, ContentBasedDeduplication, ... The
  // derived ones (counts, EffectiveDeliveryPolicy) are computed when read.
  AttributeMap attributes;
  AttributeMap tags;
  std::string data_protection_policy;
  int64_t subscriptions_deleted = 0;

  const std::string* attribute(const std::string& name) const {
    auto it = attributes.find(name);
    return it == attributes.end() ? nullptr : &it->second;
  }
  bool content_based_dedup() const {
    const auto* v = attribute("ContentBasedDeduplication");
    return v != nullptr && *v == "true";
  }
};

struct Subscription {
  std::string arn;  // TOPIC_ARN:UUID
  std::string topic_arn;
  std::string protocol;  // sqs, lambda, http, https, email, email-json, sms, firehose, application
  std::string endpoint;
  std::string owner;
  // As set: RawMessageDelivery, FilterPolicy, FilterPolicyScope,
  // RedrivePolicy, DeliveryPolicy, SubscriptionRoleArn.
  AttributeMap attributes;
  bool confirmed = false;
  std::string token;  // the confirmation token while pending
  // FilterPolicy compiled (null when there is none); rebuilt on load.
  std::shared_ptr<const FilterPolicy> filter;

  bool raw() const {
    auto it = attributes.find("RawMessageDelivery");
    return it != attributes.end() && it->second == "true";
  }
};

using TopicPtr = std::shared_ptr<const Topic>;
using SubscriptionPtr = std::shared_ptr<const Subscription>;

}  // namespace nimbus::services::sns
