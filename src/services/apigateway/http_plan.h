// What the HTTP API data plane compiles from an API's document once per
// change (store.h): the route table of the live configuration (what
// auto-deploying stages serve) and of each deployment's snapshot.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>

#include "services/apigateway/routes.h"

namespace nimbus::services::apigateway {

struct HttpPlan {
  struct Table {
    RouteTable routes;                 // ids are route ids
    boost::json::object route_docs;    // by route id
    boost::json::object integrations;  // by integration id
  };
  Table live;
  std::map<std::string, Table> deployments;  // by deployment id
};

std::shared_ptr<const void> compile_http_api(const boost::json::object& doc);

}  // namespace nimbus::services::apigateway
