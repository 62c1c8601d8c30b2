// A JSON value written as block-style YAML, the way API Gateway's exports
// read: every string double-quoted (a JSON string is a valid YAML
// double-quoted scalar, so nothing is retyped on the way back), keys plain
// where YAML reads them back as the same text, numbers, booleans and null
// as JSON writes them, empty objects and arrays as {} and [].
//
// Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <string>

namespace nimbus::services::apigateway {

std::string to_yaml(const boost::json::value& v);

}  // namespace nimbus::services::apigateway
