#include "services/apigateway/tags.h"

#include "common/tag_keys.h"
#include "services/apigateway/errors.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {
// AWS's limit of tags on an API Gateway resource.
constexpr size_t kMaxTags = 50;
}  // namespace

std::optional<TagTarget> tag_target(std::string_view arn, std::string_view collection) {
  constexpr std::string_view kPrefix = "arn:aws:apigateway:";
  if (!arn.starts_with(kPrefix)) return std::nullopt;
  arn.remove_prefix(kPrefix.size());
  // REGION::/restapis/ID[/stages/NAME]
  size_t path = arn.find("::/");
  if (path == std::string_view::npos || path == 0) return std::nullopt;
  arn.remove_prefix(path + 3);
  if (!arn.starts_with(collection) || arn.substr(collection.size(), 1) != "/") return std::nullopt;
  arn.remove_prefix(collection.size() + 1);
  TagTarget t;
  size_t slash = arn.find('/');
  t.api = std::string(arn.substr(0, slash));
  if (t.api.empty()) return std::nullopt;
  if (slash == std::string_view::npos) return t;
  arn.remove_prefix(slash);
  constexpr std::string_view kStages = "/stages/";
  if (!arn.starts_with(kStages)) return std::nullopt;
  t.stage = std::string(arn.substr(kStages.size()));
  if (t.stage.empty() || t.stage.find('/') != std::string::npos) return std::nullopt;
  return t;
}

const json::object* tag_holder(const json::object& doc, const TagTarget& t) {
  if (t.stage.empty()) {
    const auto* api = doc.if_contains("api");
    return api != nullptr && api->is_object() ? &api->as_object() : nullptr;
  }
  const auto* stages = doc.if_contains("stages");
  if (stages == nullptr || !stages->is_object()) return nullptr;
  const auto* stage = stages->as_object().if_contains(t.stage);
  return stage != nullptr && stage->is_object() ? &stage->as_object() : nullptr;
}

json::object* tag_holder(json::object& doc, const TagTarget& t) {
  return const_cast<json::object*>(tag_holder(static_cast<const json::object&>(doc), t));
}

Status add_tags(json::object& holder, std::string_view member, const json::value* tags,
                bool aws_ok) {
  if (tags == nullptr || !tags->is_object()) return errors::bad_request("Tags must be a map");
  json::object now;
  if (const auto* was = holder.if_contains(member); was != nullptr && was->is_object()) {
    now = was->as_object();
  }
  for (const auto& [k, v] : tags->as_object()) {
    if (!aws_ok && reserved_tag_key(k)) {
      return errors::bad_request("The tag key '" + std::string(k) +
                                 "' starts with 'aws:', which is reserved for AWS use.");
    }
    if (!v.is_string())
      return errors::bad_request("The value of tag '" + std::string(k) + "' must be a string");
    now[k] = v;
  }
  if (now.size() > kMaxTags) {
    return errors::bad_request("A resource may have at most 50 tags");
  }
  holder[member] = std::move(now);
  return Status::ok();
}

Status remove_tags(json::object& holder, std::string_view member, const json::value* keys,
                   bool aws_ok) {
  if (keys == nullptr || !keys->is_array()) return errors::bad_request("TagKeys must be a list");
  for (const auto& k : keys->as_array()) {
    if (k.is_string() && !aws_ok && reserved_tag_key(k.as_string())) {
      return errors::bad_request("The tag key '" + std::string(k.as_string()) +
                                 "' starts with 'aws:', which is reserved for AWS use.");
    }
  }
  auto* now = holder.if_contains(member);
  if (now == nullptr || !now->is_object()) return Status::ok();
  for (const auto& k : keys->as_array()) {
    if (k.is_string()) now->as_object().erase(k.as_string());
  }
  return Status::ok();
}

Status check_new_tags(const json::object& in, std::string_view member, bool aws_ok) {
  if (auto why = refused_tag_keys(aws_ok, in, member, "")) return errors::bad_request(*why);
  return Status::ok();
}

}  // namespace nimbus::services::apigateway
