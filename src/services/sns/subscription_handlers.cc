// SNS handlers for subscriptions: Subscribe, ConfirmSubscription,
// Unsubscribe, their attributes and the two listings.
#include <algorithm>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/sns/attributes.h"
#include "services/sns/errors.h"
#include "services/sns/filter_policy.h"
#include "services/sns/http_delivery.h"
#include "services/sns/mail.h"
#include "services/sns/sns_service.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

constexpr size_t kSubscriptionsPerPage = 100;

// Protocols whose endpoints AWS confirms at once (same-account resources);
// the others wait for ConfirmSubscription.
bool confirmed_at_once(const std::string& protocol) {
  return protocol == "sqs" || protocol == "lambda" || protocol == "firehose" ||
         protocol == "application" || protocol == "sms";
}

Status check_endpoint(const std::string& protocol, const std::string& endpoint,
                      const Topic& topic) {
  auto arn_of = [&](const char* service) {
    return endpoint.rfind(std::string("arn:aws:") + service + ":", 0) == 0 &&
           std::count(endpoint.begin(), endpoint.end(), ':') >= 5;
  };
  if (protocol == "sqs") {
    if (!arn_of("sqs")) return errors::invalid("SQS endpoint ARN");
    bool fifo_queue = endpoint.size() > 5 && endpoint.substr(endpoint.size() - 5) == ".fifo";
    if (fifo_queue && !topic.fifo) {
      return errors::invalid(
          "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard "
          "SNS topics");
    }
  } else if (protocol == "lambda") {
    if (!arn_of("lambda")) return errors::invalid("Lambda endpoint ARN");
  } else if (protocol == "firehose") {
    if (!arn_of("firehose")) return errors::invalid("Firehose endpoint ARN");
  } else if (protocol == "application") {
    if (!arn_of("sns")) return errors::invalid("Application endpoint ARN");
  } else if (protocol == "http" || protocol == "https") {
    if (endpoint.rfind(protocol + "://", 0) != 0 || endpoint.size() <= protocol.size() + 3) {
      return errors::invalid("Endpoint must match the specified protocol");
    }
  } else if (protocol == "email" || protocol == "email-json") {
    // One @ between a local part and a domain, nothing that would end an
    // SMTP command or an address (spaces, controls, <>, quotes).
    auto at = endpoint.find('@');
    bool bad_char = std::any_of(endpoint.begin(), endpoint.end(), [](char c) {
      auto u = static_cast<unsigned char>(c);
      return u <= 0x20 || u == 0x7f ||
             std::string_view("<>()[]\\,;:\"").find(c) != std::string_view::npos;
    });
    if (at == std::string::npos || at == 0 || at + 1 == endpoint.size() ||
        endpoint.find('@', at + 1) != std::string::npos || bad_char) {
      return errors::invalid("Email address");
    }
  } else if (protocol == "sms") {
    std::string digits = endpoint;
    std::erase_if(digits, [](char c) { return c == '-' || c == '.' || c == ' '; });
    if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
    if (digits.size() < 7 || digits.size() > 15 ||
        !std::all_of(digits.begin(), digits.end(), ::isdigit)) {
      return errors::invalid("Invalid SMS endpoint: " + endpoint);
    }
  } else {
    return errors::invalid("Amazon SNS does not support this protocol string: " + protocol);
  }
  if (topic.fifo && protocol != "sqs") {
    return errors::invalid("Invalid protocol type: " + protocol);
  }
  return Status::ok();
}

// Subscribe's attribute errors read "Invalid parameter: Attributes Reason:
// <what SetSubscriptionAttributes would say>" (FilterPolicy keeps its own).
Error in_subscription_attributes(Error e) {
  constexpr std::string_view kPrefix = "Invalid parameter: ";
  if (e.code == "InvalidParameterException" && e.message.rfind(kPrefix, 0) == 0 &&
      e.message.rfind("Invalid parameter: FilterPolicy", 0) != 0) {
    e.message = "Invalid parameter: Attributes Reason: " + e.message.substr(kPrefix.size());
  }
  return e;
}

// A confirmation token: 128 hex digits, as long as AWS's.
std::string new_token() {
  std::string t;
  while (t.size() < 128) {
    std::string id = new_request_id();
    std::erase(id, '-');
    t += id;
  }
  return t.substr(0, 128);
}

json::object listed(const Subscription& s) {
  return {{"SubscriptionArn", s.confirmed ? s.arn : std::string("PendingConfirmation")},
          {"Owner", s.owner},
          {"Protocol", s.protocol},
          {"Endpoint", s.endpoint},
          {"TopicArn", s.topic_arn}};
}

