#include "services/sns/http_delivery.h"

#include <algorithm>
#include <cmath>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "services/sns/signing.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

std::string json_quote(std::string_view s) {
  return json::serialize(json::value(json::string(s)));
}

void read_policy(const json::object& o, RetryPolicy& p) {
  auto num = [&o](const char* name, int64_t& out) {
    if (auto v = integer(o, name)) out = *v;
  };
  num("minDelayTarget", p.min_delay_s);
  num("maxDelayTarget", p.max_delay_s);
  num("numRetries", p.num_retries);
  num("numNoDelayRetries", p.num_no_delay_retries);
  num("numMinDelayRetries", p.num_min_delay_retries);
  num("numMaxDelayRetries", p.num_max_delay_retries);
  if (auto f = str(o, "backoffFunction"); !f.empty()) p.backoff = f;
}

const json::object* member(const json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

void read_throttle(const json::object* o, HttpPolicy& p) {
  if (o == nullptr) return;
  if (auto v = integer(*o, "maxReceivesPerSecond"); v && *v > 0) p.max_receives_per_second = *v;
}

void read_request(const json::object* o, HttpPolicy& p) {
  if (o == nullptr) return;
  // A header value: no line breaks (the edge would make them spaces).
  if (auto t = str(*o, "headerContentType"); !t.empty() && t.find_first_of("\r\n") == t.npos) {
    p.content_type = t;
  }
}

// The topic's "http" policy and whether subscriptions may override it.
std::pair<const json::object*, bool> topic_http(const std::optional<json::object>& topic_policy) {
  if (!topic_policy) return {nullptr, true};
  const auto* http = member(*topic_policy, "http");
  if (http == nullptr) return {nullptr, true};
  return {http, !boolean(*http, "disableSubscriptionOverrides").value_or(false)};
}

}  // namespace

bool is_http(const std::string& protocol) {
  return protocol == "http" || protocol == "https";
}

std::string subscribe_url(const std::string& topic_arn, const std::string& token,
                          const Rendering& r) {
  return r.endpoint_url + "/?Action=ConfirmSubscription&TopicArn=" + topic_arn + "&Token=" + token;
}

std::string confirmation_envelope(const char* type, const Subscription& s,
                                  const std::string& message_id, const std::string& token,
                                  int64_t timestamp_ms, const Rendering& r) {
  bool subscribe = std::string_view(type) == kSubscriptionConfirmation;
  std::string message =
      subscribe ? "You have chosen to subscribe to the topic " + s.topic_arn +
                      ".\nTo confirm the subscription, visit the SubscribeURL included in this "
                      "message."
                : "You have chosen to deactivate subscription " + s.arn +
                      ".\nTo cancel this operation and restore the subscription, visit the "
                      "SubscribeURL included in this message.";
  std::string url = subscribe_url(s.topic_arn, token, r);
  std::string out = "{\n";
  auto field = [&out](std::string_view k, const std::string& v, bool last = false) {
    out += "  " + json_quote(k) + " : " + json_quote(v) + (last ? "\n" : ",\n");
  };
  field("Type", type);
  field("MessageId", message_id);
  field("Token", token);
  field("TopicArn", s.topic_arn);
  field("Message", message);
  field("SubscribeURL", url);
  std::string timestamp = utc_millis(timestamp_ms);
  // Signed over Message, MessageId, SubscribeURL, Timestamp, Token,
  // TopicArn, Type.
  auto sig = sign(canonical_string({{"Message", message},
                                    {"MessageId", message_id},
                                    {"SubscribeURL", url},
                                    {"Timestamp", timestamp},
                                    {"Token", token},
                                    {"TopicArn", s.topic_arn},
                                    {"Type", type}}),
                  r);
  field("Timestamp", timestamp, !sig);
  if (sig) {
    field("SignatureVersion", sig->version);
    field("Signature", sig->signature);
    field("SigningCertURL", sig->cert_url, true);
  }
  out += "}";
  return out;
}

