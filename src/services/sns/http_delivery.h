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

constexpr const char* kDefaultContentType = "text/plain; charset=UTF-8";

// The headers of a POST of `type` for subscription `sub_arn` of `topic_arn`;
// `content_type` is the requestPolicy's headerContentType (Notifications
// only: confirmations keep SNS's default).
http::Headers delivery_headers(const std::string& type, const std::string& message_id,
                               const std::string& topic_arn, const std::string& sub_arn, bool raw,
                               const std::string& content_type = kDefaultContentType);

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

// The rest of an HTTP delivery policy, with the same precedence: the
// subscription's throttlePolicy and requestPolicy, else (or always, with
// disableSubscriptionOverrides) the topic's defaultThrottlePolicy and
// defaultRequestPolicy.
struct HttpPolicy {
  int64_t max_receives_per_second = 0;  // 0: not throttled
  std::string content_type = kDefaultContentType;
};
HttpPolicy http_policy(const Subscription* s, const Topic* topic);

// A retry delay with SNS's jitter: `delay_ms` plus up to a tenth of it, by
// `random` in [0, 1). The delay never comes before the policy's target; a
// burst of failures does not retry in lockstep.
int64_t with_jitter(int64_t delay_ms, double random);

}  // namespace nimbus::services::sns
