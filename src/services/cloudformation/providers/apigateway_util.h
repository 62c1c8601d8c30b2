// What the API Gateway providers share (apigateway.cc, apigateway_keys.cc).
#pragma once

#include <cctype>
#include <functional>
#include <string>

#include "services/cloudformation/providers/provider.h"

namespace nimbus::services::cloudformation::providers::apigw {

inline constexpr std::string_view kModel = "apigateway";

using provide::status_of;

// Deleting what is already gone succeeds.
inline RemoveDone gone_ok(RemoveDone done) {
  return provide::ignoring({"NotFoundException"}, std::move(done));
}

// A structure's PascalCase members as the model's camelCase ones, nested
// structures too ("Throttle": {"BurstLimit"} -> "throttle": {"burstLimit"});
// keys that do not start with a capital letter (paths such as "/pets/GET")
// are kept.
inline json::value camel(const json::value& v) {
  if (v.is_array()) {
    json::array out;
    for (const auto& e : v.as_array()) out.push_back(camel(e));
    return out;
  }
  if (!v.is_object()) return v;
  json::object out;
  for (const auto& [k, e] : v.as_object()) {
    std::string key(k);
    if (!key.empty() && std::isupper(static_cast<unsigned char>(key[0])))
      key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
    out[key] = camel(e);
  }
  return out;
}

// An API's OpenAPI document: the Body property (an object serialized, a
// string kept), or the object BodyS3Location names ({Bucket, Key,
// Version}) read from nimbus's S3 (at most 6 MB, as AWS). `done` may run
// on another thread.
void api_body(const ResourceRequest& r, std::function<void(Result<std::string>)> done);

// `done` after the Tags of the resource made or updated are moved from
// the old properties' to the new ones (both [{Key, Value}] or a map) with
// `model`'s ("apigateway" or "apigatewayv2") TagResource / UntagResource:
// for an update, or a create whose call takes no tags (an OpenAPI import).
// The resource's ARN is arn:aws:apigateway:REGION::/`path` followed by
// its physical id ("restapis/", "apis/ID/stages/").
ProvideDone retagged(const ResourceRequest& r, std::string_view model, std::string path,
                     ProvideDone done);

}  // namespace nimbus::services::cloudformation::providers::apigw
