// Kinesis handlers for tags: the stream forms (AddTagsToStream, ...) and the
// resource forms by ARN (TagResource, ...), on the same tags.
#include "common/tag_keys.h"
#include "services/kinesis/input.h"
#include "services/kinesis/kinesis_service.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTags = 50;

json::array tag_list(const std::map<std::string, std::string>& tags, const std::string& after,
                     size_t limit, bool* more) {
  json::array out;
  for (const auto& [k, v] : tags) {
    if (!after.empty() && k <= after) continue;
    if (out.size() == limit) {
      if (more) *more = true;
      break;
    }
    out.push_back(json::object{{"Key", k}, {"Value", v}});
  }
  return out;
}

Result<std::string> resource_stream(const json::object& in) {
  std::string arn = str(in, "ResourceARN");
  std::string name = input::name_in_arn(arn);
  if (name.empty() || arn.find("/consumer/") != std::string::npos) {
    return errors::invalid("Invalid ResourceARN: " + arn +
                           ". Only stream ARNs take tags on this server.");
  }
  return name;
}

}  // namespace

void KinesisService::add_tags(const std::string& name, std::map<std::string, std::string> tags,
                              Respond respond) {
  const std::string& account = engine_->account();
  engine_->update(
      name,
      [&](Stream& s) -> Status {
        for (auto& [k, v] : tags) s.tags[k] = v;
        if (s.tags.size() > kMaxTags) {
          return errors::invalid("Failed to add tags to stream " + name + " under account " +
                                 account +
                                 " because a given stream cannot have more than 50 tags.");
        }
        return Status::ok();
      },
      [respond = std::move(respond)](Status st) {
        if (!st) return respond(st.take_error());
        respond(json::object{});
      });
}

void KinesisService::remove_tags(const std::string& name, std::vector<std::string> keys,
                                 Respond respond) {
  engine_->update(
      name,
      [&](Stream& s) -> Status {
        for (const auto& k : keys) s.tags.erase(k);
        return Status::ok();
      },
      [respond = std::move(respond)](Status st) {
        if (!st) return respond(st.take_error());
        respond(json::object{});
      });
}

void KinesisService::add_tags_to_stream(const CallContext& ctx, json::object in, Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return respond(errors::invalid(*why));
  }
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  add_tags(*name, string_map(in, "Tags"), std::move(respond));
}

void KinesisService::remove_tags_from_stream(const CallContext& ctx, json::object in,
                                             Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return respond(errors::invalid(*why));
  }
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  remove_tags(*name, string_list(in, "TagKeys"), std::move(respond));
}

Output KinesisService::list_tags_for_stream(const CallContext&, const json::object& in) const {
  auto name = input::stream_name(in);
  if (!name) return name.take_error();
  auto s = engine_->find(*name);
  if (!s) return errors::stream_not_found(*name, engine_->account());
  bool more = false;
  size_t limit = static_cast<size_t>(integer(in, "Limit").value_or(50));
  auto tags = tag_list(s->tags, str(in, "ExclusiveStartTagKey"), limit, &more);
  return json::object{{"Tags", std::move(tags)}, {"HasMoreTags", more}};
}

void KinesisService::tag_resource(const CallContext& ctx, json::object in, Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return respond(errors::invalid(*why));
  }
  auto name = resource_stream(in);
  if (!name) return respond(name.take_error());
  add_tags(*name, string_map(in, "Tags"), std::move(respond));
}

void KinesisService::untag_resource(const CallContext& ctx, json::object in, Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return respond(errors::invalid(*why));
  }
  auto name = resource_stream(in);
  if (!name) return respond(name.take_error());
  remove_tags(*name, string_list(in, "TagKeys"), std::move(respond));
}

Output KinesisService::list_tags_for_resource(const CallContext&, const json::object& in) const {
  auto name = resource_stream(in);
  if (!name) return name.take_error();
  auto s = engine_->find(*name);
  if (!s) return errors::stream_not_found(*name, engine_->account());
  return json::object{{"Tags", tag_list(s->tags, "", kMaxTags, nullptr)}};
}

}  // namespace nimbus::services::kinesis
