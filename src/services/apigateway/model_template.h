// GetModelTemplate (pure): a Velocity mapping template that rebuilds a
// model's shape from the request body ($input.path('$')): an object's
// properties as members, an array's items in a #foreach, strings quoted,
// numbers and booleans bare; `$ref`s to the API's other models followed
// (at most 16 deep, so a model naming itself ends).
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>

namespace nimbus::services::apigateway {

// `model_schema` gives a model's schema by name (null when none).
std::string model_template(
    const boost::json::value& schema,
    const std::function<boost::json::value(const std::string&)>& model_schema);

}  // namespace nimbus::services::apigateway
