// OpenAPI import (pure: values in, values out, no wire, no storage;
// fuzzed): a Swagger 2.0 or OpenAPI 3.0 document with API Gateway's
// `x-amazon-apigateway-*` extensions, turned into the members of an API's
// document (store.h) the way ImportRestApi / PutRestApi and ImportApi /
// ReimportApi build them:
//
//  - REST APIs: paths become resources (one per path segment, under the
//    given root), operations methods (`x-amazon-apigateway-any-method` is
//    ANY) with their method responses and request parameters,
//    `x-amazon-apigateway-integration` the method's integration (with its
//    integration responses), `securityDefinitions` /
//    `components.securitySchemes` with `x-amazon-apigateway-authorizer`
//    authorizers, an api key scheme apiKeyRequired, `awsSigv4` AWS_IAM,
//    `definitions` / `components.schemas` models (a body that references
//    one is the method's requestModels), `x-amazon-apigateway-request-validators`
//    the request validators, `x-amazon-apigateway-request-validator` (the
//    document's, an operation's own) the method's requestValidatorId.
//  - HTTP APIs: paths and operations become routes ("GET /items/{id}",
//    ANY, `$default`), each integration one integration of the API,
//    `x-amazon-apigateway-cors` the CorsConfiguration, authorizers (REQUEST
//    and JWT).
//
// Errors are BadRequestException, worded as AWS's: "Invalid OpenAPI
// input." for what is not an OpenAPI document, "Errors found during
// import:" with one line per problem otherwise. Never throws.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::services::apigateway::openapi {

namespace json = boost::json;

// The document in `text` (JSON or YAML, at most 6 MB), as an object; a
// text that does not parse names the parser's line and column.
Result<json::object> parse(std::string_view text);

struct Imported {
  json::object api;  // the API's own members (name, description, ...), as the model names them
  // REST: "resources" (by id, the root included), "authorizers",
  // "requestValidators" (by id), "models" (by name) and, when the document
  // has them, "gatewayResponses" (by type);
  // HTTP: "routes", "integrations" and "authorizers" (by id).
  json::object groups;
  std::vector<std::string> warnings;
};

// A REST API's resources under the root resource `root_id`; the models'
// references to each other name the API `api_id`.
Result<Imported> import_rest(const json::object& doc, const std::string& root_id,
                             const std::string& api_id = "");

// An HTTP API's routes, integrations and authorizers.
Result<Imported> import_http(const json::object& doc);

// PutRestApi mode=merge: `imported` resources and methods over `resources`
// (matched by path; a method the document names replaces the one there).
// BadRequestException (and `resources` half-merged: merge into a copy)
// when a new {variable} resource would get a variable sibling.
Status merge_rest(json::object& resources, const json::object& imported);

}  // namespace nimbus::services::apigateway::openapi
