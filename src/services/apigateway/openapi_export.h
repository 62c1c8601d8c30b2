// GetExport (pure): a REST API's stage deployment as an OpenAPI document,
// Swagger 2.0 or OpenAPI 3.0.1: paths and operations from the deployed
// resources and methods (parameters, method responses, request bodies
// naming models), models as definitions / components.schemas (model URLs
// written back as local references), and with `integrations` the
// x-amazon-apigateway-integration of each method, with `apigateway` also
// the API's validators, authorizers, gateway responses, binary media types
// and api key source as their x-amazon-apigateway-* extensions (the ones
// ImportRestApi reads, so an export imports again).
#pragma once

#include <boost/json.hpp>
#include <string>

namespace nimbus::services::apigateway {

struct ExportRequest {
  bool oas30 = false;         // else swagger
  bool integrations = false;  // x-amazon-apigateway-integration
  bool apigateway = false;    // every x-amazon-apigateway-* extension (integrations too)
  std::string host;           // the API's host, for host/servers
  std::string stage;
};

// `doc` is the API's document (store.h), `deployment` the stage's.
boost::json::object export_rest(const boost::json::object& doc,
                                const boost::json::object& deployment, const ExportRequest& r);

// ExportApi (openapi_export_http.cc): an HTTP API as OpenAPI 3.0.1, its
// routes as paths (`$default` a path of its own, ANY
// x-amazon-apigateway-any-method), authorizers as security schemes, and
// with `extensions` the integrations, authorizers, CORS configuration and
// tags as the x-amazon-apigateway-* members ImportApi reads back.
struct HttpExportRequest {
  bool extensions = true;
  std::string server_url;  // the API's endpoint: "http://{id}.execute-api.localhost:4566"
  std::string stage;       // the stage exported ("" the latest configuration)
};

// `doc` is the API's document, `routes` and `integrations` the live ones
// or a deployment's snapshot.
boost::json::object export_http(const boost::json::object& doc, const boost::json::object& routes,
                                const boost::json::object& integrations,
                                const HttpExportRequest& r);

}  // namespace nimbus::services::apigateway