Output page(const std::vector<SubscriptionPtr>& subs) {
  json::array list;
  for (size_t i = 0; i < subs.size() && i < kSubscriptionsPerPage; ++i) {
    list.push_back(listed(*subs[i]));
  }
  json::object out{{"Subscriptions", std::move(list)}};
  if (subs.size() > kSubscriptionsPerPage) {
    out["NextToken"] = base64_encode(subs[kSubscriptionsPerPage - 1]->arn);
  }
  return out;
}

Result<std::string> after_token(const json::object& in, std::string_view prefix) {
  std::string token = str(in, "NextToken");
  if (token.empty()) return std::string();
  auto decoded = base64_decode(token);
  if (!decoded || decoded->rfind(prefix, 0) != 0) return errors::invalid("NextToken");
  return *decoded;
}

// Sets attribute `name` on `s`, checked as SetSubscriptionAttributes does,
// keeping FilterPolicy valid under FilterPolicyScope and the compiled
// filter current.
Status set_attribute(Subscription& s, const std::string& name, const std::string& value) {
  std::string scope = s.attributes.count("FilterPolicyScope") ? s.attributes["FilterPolicyScope"]
                                                              : "MessageAttributes";
  auto checked = check_subscription_attribute(name, value, s.protocol, scope);
  if (!checked) return checked.take_error();
  if (name == "FilterPolicyScope" && s.attributes.count("FilterPolicy")) {
    auto again = check_subscription_attribute("FilterPolicy", s.attributes["FilterPolicy"],
                                              s.protocol, *checked);
    if (!again) return again.take_error();
  }
  if (checked->empty()) {
    s.attributes.erase(name);
  } else {
    s.attributes[name] = *checked;
  }
  s.filter = compile_filter(s);
  return Status::ok();
}

}  // namespace

void SnsService::subscribe(const CallContext& ctx, object in, Respond respond) {
  auto topic = topics_->find(str(in, "TopicArn"));
  if (!topic) return respond(errors::topic_not_found());
  std::string protocol = str(in, "Protocol");
  std::string endpoint = str(in, "Endpoint");
  if (auto st = check_endpoint(protocol, endpoint, *topic); !st) return respond(st.take_error());
  Subscription sub;
  sub.arn = topic->arn + ":" + new_request_id();
  sub.topic_arn = topic->arn;
  sub.protocol = protocol;
  sub.endpoint = endpoint;
  sub.owner = ctx.account_id;
  sub.confirmed = confirmed_at_once(protocol);
  if (!sub.confirmed) sub.token = new_token();
  AttributeMap requested;
  if (const auto* a = in.if_contains("Attributes"); a != nullptr && a->is_object()) {
    for (const auto& [k, v] : a->as_object()) {
      requested[std::string(k)] = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
    }
  }
  // The scope first: the policy is checked against it.
  if (auto it = requested.find("FilterPolicyScope"); it != requested.end()) {
    if (auto st = set_attribute(sub, it->first, it->second); !st) {
      return respond(in_subscription_attributes(st.take_error()));
    }
  }
  for (const auto& [k, v] : requested) {
    if (k == "FilterPolicyScope") continue;
    if (auto st = set_attribute(sub, k, v); !st)
      return respond(in_subscription_attributes(st.take_error()));
  }
  bool return_arn = boolean(in, "ReturnSubscriptionArn").value_or(false);
  auto same = [wanted = sub.attributes](const Subscription& existing) -> Status {
    for (const auto& [k, v] : wanted) {
      auto it = existing.attributes.find(k);
      if (it == existing.attributes.end() || it->second != v) {
        return errors::invalid("Attributes",
                               "Subscription already exists with different attributes");
      }
    }
    return Status::ok();
  };
  topics_->subscribe(
      std::move(sub), same,
      [this, return_arn, url = ctx.endpoint_url,
       respond = std::move(respond)](Result<SubscriptionPtr> r) mutable {
        if (!r) return respond(r.take_error());
        SubscriptionPtr s = *r;
        json::object out{{"SubscriptionArn", s->confirmed || return_arn
                                                 ? s->arn
                                                 : std::string("pending confirmation")}};
        if (s->confirmed || !(is_http(s->protocol) || is_mail(s->protocol))) {
          return respond(std::move(out));
        }
        // The SubscriptionConfirmation POST (again for a repeated Subscribe),
        // durable before Subscribe answers.
        send_confirmation(kSubscriptionConfirmation, s, s->token, url,
                          [out = std::move(out), respond = std::move(respond)](Status st) mutable {
                            if (!st) return respond(st.take_error());
                            respond(std::move(out));
                          });
      });
}

