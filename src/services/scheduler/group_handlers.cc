// Scheduler handlers for schedule groups (the `default` group always
// exists) and their tags.
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/scheduler/errors.h"
#include "services/scheduler/scheduler_service.h"

namespace nimbus::services::scheduler {

namespace json = boost::json;

namespace {

// The group a tagging ARN names ("" when it names none).
std::string group_of_arn(const std::string& arn) {
  auto at = arn.find(":schedule-group/");
  return at == std::string::npos ? std::string() : arn.substr(at + 16);
}

void merge_tags(Group& g, const json::object& in) {
  const auto* list = in.if_contains("Tags");
  if (list == nullptr || !list->is_array()) return;
  for (const auto& t : list->as_array()) {
    if (!t.is_object()) continue;
    std::string key = str(t.as_object(), "Key");
    std::string value = str(t.as_object(), "Value");
    auto it = std::find_if(g.tags.begin(), g.tags.end(), [&](auto& kv) { return kv.first == key; });
    if (it != g.tags.end()) {
      it->second = value;
    } else {
      g.tags.emplace_back(key, value);
    }
  }
}

}  // namespace

void SchedulerService::create_schedule_group(const CallContext& ctx, object in, Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return respond(errors::validation(*why));
  }
  std::string name = str(in, "Name");
  if (!valid_name(name)) return respond(errors::validation("Invalid group name " + name + "."));
  std::string token = str(in, "ClientToken");
  if (auto old = engine_->group(name)) {
    if (!token.empty() && token == old->client_token) {
      return respond(json::object{{"ScheduleGroupArn", old->arn}});
    }
    return respond(errors::conflict("Schedule group " + name + " already exists."));
  }
  Group g;
  g.name = name;
  g.arn = engine_->group_arn(name);
  g.created_ms = g.modified_ms = env_.clock.now_millis();
  g.client_token = token;
  merge_tags(g, in);
  std::string arn = g.arn;
  engine_->put_group(std::move(g), answer(std::move(respond), {{"ScheduleGroupArn", arn}}));
}

Output SchedulerService::get_schedule_group(const CallContext&, const object& in) const {
  std::string name = str(in, "Name");
  auto g = engine_->group(name);
  if (!g) return errors::group_not_found(name);
  return g->describe();
}

void SchedulerService::delete_schedule_group(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  if (name == "default") {
    return respond(errors::validation("The default schedule group cannot be deleted."));
  }
  if (!engine_->group(name)) return respond(errors::group_not_found(name));
  engine_->delete_group(name, answer(std::move(respond)));
}

Output SchedulerService::list_schedule_groups(const CallContext&, const object& in) const {
  std::string prefix = str(in, "NamePrefix");
  int64_t limit = integer(in, "MaxResults").value_or(100);
  std::string after = str(in, "NextToken");
  json::array list;
  std::string next;
  for (const auto& g : engine_->groups()) {
    if (g.name.rfind(prefix, 0) != 0 || (!after.empty() && g.name <= after)) continue;
    if (static_cast<int64_t>(list.size()) == limit) {
      next = str(list.back().as_object(), "Name");
      break;
    }
    list.push_back(g.describe());
  }
  json::object out{{"ScheduleGroups", std::move(list)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

void SchedulerService::tag_resource(const CallContext& ctx, object in, Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return respond(errors::validation(*why));
  }
  std::string arn = str(in, "ResourceArn");
  auto g = engine_->group(group_of_arn(arn));
  if (!g) return respond(errors::group_not_found(group_of_arn(arn)));
  merge_tags(*g, in);
  if (g->tags.size() > 200) {
    return respond(errors::validation("A resource can have at most 200 tags."));
  }
  g->modified_ms = env_.clock.now_millis();
  engine_->put_group(std::move(*g), answer(std::move(respond)));
}

void SchedulerService::untag_resource(const CallContext& ctx, object in, Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return respond(errors::validation(*why));
  }
  std::string arn = str(in, "ResourceArn");
  auto g = engine_->group(group_of_arn(arn));
  if (!g) return respond(errors::group_not_found(group_of_arn(arn)));
  auto keys = string_list(in, "TagKeys");
  std::erase_if(g->tags, [&](const auto& kv) {
    return std::find(keys.begin(), keys.end(), kv.first) != keys.end();
  });
  g->modified_ms = env_.clock.now_millis();
  engine_->put_group(std::move(*g), answer(std::move(respond)));
}

Output SchedulerService::list_tags_for_resource(const CallContext&, const object& in) const {
  std::string arn = str(in, "ResourceArn");
  auto g = engine_->group(group_of_arn(arn));
  if (!g) return errors::group_not_found(group_of_arn(arn));
  json::array tags;
  for (const auto& [k, v] : g->tags) tags.push_back(json::object{{"Key", k}, {"Value", v}});
  return json::object{{"Tags", std::move(tags)}};
}

}  // namespace nimbus::services::scheduler
