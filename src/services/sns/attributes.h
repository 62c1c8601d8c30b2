// Topic and subscription attributes: which names exist, their checks (SNS's
// errors), their defaults and the derived ones GetTopicAttributes shows.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"
#include "services/sns/topics.h"
#include "services/sns/types.h"

namespace nimbus::services::sns {

// Topic names: 1-256 letters, digits, '-' and '_'; FIFO topics end in
// ".fifo" (counted in the 256). InvalidParameter otherwise.
Status check_topic_name(std::string_view name, bool fifo);

// Checks one topic attribute as CreateTopic (`creating`) or
// SetTopicAttributes sets it on a topic that is (or will be) `fifo`, and
// gives the value to store (booleans as "true"/"false").
Result<std::string> check_topic_attribute(const std::string& name, const std::string& value,
                                          bool fifo, bool creating);

// AWS's default topic policy: the owner's account may do everything.
std::string default_policy(const Topic& t);

// Every attribute GetTopicAttributes answers, as strings.
boost::json::object topic_attributes(const Topic& t, const Topics::Counts& counts);

// Checks one subscription attribute as Subscribe (`subscribing`) or
// SetSubscriptionAttributes sets it on a subscription of `protocol`; gives
// the value to store. FilterPolicy is checked against `scope`.
Result<std::string> check_subscription_attribute(const std::string& name, const std::string& value,
                                                 const std::string& protocol,
                                                 const std::string& scope);

// Every attribute GetSubscriptionAttributes answers.
boost::json::object subscription_attributes(const Subscription& s, const Topic* topic);

}  // namespace nimbus::services::sns
