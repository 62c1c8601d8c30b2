// SNS handlers for topics: create (idempotent), delete, list, attributes,
// tags and the data-protection policy.
#include <algorithm>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/sns/attributes.h"
#include "services/sns/errors.h"
#include "services/sns/sns_service.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

constexpr size_t kTopicsPerPage = 100;
constexpr size_t kMaxTags = 50;

// "arn:aws:sns:REGION:ACCOUNT:", the prefix of a caller's topics.
std::string arn_prefix(const CallContext& ctx) {
  return "arn:aws:sns:" + ctx.region + ":" + ctx.account_id + ":";
}

// CreateTopic's attribute errors read "Invalid parameter: Attributes
// Reason: <what SetTopicAttributes would say>".
Error in_topic_attributes(Error e) {
  constexpr std::string_view kPrefix = "Invalid parameter: ";
  if (e.code == "InvalidParameterException" && e.message.rfind(kPrefix, 0) == 0) {
    e.message = "Invalid parameter: Attributes Reason: " + e.message.substr(kPrefix.size());
  }
  return e;
}

bool same_value(const std::string& name, const std::string& a, const std::string& b) {
  if (name == "Policy" || name == "DeliveryPolicy") {
    auto x = parse_object(a);
    auto y = parse_object(b);
    if (x && y) return *x == *y;
  }
  return a == b;
}

// Tags of a request ([{Key, Value}]) checked as SNS does; "aws:" keys only
// from CloudFormation (takes_aws_tags).
Result<AttributeMap> read_tags(const CallContext& ctx, const json::object& in) {
  AttributeMap tags;
  const auto* list = in.if_contains("Tags");
  if (list == nullptr || !list->is_array()) return tags;
  for (const auto& t : list->as_array()) {
    if (!t.is_object()) continue;
    std::string key = str(t.as_object(), "Key");
    std::string value = str(t.as_object(), "Value");
    if (key.empty() || key.size() > 128) {
      return errors::invalid("Tag Key", "Tag keys must be between 1 and 128 characters");
    }
    if (value.size() > 256) {
      return errors::invalid("Tag Value", "Tag values may only be up to 256 characters");
    }
    if (reserved_tag_key(key) && !takes_aws_tags(ctx)) {
      return errors::invalid("Tag Key", "Tag keys must not start with the reserved prefix aws:");
    }
    if (!tags.emplace(key, value).second)
      return errors::invalid("Duplicated keys are not allowed.");
  }
  if (tags.size() > kMaxTags) return errors::tag_limit();
  return tags;
}

}  // namespace

void SnsService::create_topic(const CallContext& ctx, object in, Respond respond) {
  std::string name = str(in, "Name");
  AttributeMap requested;
  if (const auto* a = in.if_contains("Attributes"); a != nullptr && a->is_object()) {
    for (const auto& [k, v] : a->as_object()) {
      requested[std::string(k)] = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
    }
  }
  bool fifo = false;
  if (auto it = requested.find("FifoTopic"); it != requested.end()) {
    auto v = check_topic_attribute("FifoTopic", it->second, false, true);
    if (!v) return respond(in_topic_attributes(v.take_error()));
    fifo = *v == "true";
  }
  if (auto st = check_topic_name(name, fifo); !st) return respond(st.take_error());
  Topic t;
  t.arn = arn_prefix(ctx) + name;
  t.name = name;
  t.account = ctx.account_id;
  t.fifo = fifo;
  for (const auto& [k, v] : requested) {
    auto checked = check_topic_attribute(k, v, fifo, true);
    if (!checked) return respond(in_topic_attributes(checked.take_error()));
    if (k != "FifoTopic") t.attributes[k] = *checked;
  }
  auto tags = read_tags(ctx, in);
  if (!tags) return respond(tags.take_error());
  t.tags = *tags;
  t.data_protection_policy = str(in, "DataProtectionPolicy");
  if (!t.data_protection_policy.empty() && !parse_object(t.data_protection_policy)) {
    return respond(errors::invalid("DataProtectionPolicy", "failed to parse JSON"));
  }
  // An existing topic answers when the request asks for what it has.
  auto same = [requested, tags = *tags, fifo](const Topic& existing) -> Status {
    auto have = topic_attributes(existing, {});
    for (const auto& [k, v] : requested) {
      auto checked = check_topic_attribute(k, v, fifo, true);
      std::string want = checked ? *checked : v;
      std::string got = have.contains(k) ? str(have, k) : (k == "FifoTopic" ? "false" : "");
      if (!same_value(k, want, got)) {
        return errors::invalid("Attributes", "Topic already exists with different attributes");
      }
    }
    if (!tags.empty() && tags != existing.tags) {
      return errors::invalid("Tags", "Topic already exists with different tags");
    }
    return Status::ok();
  };
  topics_->create(std::move(t), same,
                  [arn = arn_prefix(ctx) + name, respond = std::move(respond)](Status st) {
                    if (!st) return respond(st.take_error());
                    respond(json::object{{"TopicArn", arn}});
                  });
}

