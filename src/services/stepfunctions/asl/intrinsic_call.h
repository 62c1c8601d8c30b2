// The parsed form of an intrinsic function call (intrinsic.cc parses it,
// intrinsic_functions.cc evaluates it).
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "services/stepfunctions/asl/json_path.h"

namespace nimbus::sfn::asl {

struct IntrinsicCall;

struct IntrinsicArg {
  std::variant<boost::json::value, Path, std::shared_ptr<const IntrinsicCall>> arg;
};

struct IntrinsicCall {
  std::string name;  // "States.Format"
  std::vector<IntrinsicArg> args;
};

// The number of arguments `name` takes (min, max); nullopt when unknown.
struct Arity {
  size_t min = 0;
  size_t max = 0;
};
std::optional<Arity> intrinsic_arity(std::string_view name);

Result<boost::json::value> call_intrinsic(const IntrinsicCall& call,
                                          const boost::json::value& input,
                                          const boost::json::value& context,
                                          const boost::json::object* vars = nullptr);

}  // namespace nimbus::sfn::asl
