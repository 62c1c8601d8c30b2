// What the REST API data plane compiles from an API's document once per
// change (store.h): for each deployment, a table of its resources' paths
// (most specific wins, as HTTP API routes: routes.h), the resources, and
// their mapping templates and selection patterns, parsed once, and the
// gateway responses and the resource policy deployed with them.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>

#include "services/apigateway/rest_mapping.h"
#include "services/apigateway/routes.h"

namespace nimbus::iam {
struct Policy;
}

namespace nimbus::services::apigateway {

struct RestPlan {
  struct Table {
    RouteTable paths;                       // "ANY {path}" -> resource id
    boost::json::object resources;          // by id, with their resourceMethods
    boost::json::object gateway_responses;  // the API's own when deployed, by type
    Mappings mappings;  // of `resources`' integrations and of `gateway_responses`
    // The API's resource policy when deployed (resource_policy.h); null: none.
    std::shared_ptr<const nimbus::iam::Policy> policy;
  };
  std::map<std::string, Table> deployments;  // by deployment id
};

std::shared_ptr<const void> compile_rest_api(const boost::json::object& doc);

}  // namespace nimbus::services::apigateway
