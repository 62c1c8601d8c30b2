// REST API models beyond their control handlers: the two every new API has
// (Empty and Error, as AWS makes them), the URL by which one model's schema
// names another (`https://apigateway.amazonaws.com/restapis/{api}/models/{name}`,
// AWS's form, which the OpenAPI import writes for `#/definitions/X` and
// `#/components/schemas/X`), and a model's schema ready to validate with
// the models it names included. Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "services/apigateway/json_schema.h"

namespace nimbus::services::apigateway {

// The models of a new REST API by name: Empty and Error, with new ids.
boost::json::object default_models();

// AWS's URL of the model `name` of the API `api_id`.
std::string model_url(std::string_view api_id, std::string_view name);

// Each `$ref` string under `schema` for which `to` answers a non-empty
// replacement gets it (a depth bound of 64 stops the walk).
void rewrite_refs(boost::json::value& schema,
                  const std::function<std::string(std::string_view ref)>& to);

// The schema of the model `name` of `models` (the API's, by name), with
// every model its schema names by URL (model_url, any API id) included, so
// that JsonSchema resolves them. An error when `name` is no model with a
// schema, or a schema does not parse; a URL naming no model stays
// unresolved (validation fails on it, as JsonSchema says).
Result<JsonSchema> model_schema(const boost::json::object& models, const std::string& name);

}  // namespace nimbus::services::apigateway
