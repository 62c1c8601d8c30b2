// AWS::IAM::OIDCProvider: an OpenID Connect provider STS
// AssumeRoleWithWebIdentity trusts (Ref and Fn::GetAtt Arn: its ARN). A new
// Url replaces it; client ids, thumbprints and tags change in place.
#include <set>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::call_step;
using provide::Step;

std::string provider_arn(const ResourceRequest& r) {
  std::string url = str(r.properties, "Url");
  auto scheme = url.find("://");
  return "arn:aws:iam::" + r.account_id + ":oidc-provider/" +
         (scheme == std::string::npos ? url : url.substr(scheme + 3));
}

json::array list_of(const json::object& props, std::string_view key) {
  json::array out;
  for (auto& v : string_list(props, key)) out.emplace_back(v);
  return out;
}

void create_provider(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"Url", str(r.properties, "Url")},
                  {"ClientIDList", list_of(r.properties, "ClientIdList")},
                  {"ThumbprintList", list_of(r.properties, "ThumbprintList")}};
  provide::copy(r.properties, in, {"Tags"});
  r.call("iam", "CreateOpenIDConnectProvider", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(*out, "OpenIDConnectProviderArn");
    done(Provided{arn, {{"Arn", arn}}});
  });
}

void update_provider(const ResourceRequest& r, ProvideDone done) {
  const std::string& arn = r.physical_id;
  std::vector<Step> steps;
  auto now = string_list(r.properties, "ClientIdList");
  auto was = string_list(r.old_properties, "ClientIdList");
  std::set<std::string> now_set(now.begin(), now.end()), was_set(was.begin(), was.end());
  for (const auto& id : now_set) {
    if (!was_set.contains(id)) {
      steps.push_back(call_step(r, "iam", "AddClientIDToOpenIDConnectProvider",
                                {{"OpenIDConnectProviderArn", arn}, {"ClientID", id}}));
    }
  }
  for (const auto& id : was_set) {
    if (!now_set.contains(id)) {
      steps.push_back(call_step(r, "iam", "RemoveClientIDFromOpenIDConnectProvider",
                                {{"OpenIDConnectProviderArn", arn}, {"ClientID", id}}));
    }
  }
  if (list_of(r.properties, "ThumbprintList") != list_of(r.old_properties, "ThumbprintList")) {
    steps.push_back(call_step(r, "iam", "UpdateOpenIDConnectProviderThumbprint",
                              {{"OpenIDConnectProviderArn", arn},
                               {"ThumbprintList", list_of(r.properties, "ThumbprintList")}}));
  }
  auto tags = provide::tag_map(r.properties.if_contains("Tags"));
  json::array removed;
  for (const auto& [k, v] : provide::tag_map(r.old_properties.if_contains("Tags"))) {
    if (!tags.contains(k)) removed.emplace_back(k);
  }
  if (!removed.empty()) {
    steps.push_back(
        call_step(r, "iam", "UntagOpenIDConnectProvider",
                  {{"OpenIDConnectProviderArn", arn}, {"TagKeys", std::move(removed)}}));
  }
  if (const auto* t = r.properties.if_contains("Tags"); t != nullptr && !tags.empty()) {
    steps.push_back(call_step(r, "iam", "TagOpenIDConnectProvider",
                              {{"OpenIDConnectProviderArn", arn}, {"Tags", *t}}));
  }
  provide::in_order(std::move(steps), [arn, done](Status st) {
    if (!st) return done(st.take_error());
    done(Provided{arn, {{"Arn", arn}}});
  });
}

void delete_provider(const ResourceRequest& r, RemoveDone done) {
  call_step(r, "iam", "DeleteOpenIDConnectProvider", {{"OpenIDConnectProviderArn", r.physical_id}},
            {"NoSuchEntityException"})(std::move(done));
}

}  // namespace

const Provider kOidcProvider{"AWS::IAM::OIDCProvider", create_provider, update_provider,
                             delete_provider,          {"Url"},         provider_arn};

}  // namespace nimbus::services::cloudformation::providers