http::Headers delivery_headers(const std::string& type, const std::string& message_id,
                               const std::string& topic_arn, const std::string& sub_arn, bool raw,
                               const std::string& content_type) {
  http::Headers h{{"x-amz-sns-message-type", type},
                  {"x-amz-sns-message-id", message_id},
                  {"x-amz-sns-topic-arn", topic_arn}};
  if (type != kSubscriptionConfirmation) h.emplace_back("x-amz-sns-subscription-arn", sub_arn);
  if (raw && type == kNotification) h.emplace_back("x-amz-sns-rawdelivery", "true");
  h.emplace_back("Content-Type", type == kNotification ? content_type : kDefaultContentType);
  return h;
}

std::optional<int64_t> RetryPolicy::delay_ms(int64_t n) const {
  if (n < 1 || n > num_retries) return std::nullopt;
  const int64_t lo = std::max<int64_t>(0, min_delay_s) * 1000;
  const int64_t hi = std::max<int64_t>(lo / 1000, max_delay_s) * 1000;
  if (n <= num_no_delay_retries) return 0;
  n -= num_no_delay_retries;
  if (n <= num_min_delay_retries) return lo;
  n -= num_min_delay_retries;
  int64_t steps =
      num_retries - num_no_delay_retries - num_min_delay_retries - num_max_delay_retries;
  if (steps <= 0 || n > steps) return hi;  // the post-backoff phase
  // Retry n of `steps` climbs from lo to hi along the backoff function.
  double t = steps == 1 ? 1.0 : static_cast<double>(n - 1) / static_cast<double>(steps - 1);
  double f = t;  // linear
  if (backoff == "arithmetic") f = t * t;
  if (backoff == "geometric") f = t * t * t;
  if (backoff == "exponential") f = (std::exp2(8 * t) - 1) / 255;
  return lo + static_cast<int64_t>(std::llround(static_cast<double>(hi - lo) * f));
}

RetryPolicy retry_policy(const Subscription* s, const Topic* topic) {
  RetryPolicy p;
  std::optional<json::object> topic_policy;
  if (const std::string* set = topic ? topic->attribute("DeliveryPolicy") : nullptr) {
    topic_policy = parse_object(*set);
  }
  auto [http, overrides] = topic_http(topic_policy);
  if (http != nullptr) {
    if (const auto* def = member(*http, "defaultHealthyRetryPolicy")) read_policy(*def, p);
  }
  if (s != nullptr && overrides) {
    auto it = s->attributes.find("DeliveryPolicy");
    if (it != s->attributes.end()) {
      if (auto o = parse_object(it->second)) {
        if (const auto* h = member(*o, "healthyRetryPolicy")) read_policy(*h, p);
      }
    }
  }
  return p;
}

HttpPolicy http_policy(const Subscription* s, const Topic* topic) {
  HttpPolicy p;
  std::optional<json::object> topic_policy;
  if (const std::string* set = topic ? topic->attribute("DeliveryPolicy") : nullptr) {
    topic_policy = parse_object(*set);
  }
  auto [http, overrides] = topic_http(topic_policy);
  if (http != nullptr) {
    read_throttle(member(*http, "defaultThrottlePolicy"), p);
    read_request(member(*http, "defaultRequestPolicy"), p);
  }
  if (s != nullptr && overrides) {
    auto it = s->attributes.find("DeliveryPolicy");
    if (it != s->attributes.end()) {
      if (auto o = parse_object(it->second)) {
        read_throttle(member(*o, "throttlePolicy"), p);
        read_request(member(*o, "requestPolicy"), p);
      }
    }
  }
  return p;
}

int64_t with_jitter(int64_t delay_ms, double random) {
  if (delay_ms <= 0) return delay_ms;
  random = std::clamp(random, 0.0, 1.0);
  return delay_ms + static_cast<int64_t>(static_cast<double>(delay_ms / 10) * random);
}

}  // namespace nimbus::services::sns
