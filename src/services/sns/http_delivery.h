// SNS's HTTP/HTTPS endpoints: the confirmation messages (their envelopes,
// formatted as SNS formats them), the `x-amz-sns-*` headers of every POST,
// and the healthyRetryPolicy that decides when a failed POST is retried.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "http/message.h"
#include "services/sns/message.h"
#include "services/sns/types.h"

namespace nimbus::services::sns {

// The x-amz-sns-message-type of a delivery: "Notification",
// "SubscriptionConfirmation" or "UnsubscribeConfirmation".
constexpr const char* kNotification = "Notification";
constexpr const char* kSubscriptionConfirmation = "SubscriptionConfirmation";
constexpr const char* kUnsubscribeConfirmation = "UnsubscribeConfirmation";

bool is_http(const std::string& protocol);

// The SubscriptionConfirmation (or UnsubscribeConfirmation) envelope for `s`
// with `token`, signed as `r` says; its SubscribeURL is ConfirmSubscription
// on `r.endpoint_url`.
std::string confirmation_envelope(const char* type, const Subscription& s,
                                  const std::string& message_id, const std::string& token,
                                  int64_t timestamp_ms, const Rendering& r);

// The SubscribeURL of a confirmation: ConfirmSubscription on the server
// with `token`, working as a plain unsigned GET.
std::string subscribe_url(const std::string& topic_arn, const std::string& token,
                          const Rendering& r);

// The headers of a POST of `type` for subscription `sub_arn` of `topic_arn`.
http::Headers delivery_headers(const std::string& type, const std::string& message_id,
                               const std::string& topic_arn, const std::string& sub_arn, bool raw);

// A healthyRetryPolicy (AWS's names, delays in seconds).
struct RetryPolicy {
  int64_t min_delay_s = 20;
  int64_t max_delay_s = 20;
  int64_t num_retries = 3;
  int64_t num_no_delay_retries = 0;
  int64_t num_min_delay_retries = 0;
  int64_t num_max_delay_retries = 0;
  std::string backoff = "linear";  // linear, arithmetic, geometric, exponential

  // Delay before retry `n` (1-based); nullopt once num_retries are spent.
  std::optional<int64_t> delay_ms(int64_t n) const;
};

// The policy that applies to `s`: its own DeliveryPolicy's
// healthyRetryPolicy, unless the topic's "http" DeliveryPolicy has
// disableSubscriptionOverrides, then the topic's defaultHealthyRetryPolicy,
// then AWS's default (3 retries 20 s apart). `topic` may be null.
RetryPolicy retry_policy(const Subscription* s, const Topic* topic);

}  // namespace nimbus::services::sns
