// What the REST and HTTP API importers (openapi_rest.cc, openapi_http.cc)
// share: reading the document's parts and collecting its problems.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_fields.h"
#include "common/result.h"

namespace nimbus::services::apigateway::openapi {

namespace json = boost::json;

// The object at `key` of `o`, or null.
using ::nimbus::object_at;
// `v` as an object, following a local `$ref` ("#/components/...") of `doc`;
// null when it is not one.
const json::object* resolve(const json::object& doc, const json::value* v);

// BadRequestException "Invalid OpenAPI input." unless `doc` names its
// version (swagger 2.x or openapi 3.x) and its paths are an object.
Status check_version(const json::object& doc);

// Swagger's member `swagger` of the document, else OpenAPI 3's member
// `components` of its components (an empty object when neither).
const json::object& part_of(const json::object& doc, std::string_view swagger,
                            std::string_view components);

// The security schemes: Swagger's securityDefinitions or OpenAPI 3's
// components.securitySchemes (an empty object when neither).
const json::object& security_schemes(const json::object& doc);

// The HTTP method an operation key names ("GET", ..., "ANY" for
// x-amazon-apigateway-any-method), or "" for a key that is no operation.
std::string operation_method(std::string_view key);

std::string upper(std::string_view s);

// A member's string value, or its JSON text when it is not a string.
std::string text_of(const json::value& v);

// The problems found, joined the way AWS reports them.
struct Problems {
  std::vector<std::string> errors;
  Status status() const;
};

// The authorizers of the security schemes that carry an
// `x-amazon-apigateway-authorizer`: `make` builds one from the scheme's
// name, the scheme and the extension, `check` refuses it (a problem
// each); each kept one gets a new id in `id_member`.
struct Authorizers {
  json::object by_id;
  std::map<std::string, std::string> ids;  // scheme name -> authorizer id
};
// The document's models (openapi_models.cc): Swagger's `definitions` or
// OpenAPI 3's `components.schemas` by name, content type application/json,
// their references to each other written as model URLs of `api_id`
// (models.h); a name that is not alphanumeric or a schema JsonSchema
// refuses is a problem.
json::object models_of(const json::object& doc, const std::string& api_id, Problems& problems);

// x-amazon-apigateway-request-validators: the validators by new id, and
// each one's id by its name in the document.
struct Validators {
  json::object by_id;
  std::map<std::string, std::string> ids;
};
Validators validators_of(const json::object& doc, Problems& problems);

// An operation's requestModels (media type -> model name) from its body:
// OpenAPI 3's requestBody content, or Swagger's `in: body` parameter for
// each type the operation (else the document) consumes, application/json
// when neither says; only a body schema that is a reference to one of
// `models` names a model.
json::object request_models_of(const json::object& doc, const json::object& path_item,
                               const json::object& op, const json::object& models);

Authorizers authorizers_of(
    const json::object& doc, const char* id_member,
    const std::function<json::object(const std::string& name, const json::object& scheme,
                                     const json::object& extension)>& make,
    Status (*check)(const json::object&), Problems& problems);

}  // namespace nimbus::services::apigateway::openapi