void SnsService::confirm_subscription(const CallContext&, object in, Respond respond) {
  std::string topic_arn = str(in, "TopicArn");
  std::string token = str(in, "Token");
  if (!topics_->find(topic_arn)) return respond(errors::topic_not_found());
  SubscriptionPtr pending;
  for (const auto& s : topics_->subscriptions(topic_arn)) {
    if (!token.empty() && s->token == token) pending = s;
  }
  if (!pending) return respond(errors::invalid("Token"));
  topics_->update_subscription(
      pending->arn,
      [](Subscription& s) {
        s.confirmed = true;
        return Status::ok();
      },
      [respond = std::move(respond)](Result<SubscriptionPtr> r) {
        if (!r) return respond(r.take_error());
        respond(json::object{{"SubscriptionArn", (*r)->arn}});
      });
}

void SnsService::send_confirmation(const char* type, SubscriptionPtr sub, std::string token,
                                   std::string endpoint_url, std::function<void(Status)> done) {
  auto queue = [this, type, sub = std::move(sub), token = std::move(token),
                endpoint_url = std::move(endpoint_url), done = std::move(done)]() mutable {
    queue_confirmation(type, *sub, token, endpoint_url, std::move(done));
  };
  if (signer_ == nullptr) return queue();
  // Now, or once a fresh data directory's key is made (signing.h).
  signer_->when_ready(std::move(queue));
}

void SnsService::queue_confirmation(const char* type, const Subscription& s,
                                    const std::string& token, const std::string& endpoint_url,
                                    std::function<void(Status)> done) {
  events::Delivery d;
  d.id = new_request_id();
  d.source_arn = s.topic_arn;
  if (is_mail(s.protocol)) {
    d.body = confirmation_mail(s, d.id, token, env_.clock.now_millis(),
                               rendering(endpoint_url, s.topic_arn));
  } else {
    d.body = confirmation_envelope(type, s, d.id, token, env_.clock.now_millis(),
                                   rendering(endpoint_url, s.topic_arn));
  }
  std::string key = d.id;
  deliveries_->queue(s, key, std::move(d), std::move(done), type);
}

void SnsService::unsubscribe(const CallContext& ctx, object in, Respond respond) {
  std::string arn = str(in, "SubscriptionArn");
  if (arn.rfind("arn:aws:sns:", 0) != 0) return respond(errors::invalid("SubscriptionArn"));
  auto gone = topics_->find_subscription(arn);
  topics_->unsubscribe(
      arn, [this, gone, url = ctx.endpoint_url, respond = std::move(respond)](Status st) mutable {
        if (!st) return respond(st.take_error());
        if (!gone || !gone->confirmed || !is_http(gone->protocol)) return respond(json::object{});
        // The endpoint hears of it (UnsubscribeConfirmation); its SubscribeURL
        // carries a fresh token that no subscription holds any more.
        send_confirmation(kUnsubscribeConfirmation, gone, new_token(), url,
                          [respond = std::move(respond)](Status) { respond(json::object{}); });
      });
}

Output SnsService::get_subscription_attributes(const CallContext&, const object& in) const {
  auto s = topics_->find_subscription(str(in, "SubscriptionArn"));
  if (!s) return errors::subscription_not_found();
  auto topic = topics_->find(s->topic_arn);
  return json::object{{"Attributes", subscription_attributes(*s, topic.get())}};
}

void SnsService::set_subscription_attributes(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "AttributeName");
  std::string value = str(in, "AttributeValue");
  topics_->update_subscription(
      str(in, "SubscriptionArn"), [&](Subscription& s) { return set_attribute(s, name, value); },
      [respond = std::move(respond)](Result<SubscriptionPtr> r) {
        if (!r) return respond(r.take_error());
        respond(json::object{});
      });
}

Output SnsService::list_subscriptions(const CallContext& ctx, const object& in) const {
  std::string prefix = "arn:aws:sns:" + ctx.region + ":" + ctx.account_id + ":";
  auto after = after_token(in, prefix);
  if (!after) return after.take_error();
  return page(topics_->list_subscriptions(prefix, *after, kSubscriptionsPerPage + 1));
}

Output SnsService::list_subscriptions_by_topic(const CallContext&, const object& in) const {
  std::string topic = str(in, "TopicArn");
  if (!topics_->find(topic)) return errors::topic_not_found();
  auto after = after_token(in, topic + ":");
  if (!after) return after.take_error();
  return page(topics_->list_subscriptions(topic + ":", *after, kSubscriptionsPerPage + 1));
}

}  // namespace nimbus::services::sns