void SnsService::delete_topic(const CallContext&, object in, Respond respond) {
  std::string arn = str(in, "TopicArn");
  if (arn.ends_with(".fifo")) forget_fifo_window(arn);
  topics_->remove(arn, empty_on_ok(std::move(respond)));
}

Output SnsService::list_topics(const CallContext& ctx, const object& in) const {
  std::string after;
  if (std::string token = str(in, "NextToken"); !token.empty()) {
    auto decoded = base64_decode(token);
    if (!decoded || decoded->rfind(arn_prefix(ctx), 0) != 0) {
      return errors::invalid("NextToken");
    }
    after = *decoded;
  }
  auto page = topics_->list(arn_prefix(ctx), after, kTopicsPerPage + 1);
  json::array topics;
  for (size_t i = 0; i < page.size() && i < kTopicsPerPage; ++i) {
    topics.push_back(json::object{{"TopicArn", page[i]->arn}});
  }
  json::object out{{"Topics", std::move(topics)}};
  if (page.size() > kTopicsPerPage) out["NextToken"] = base64_encode(page[kTopicsPerPage - 1]->arn);
  return out;
}

Output SnsService::get_topic_attributes(const CallContext&, const object& in) const {
  auto t = topics_->find(str(in, "TopicArn"));
  if (!t) return errors::topic_not_found();
  return json::object{{"Attributes", topic_attributes(*t, topics_->counts(t->arn))}};
}

void SnsService::set_topic_attributes(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "AttributeName");
  std::string value = str(in, "AttributeValue");
  topics_->update(
      str(in, "TopicArn"),
      [&](Topic& t) -> Status {
        auto checked = check_topic_attribute(name, value, t.fifo, false);
        if (!checked) return checked.take_error();
        // An empty value resets what has a default (DisplayName, Policy, ...).
        if (checked->empty() && name != "DisplayName") {
          t.attributes.erase(name);
        } else {
          t.attributes[name] = *checked;
        }
        return Status::ok();
      },
      empty_on_ok(std::move(respond)));
}

void SnsService::tag_resource(const CallContext& ctx, object in, Respond respond) {
  auto tags = read_tags(ctx, in);
  if (!tags) return respond(tags.take_error());
  std::string arn = str(in, "ResourceArn");
  if (!topics_->find(arn)) return respond(errors::resource_not_found());
  topics_->update(
      arn,
      [&](Topic& t) -> Status {
        AttributeMap next = t.tags;
        for (const auto& [k, v] : *tags) next[k] = v;
        if (next.size() > kMaxTags) return errors::tag_limit();
        t.tags = std::move(next);
        return Status::ok();
      },
      empty_on_ok(std::move(respond)));
}

void SnsService::untag_resource(const CallContext& ctx, object in, Respond respond) {
  std::string arn = str(in, "ResourceArn");
  if (!topics_->find(arn)) return respond(errors::resource_not_found());
  std::vector<std::string> keys;
  if (const auto* list = in.if_contains("TagKeys"); list != nullptr && list->is_array()) {
    for (const auto& k : list->as_array()) {
      if (k.is_string()) keys.emplace_back(k.as_string());
    }
  }
  for (const auto& k : keys) {
    if (reserved_tag_key(k) && !takes_aws_tags(ctx)) {
      return respond(
          errors::invalid("Tag Key", "Tag keys must not start with the reserved prefix aws:"));
    }
  }
  topics_->update(
      arn,
      [&](Topic& t) -> Status {
        for (const auto& k : keys) t.tags.erase(k);
        return Status::ok();
      },
      empty_on_ok(std::move(respond)));
}

Output SnsService::list_tags_for_resource(const CallContext&, const object& in) const {
  auto t = topics_->find(str(in, "ResourceArn"));
  if (!t) return errors::resource_not_found();
  json::array tags;
  for (const auto& [k, v] : t->tags) tags.push_back(json::object{{"Key", k}, {"Value", v}});
  return json::object{{"Tags", std::move(tags)}};
}

void SnsService::put_data_protection_policy(const CallContext&, object in, Respond respond) {
  std::string policy = str(in, "DataProtectionPolicy");
  if (!parse_object(policy)) {
    return respond(errors::invalid("DataProtectionPolicy", "failed to parse JSON"));
  }
  topics_->update(
      str(in, "ResourceArn"),
      [&](Topic& t) -> Status {
        t.data_protection_policy = policy;
        return Status::ok();
      },
      empty_on_ok(std::move(respond)));
}

Output SnsService::get_data_protection_policy(const CallContext&, const object& in) const {
  auto t = topics_->find(str(in, "ResourceArn"));
  if (!t) return errors::topic_not_found();
  json::object out;
  if (!t->data_protection_policy.empty()) out["DataProtectionPolicy"] = t->data_protection_policy;
  return out;
}

}  // namespace nimbus::services::sns
