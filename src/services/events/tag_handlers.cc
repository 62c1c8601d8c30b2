// EventBridge handlers for tags of rules and event buses (TagResource,
// UntagResource, ListTagsForResource) and the Tags of CreateEventBus and
// PutRule: at most 50 per resource, keys 1-128 and values 0-256 characters,
// keys not starting with "aws:" (except from CloudFormation).
#include "services/events/tags.h"

#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTags = 50;

// The rule or bus an ARN names.
struct Tagged {
  std::optional<Bus> bus;
  RulePtr rule;
};

Result<Tagged> tagged(const Engine& engine, const std::string& arn) {
  auto colon = arn.rfind(':');
  std::string_view rest = colon == std::string::npos ? "" : std::string_view(arn).substr(colon + 1);
  if (arn.rfind("arn:", 0) == 0 && rest.rfind("event-bus/", 0) == 0) {
    std::string name(rest.substr(10));
    Tagged t{engine.bus(name), nullptr};
    if (!t.bus) return errors::bus_not_found(name);
    return t;
  }
  if (arn.rfind("arn:", 0) == 0 && rest.rfind("rule/", 0) == 0) {
    std::string_view path = rest.substr(5);
    auto slash = path.rfind('/');
    std::string bus =
        slash == std::string_view::npos ? "default" : std::string(path.substr(0, slash));
    std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
    Tagged t{std::nullopt, engine.rule(bus, name)};
    if (!t.rule) return errors::rule_not_found(name, bus);
    return t;
  }
  return errors::validation("Parameter ResourceARN is not valid.");
}

}  // namespace

Status merge_tags(const json::object& in, std::map<std::string, std::string>& tags, bool aws_ok) {
  const auto* list = in.if_contains("Tags");
  if (list == nullptr) return Status::ok();
  if (!list->is_array()) return errors::validation("Parameter Tags is not valid.");
  auto merged = tags;
  for (const auto& t : list->as_array()) {
    if (!t.is_object() || !t.as_object().contains("Key") || !t.as_object().contains("Value")) {
      return errors::validation("Parameter Tags is not valid.");
    }
    std::string key = str(t.as_object(), "Key");
    std::string value = str(t.as_object(), "Value");
    if (key.empty() || key.size() > 128 || value.size() > 256 ||
        (!aws_ok && reserved_tag_key(key))) {
      return errors::validation("Parameter Tags is not valid.");
    }
    merged[key] = value;
  }
  if (merged.size() > kMaxTags) {
    return errors::limit("The requested resource exceeds the maximum number allowed.");
  }
  tags = std::move(merged);
  return Status::ok();
}

void EventsService::tag_resource(const CallContext& ctx, object in, Respond respond) {
  auto t = tagged(*engine_, str(in, "ResourceARN"));
  if (!t) return respond(t.error());
  if (!in.contains("Tags")) return respond(errors::validation("Parameter Tags is not valid."));
  if (t->bus) {
    Bus b = std::move(*t->bus);
    if (auto st = merge_tags(in, b.tags, takes_aws_tags(ctx)); !st) return respond(st.error());
    return engine_->put_bus(std::move(b), answer(std::move(respond)));
  }
  Rule r = *t->rule;
  if (auto st = merge_tags(in, r.tags, takes_aws_tags(ctx)); !st) return respond(st.error());
  engine_->put_rule(std::move(r), answer(std::move(respond)));
}

void EventsService::untag_resource(const CallContext&, object in, Respond respond) {
  auto t = tagged(*engine_, str(in, "ResourceARN"));
  if (!t) return respond(t.error());
  auto keys = string_list(in, "TagKeys");
  if (t->bus) {
    Bus b = std::move(*t->bus);
    for (const auto& k : keys) b.tags.erase(k);
    return engine_->put_bus(std::move(b), answer(std::move(respond)));
  }
  Rule r = *t->rule;
  for (const auto& k : keys) r.tags.erase(k);
  engine_->put_rule(std::move(r), answer(std::move(respond)));
}

Output EventsService::list_tags_for_resource(const CallContext&, const object& in) const {
  auto t = tagged(*engine_, str(in, "ResourceARN"));
  if (!t) return t.take_error();
  const auto& tags = t->bus ? t->bus->tags : t->rule->tags;
  json::array list;
  for (const auto& [k, v] : tags) list.push_back(json::object{{"Key", k}, {"Value", v}});
  return json::object{{"Tags", std::move(list)}};
}

}  // namespace nimbus::services::eventbridge
