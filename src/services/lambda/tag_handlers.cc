// TagResource, UntagResource and ListTags of functions (the tags CreateFunction
// takes and GetFunction shows): at most 50 a function, keys of 1-128
// characters and values of at most 256.
#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/lambda/errors.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

constexpr size_t kMaxTags = 50;

// Keys starting "aws:" are AWS's own: a client may not set or remove them,
// CloudFormation sets aws:cloudformation:* on what its stacks make.
Status check_key(std::string_view key, bool aws_keys) {
  if (key.empty() || key.size() > 128) {
    return invalid("Tag keys must be between 1 and 128 characters in length.");
  }
  if (!aws_keys && reserved_tag_key(key)) {
    return invalid("Tag keys cannot start with 'aws:' (case insensitive).");
  }
  return Status::ok();
}

}  // namespace

Status check_tags(const json::object& tags, bool aws_keys) {
  for (const auto& [k, v] : tags) {
    NIMBUS_TRY(check_key(k, aws_keys));
    if (!v.is_string() || v.as_string().size() > 256) {
      return invalid("Tag values must be at most 256 characters in length.");
    }
  }
  if (tags.size() > kMaxTags) return invalid("The number of tags exceeds the limit of 50.");
  return Status::ok();
}

namespace {

// The function a tagging call's Resource (its ARN) names.
std::string function_of(const json::object& in) {
  return parse_function_name(str(in, "Resource")).name;
}

}  // namespace

void LambdaService::tag_resource(const CallContext& ctx, json::object in, Respond respond) {
  json::object tags;
  if (const auto* t = in.if_contains("Tags"); t && t->is_object()) tags = t->as_object();
  bool aws_keys = takes_aws_tags(ctx);
  if (auto st = check_tags(tags, aws_keys); !st) return respond(st.take_error());
  engine_.change(
      function_of(in),
      [&](Function& f) -> Output {
        json::object next = f.tags;
        for (const auto& [k, v] : tags) next[k] = v;
        if (auto st = check_tags(next, true); !st) return st.take_error();
        f.tags = std::move(next);
        return json::object{};
      },
      std::move(respond));
}

void LambdaService::untag_resource(const CallContext& ctx, json::object in, Respond respond) {
  auto keys = string_list(in, "TagKeys");
  for (const auto& k : keys) {
    if (auto st = check_key(k, takes_aws_tags(ctx)); !st) return respond(st.take_error());
  }
  engine_.change(
      function_of(in),
      [&](Function& f) -> Output {
        for (const auto& k : keys) f.tags.erase(k);
        return json::object{};
      },
      std::move(respond));
}

void LambdaService::list_tags(const CallContext&, json::object in, Respond respond) {
  respond(engine_.read(function_of(in), [](const Function& f) -> Output {
    return json::object{{"Tags", f.tags}};
  }));
}

}  // namespace nimbus::services::lambda
