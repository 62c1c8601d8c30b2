// Log group tags: CreateLogGroup's `tags`, TagResource / UntagResource /
// ListTagsForResource on a log group's ARN, and the older TagLogGroup /
// UntagLogGroup / ListTagsLogGroup by name (the CLI still has them).
#include <algorithm>

#include "common/tag_keys.h"
#include "services/logs/errors.h"
#include "services/logs/input.h"
#include "services/logs/logs_service.h"

namespace nimbus::services::logs {

namespace json = boost::json;

namespace {

// A `tags` map member, with AWS's checks; aws: keys only from CloudFormation.
Result<std::map<std::string, std::string>> tag_map(const json::object& in, const char* member,
                                                   const CallContext& ctx) {
  std::map<std::string, std::string> out;
  const auto* v = in.if_contains(member);
  if (v == nullptr) return out;
  if (!v->is_object()) return errors::invalid(std::string(member) + " must be a map.");
  for (const auto& [k, x] : v->as_object()) {
    std::string key(k);
    if (key.empty() || key.size() > 128) {
      return errors::invalid("Tag keys must be between 1 and 128 characters.");
    }
    if (!x.is_string() || x.as_string().size() > 256) {
      return errors::invalid("Tag values must be strings of at most 256 characters.");
    }
    if (reserved_tag_key(key) && !takes_aws_tags(ctx)) {
      return errors::invalid("Tag keys starting with 'aws:' are reserved for AWS use.");
    }
    out[key] = std::string(x.as_string());
  }
  if (out.size() > 50) return errors::too_many_tags();
  return out;
}

Result<std::vector<std::string>> tag_keys(const json::object& in, const char* member,
                                          const CallContext& ctx) {
  std::vector<std::string> out;
  const auto* v = in.if_contains(member);
  if (v == nullptr || !v->is_array()) {
    return errors::invalid(std::string(member) + " must be a list of tag keys.");
  }
  for (const auto& k : v->as_array()) {
    if (!k.is_string()) return errors::invalid(std::string(member) + " must hold strings.");
    std::string key(k.as_string());
    if (reserved_tag_key(key) && !takes_aws_tags(ctx)) {
      return errors::invalid("Tag keys starting with 'aws:' are reserved for AWS use.");
    }
    out.push_back(std::move(key));
  }
  return out;
}

// The group a resourceArn names: arn:aws:logs:R:A:log-group:NAME (":*" at
// the end is taken too, as DescribeLogGroups writes it).
Result<std::string> group_of_arn(const std::string& arn) {
  static constexpr std::string_view kMarker = ":log-group:";
  auto at = arn.find(kMarker);
  if (!arn.starts_with("arn:") || at == std::string::npos) {
    return errors::invalid("Invalid resourceArn: " + arn);
  }
  std::string name = arn.substr(at + kMarker.size());
  if (name.ends_with(":*")) name.resize(name.size() - 2);
  if (name.empty() || name.find(':') != std::string::npos) {
    return errors::invalid("Invalid resourceArn: " + arn);
  }
  return name;
}

json::object tags_json(const std::map<std::string, std::string>& tags) {
  json::object o;
  for (const auto& [k, v] : tags) o[k] = v;
  return o;
}

}  // namespace

void LogsService::create_log_group(const CallContext& ctx, json::object in, Respond respond) {
  auto name = input::group_name(in);
  if (!name) return respond(name.take_error());
  auto tags = tag_map(in, "tags", ctx);
  if (!tags) return respond(tags.take_error());
  store_->create_group(*name, std::move(*tags), answer_empty(std::move(respond)));
}

void LogsService::tag_log_group(const CallContext& ctx, json::object in, Respond respond) {
  auto name = input::group_name(in);
  if (!name) return respond(name.take_error());
  auto tags = tag_map(in, "tags", ctx);
  if (!tags) return respond(tags.take_error());
  store_->retag(*name, *tags, {}, answer_empty(std::move(respond)));
}

void LogsService::untag_log_group(const CallContext& ctx, json::object in, Respond respond) {
  auto name = input::group_name(in);
  if (!name) return respond(name.take_error());
  auto keys = tag_keys(in, "tags", ctx);
  if (!keys) return respond(keys.take_error());
  store_->retag(*name, {}, *keys, answer_empty(std::move(respond)));
}

Output LogsService::list_tags_log_group(const CallContext&, const json::object& in) const {
  auto name = input::group_name(in);
  if (!name) return name.take_error();
  auto g = store_->group(*name);
  if (!g) return errors::group_not_found();
  return json::object{{"tags", tags_json(g->tags)}};
}

void LogsService::tag_resource(const CallContext& ctx, json::object in, Respond respond) {
  auto name = group_of_arn(input::str(in, "resourceArn"));
  if (!name) return respond(name.take_error());
  auto tags = tag_map(in, "tags", ctx);
  if (!tags) return respond(tags.take_error());
  store_->retag(*name, *tags, {}, answer_empty(std::move(respond)));
}

void LogsService::untag_resource(const CallContext& ctx, json::object in, Respond respond) {
  auto name = group_of_arn(input::str(in, "resourceArn"));
  if (!name) return respond(name.take_error());
  auto keys = tag_keys(in, "tagKeys", ctx);
  if (!keys) return respond(keys.take_error());
  store_->retag(*name, {}, *keys, answer_empty(std::move(respond)));
}

Output LogsService::list_tags_for_resource(const CallContext&, const json::object& in) const {
  auto name = group_of_arn(input::str(in, "resourceArn"));
  if (!name) return name.take_error();
  auto g = store_->group(*name);
  if (!g) return errors::group_not_found();
  return json::object{{"tags", tags_json(g->tags)}};
}

}  // namespace nimbus::services::logs
