// A function's Layers (CreateFunction, UpdateFunctionConfiguration): the
// layer version ARNs checked against the layer table with Lambda's errors,
// and what the function keeps of them.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/lambda/layers.h"

namespace nimbus::services::lambda {

struct FunctionLayers {
  boost::json::array shown;        // FunctionConfiguration.Layers: [{Arn, CodeSize}]
  std::vector<std::string> codes;  // each version's code (CodeStore's SHA-256 hex), in order
};

// `given` is the input's Layers member. ValidationException for a value
// that is not a layer version ARN (the model's pattern, as Lambda words
// it); InvalidParameterValueException for more than 5, a layer in another
// region, a version that does not exist (another account's layers are
// never found: nimbus has one account) and two versions of one layer.
Result<FunctionLayers> resolve_function_layers(const boost::json::value& given, const Layers& table,
                                               const std::string& region,
                                               const std::string& account);

}  // namespace nimbus::services::lambda
