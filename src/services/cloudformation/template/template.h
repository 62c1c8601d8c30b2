// A CloudFormation template: the parsed document checked for its structure
// (sections, resource and parameter declarations, outputs), with AWS's
// ValidationError messages ("Template format error: ..."). Pure values: no
// storage, no service; the stack engine and the SAM transform build on it.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::cfn {

// ValidationError "Template format error: <what>".
Error format_error(std::string_view what);
// ValidationError "Template error: <what>" (intrinsic functions at use).
Error template_error(std::string_view what);
// "Template format error: Unresolved resource dependencies [X] in the
// Resources block of the template".
Error unresolved_dependency(std::string_view name);

// A scalar as template text: strings as they are, numbers as written,
// booleans as true/false; nullopt for lists, objects and null.
std::optional<std::string> scalar_text(const boost::json::value& v);

struct ParameterDecl {
  std::string name;
  std::string type;  // String, Number, List<Number>, CommaDelimitedList, AWS::..., ...
  std::string description;
  std::string constraint_description;
  std::optional<std::string> default_value;  // as text (a list's default is comma-joined)
  std::vector<std::string> allowed_values;
  std::optional<std::string> allowed_pattern;
  std::optional<double> min_value, max_value;
  std::optional<int64_t> min_length, max_length;
  bool no_echo = false;

  // List<...> and CommaDelimitedList values are lists of strings.
  bool is_list() const;
};

struct Template {
  boost::json::object doc;  // the whole document as parsed
  std::string description;
  std::vector<ParameterDecl> parameters;  // in template order
  std::vector<std::string> transforms;    // "AWS::Serverless-2016-10-31", ...

  const boost::json::object& section(std::string_view name) const;
  const boost::json::object& resources() const { return section("Resources"); }
  const boost::json::object& outputs() const { return section("Outputs"); }
  const boost::json::object& mappings() const { return section("Mappings"); }
  const boost::json::object& conditions() const { return section("Conditions"); }
  const ParameterDecl* parameter(std::string_view name) const;
  // The resource's Type ("" when the logical id is not declared).
  std::string resource_type(std::string_view logical_id) const;
};

// Parses `text` (JSON or YAML) and checks its structure.
Result<Template> parse_template(std::string_view text);
// Checks the structure of an already parsed document (a transform's output).
Result<Template> check_template(boost::json::object doc);

// AWS's limits on a template body.
inline constexpr size_t kMaxTemplateBody = 51'200;  // TemplateBody in a request
inline constexpr size_t kMaxResources = 500;
inline constexpr size_t kMaxParameters = 200;
inline constexpr size_t kMaxOutputs = 200;

}  // namespace nimbus::cfn
