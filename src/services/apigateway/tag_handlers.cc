// TagResource, UntagResource and GetTags of both gateways (tags.h): REST
// APIs and their stages, API keys and usage plans (apigateway: resourceArn,
// tags, tagKeys), HTTP APIs and their stages (apigatewayv2: ResourceArn,
// Tags, TagKeys).
#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/tags.h"

namespace nimbus::services::apigateway {

namespace {

Error invalid_arn(const std::string& arn) {
  return errors::bad_request("Invalid resource ARN specified: " + arn);
}

// The answer of a tag or untag call: its change of `t`'s tags in `doc`.
std::function<Status(json::object&, json::object&)> retag(TagTarget t, std::string member,
                                                          json::object in, bool untag,
                                                          bool aws_ok) {
  return [t = std::move(t), member = std::move(member), in = std::move(in), untag, aws_ok](
             json::object& doc, json::object&) -> Status {
    auto* holder = tag_holder(doc, t);
    if (holder == nullptr) return errors::not_found("Invalid stage identifier specified");
    if (untag) {
      return remove_tags(*holder, member, in.if_contains(member == "tags" ? "tagKeys" : "TagKeys"),
                         aws_ok);
    }
    return add_tags(*holder, member, in.if_contains(member), aws_ok);
  };
}

Output tags_of(const ApiStore& store, const TagTarget& t, const std::string& member) {
  auto api = store.find(t.api);
  if (!api) return errors::not_found("Invalid API identifier specified");
  const auto* holder = tag_holder(api->doc, t);
  if (holder == nullptr) return errors::not_found("Invalid stage identifier specified");
  json::object tags;
  if (const auto* v = holder->if_contains(member); v != nullptr && v->is_object()) {
    tags = v->as_object();
  }
  return json::object{{member, std::move(tags)}};
}

// An API key's or usage plan's id in `arn` (.../apikeys/ID,
// .../usageplans/ID), with the store that holds it; nullopt for another ARN.
struct Owned {
  std::string id;
  bool key;
};
std::optional<Owned> key_or_plan(const std::string& arn) {
  for (bool key : {true, false}) {
    if (auto t = tag_target(arn, key ? "apikeys" : "usageplans"); t && t->stage.empty()) {
      return Owned{t->api, key};
    }
  }
  return std::nullopt;
}

Error owned_not_found(bool key) {
  return errors::not_found(key ? "Invalid API Key identifier specified"
                               : "Invalid Usage Plan ID specified");
}

}  // namespace

// A key's or plan's record is its own tags' holder.
void RestApiService::retag_owned(const std::string& arn, const json::object& in, bool untag,
                                 bool aws_ok, Respond respond) {
  auto owned = key_or_plan(arn);
  if (!owned) return respond(invalid_arn(arn));
  ApiStore& store = owned->key ? usage_.keys() : usage_.plans();
  store.update(
      owned->id,
      [&](json::object& doc) {
        return untag ? remove_tags(doc, "tags", in.if_contains("tagKeys"), aws_ok)
                     : add_tags(doc, "tags", in.if_contains("tags"), aws_ok);
      },
      [key = owned->key, respond = std::move(respond)](Result<ApiPtr> r) {
        if (!r) {
          Error e = r.take_error();
          return respond(e.code == "NotFoundException" ? owned_not_found(key) : std::move(e));
        }
        respond(json::object{});
      });
}

void RestApiService::tag_resource(const CallContext& ctx, json::object in, Respond respond) {
  change_tags(ctx, std::move(in), false, std::move(respond));
}

void RestApiService::untag_resource(const CallContext& ctx, json::object in, Respond respond) {
  change_tags(ctx, std::move(in), true, std::move(respond));
}

void RestApiService::change_tags(const CallContext& ctx, json::object in, bool untag,
                                 Respond respond) {
  std::string arn = str(in, "resourceArn");
  auto t = tag_target(arn, "restapis");
  if (!t) return retag_owned(arn, in, untag, takes_aws_tags(ctx), std::move(respond));
  std::string id = t->api;
  change(json::object{{"restApiId", id}},
         retag(std::move(*t), "tags", std::move(in), untag, takes_aws_tags(ctx)),
         std::move(respond));
}

Output RestApiService::get_tags(const CallContext&, const json::object& in) const {
  std::string arn = str(in, "resourceArn");
  auto t = tag_target(arn, "restapis");
  if (t) return tags_of(store_, *t, "tags");
  auto owned = key_or_plan(arn);
  if (!owned) return invalid_arn(arn);
  auto found = (owned->key ? usage_.keys() : usage_.plans()).find(owned->id);
  if (!found) return owned_not_found(owned->key);
  json::object tags;
  if (const auto* v = found->doc.if_contains("tags"); v != nullptr && v->is_object()) {
    tags = v->as_object();
  }
  return json::object{{"tags", std::move(tags)}};
}

void HttpApiService::tag_resource(const CallContext& ctx, json::object in, Respond respond) {
  change_tags(ctx, std::move(in), false, std::move(respond));
}

void HttpApiService::untag_resource(const CallContext& ctx, json::object in, Respond respond) {
  change_tags(ctx, std::move(in), true, std::move(respond));
}

void HttpApiService::change_tags(const CallContext& ctx, json::object in, bool untag,
                                 Respond respond) {
  std::string arn = str(in, "ResourceArn");
  auto t = tag_target(arn, "apis");
  if (!t) return respond(invalid_arn(arn));
  std::string id = t->api;
  change(json::object{{"ApiId", id}},
         retag(std::move(*t), "Tags", std::move(in), untag, takes_aws_tags(ctx)),
         std::move(respond));
}

Output HttpApiService::get_tags(const CallContext&, const json::object& in) const {
  std::string arn = str(in, "ResourceArn");
  auto t = tag_target(arn, "apis");
  if (!t) return invalid_arn(arn);
  return tags_of(store_, *t, "Tags");
}

}  // namespace nimbus::services::apigateway
