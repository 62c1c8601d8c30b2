// The intrinsic-function evaluator behind resolve() (intrinsics.h), split
// over intrinsics.cc (Ref, GetAtt, Sub, If, conditions) and functions.cc
// (the list, string and mapping functions). Internal to the library.
#pragma once

#include <optional>

#include "services/cloudformation/template/intrinsics.h"
#include "services/cloudformation/template/template.h"

namespace nimbus::cfn::detail {

namespace json = boost::json;

// A resolved value, or nullopt for AWS::NoValue.
using Resolved = Result<std::optional<json::value>>;

class Resolver {
 public:
  explicit Resolver(const Scope& scope) : scope_(scope) {}

  Resolved value(const json::value& v, int depth);
  // A value that must exist (AWS::NoValue is an error here).
  Result<json::value> required(const json::value& v, std::string_view fn, int depth);
  // A condition function (or a condition name) to its truth.
  Result<bool> truth(const json::value& v, int depth);

 private:
  Resolved call(std::string_view fn, const json::value& arg, int depth);
  Resolved ref(const json::value& arg, int depth);
  Result<json::value> get_att(const json::value& arg, int depth);
  Result<json::value> sub(const json::value& arg, int depth);
  Resolved if_(const json::value& arg, int depth);
  Result<bool> named_condition(std::string_view name, std::string_view fn);
  Result<bool> equals(const json::value& arg, int depth);
  Result<bool> and_or(std::string_view fn, const json::value& arg, int depth);
  // functions.cc
  Result<json::value> join(const json::value& arg, int depth);
  Result<json::value> select(const json::value& arg, int depth);
  Result<json::value> split(const json::value& arg, int depth);
  Result<json::value> find_in_map(const json::value& arg, int depth);
  Result<json::value> get_azs(const json::value& arg, int depth);
  Result<json::value> base64(const json::value& arg, int depth);
  Result<json::value> cidr(const json::value& arg, int depth);
  Result<json::value> length(const json::value& arg, int depth);
  Result<json::value> to_json_string(const json::value& arg, int depth);
  Result<json::value> import_value(const json::value& arg, int depth);

  const Scope& scope_;
};

// A scalar as the text a string function uses (template.h).
inline std::optional<std::string> text_of(const json::value& v) {
  return scalar_text(v);
}

inline constexpr int kMaxDepth = 200;

}  // namespace nimbus::cfn::detail
