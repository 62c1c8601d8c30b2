// AWS::Events::Connection and AWS::Events::ApiDestination (physical id: the
// name, as AWS's; Fn::GetAtt Arn), created and updated in place through
// EventBridge's own operations.
#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::call_step;

const std::vector<std::string_view> kConnectionSettings = {"Description", "AuthorizationType",
                                                           "AuthParameters"};
const std::vector<std::string_view> kDestinationSettings = {"Description", "ConnectionArn",
                                                            "InvocationEndpoint", "HttpMethod",
                                                            "InvocationRateLimitPerSecond"};

std::string resource_name(const ResourceRequest& r) {
  return r.name_or_generated("Name", 64);
}

// Create or update; both answer the ARN under `arn_member`.
void put(const ResourceRequest& r, std::string_view operation, std::string name,
         const std::vector<std::string_view>& settings, std::string arn_member, ProvideDone done) {
  json::object in{{"Name", name}};
  provide::copy(r.properties, in, settings);
  r.call("events", operation, std::move(in), [done, name, arn_member](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{name, json::object{{"Arn", str(*out, arn_member)}}});
  });
}

void create_connection(const ResourceRequest& r, ProvideDone done) {
  put(r, "CreateConnection", resource_name(r), kConnectionSettings, "ConnectionArn",
      std::move(done));
}

void update_connection(const ResourceRequest& r, ProvideDone done) {
  put(r, "UpdateConnection", r.physical_id, kConnectionSettings, "ConnectionArn", std::move(done));
}

void delete_connection(const ResourceRequest& r, RemoveDone done) {
  call_step(r, "events", "DeleteConnection", {{"Name", r.physical_id}},
            {"ResourceNotFoundException"})(std::move(done));
}

void create_destination(const ResourceRequest& r, ProvideDone done) {
  put(r, "CreateApiDestination", resource_name(r), kDestinationSettings, "ApiDestinationArn",
      std::move(done));
}

void update_destination(const ResourceRequest& r, ProvideDone done) {
  put(r, "UpdateApiDestination", r.physical_id, kDestinationSettings, "ApiDestinationArn",
      std::move(done));
}

void delete_destination(const ResourceRequest& r, RemoveDone done) {
  call_step(r, "events", "DeleteApiDestination", {{"Name", r.physical_id}},
            {"ResourceNotFoundException"})(std::move(done));
}

}  // namespace

const Provider kConnection{"AWS::Events::Connection", create_connection, update_connection,
                           delete_connection,         {"Name"},          resource_name};
const Provider kApiDestination{"AWS::Events::ApiDestination",
                               create_destination,
                               update_destination,
                               delete_destination,
                               {"Name"},
                               resource_name};

}  // namespace nimbus::services::cloudformation::providers
