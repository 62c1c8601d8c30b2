// AWS::ApiGateway::ApiKey, UsagePlan and UsagePlanKey (what SAM's
// Auth.UsagePlan makes), through the apigateway operations. Any change but
// the Tags' replaces them (a new key or plan, then the old one deleted);
// Tags move in place, so a stack's new tags keep its keys.
#include "common/json_fields.h"
#include "services/cloudformation/providers/apigateway_util.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using apigw::camel;
using apigw::gone_ok;
using apigw::kModel;
using apigw::status_of;

// ---- AWS::ApiGateway::ApiKey (physical id: the key id)

void create_api_key(const ResourceRequest& r, ProvideDone done) {
  const auto& p = r.properties;
  json::object in{{"name", r.name_or_generated("Name", 1024)}};
  for (auto [prop, member] : {std::pair{"Description", "description"},
                              {"Enabled", "enabled"},
                              {"Value", "value"},
                              {"CustomerId", "customerId"}}) {
    if (has(p, prop)) in[member] = p.at(prop);
  }
  if (const auto* keys = p.if_contains("StageKeys")) in["stageKeys"] = camel(*keys);
  auto tags = provide::tag_map(p.if_contains("Tags"));
  if (!tags.empty()) in["tags"] = std::move(tags);
  r.call(kModel, "CreateApiKey", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string id = str(*out, "id");
    done(Provided{id, json::object{{"APIKeyId", id}}});
  });
}

// Only the Tags change in place (every other property replaces).
void retag_only(const ResourceRequest& r, ProvideDone done) {
  std::string path = r.resource_type == "AWS::ApiGateway::ApiKey" ? "apikeys/" : "usageplans/";
  apigw::retagged(r, kModel, path, std::move(done))(Provided{r.physical_id, r.attributes});
}

void delete_api_key(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteApiKey", json::object{{"apiKey", r.physical_id}},
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

// ---- AWS::ApiGateway::UsagePlan (physical id: the plan id)

void create_usage_plan(const ResourceRequest& r, ProvideDone done) {
  const auto& p = r.properties;
  json::object in{{"name", r.name_or_generated("UsagePlanName", 1024)}};
  if (has(p, "Description")) in["description"] = p.at("Description");
  for (auto [prop, member] :
       {std::pair{"ApiStages", "apiStages"}, {"Throttle", "throttle"}, {"Quota", "quota"}}) {
    if (has(p, prop)) in[member] = camel(p.at(prop));
  }
  auto tags = provide::tag_map(p.if_contains("Tags"));
  if (!tags.empty()) in["tags"] = std::move(tags);
  r.call(kModel, "CreateUsagePlan", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string id = str(*out, "id");
    done(Provided{id, json::object{{"Id", id}}});
  });
}

void delete_usage_plan(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteUsagePlan", json::object{{"usagePlanId", r.physical_id}},
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

// ---- AWS::ApiGateway::UsagePlanKey (physical id: the key id)

void create_usage_plan_key(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"usagePlanId", str(r.properties, "UsagePlanId")},
                  {"keyId", str(r.properties, "KeyId")},
                  {"keyType", str(r.properties, "KeyType")}};
  std::string key = str(r.properties, "KeyId");
  r.call(kModel, "CreateUsagePlanKey", std::move(in), [key, done](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{key, json::object{{"Id", key}}});
  });
}

void delete_usage_plan_key(const ResourceRequest& r, RemoveDone done) {
  r.call(kModel, "DeleteUsagePlanKey",
         json::object{{"usagePlanId", str(r.properties, "UsagePlanId")}, {"keyId", r.physical_id}},
         [done = gone_ok(done)](Output out) { done(status_of(out)); });
}

}  // namespace

const Provider kApiKey{
    "AWS::ApiGateway::ApiKey",
    create_api_key,
    retag_only,
    delete_api_key,
    {"CustomerId", "Description", "Enabled", "GenerateDistinctId", "Name", "StageKeys", "Value"}};
const Provider kUsagePlan{"AWS::ApiGateway::UsagePlan",
                          create_usage_plan,
                          retag_only,
                          delete_usage_plan,
                          {"ApiStages", "Description", "Quota", "Throttle", "UsagePlanName"}};
const Provider kUsagePlanKey{
    "AWS::ApiGateway::UsagePlanKey", create_usage_plan_key, nullptr, delete_usage_plan_key, {}};

}  // namespace nimbus::services::cloudformation::providers
