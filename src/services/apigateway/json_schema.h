// JSON Schema draft 4, the subset API Gateway models use, to validate
// request bodies: type (one or a list), enum, properties, required,
// additionalProperties (false or a schema), patternProperties,
// min/maxProperties, items (a schema or a list) with additionalItems,
// min/maxItems, uniqueItems, min/maxLength (in code points), pattern
// (ECMAScript regular expressions, searched as draft 4 says), minimum /
// maximum with draft 4's boolean exclusiveMinimum / exclusiveMaximum,
// multipleOf, allOf / anyOf / oneOf / not, and $ref to "#" or a JSON
// pointer into the same document ("#/definitions/Pet"). Other keywords
// (format, dependencies, $schema, title, description, ...) are accepted and
// not checked. References to other documents (another model's URL) fail
// validation. Pure; fuzzed (fuzz/apigw_json_schema_fuzz.cc).
//
// Threads: a JsonSchema is immutable after parse() and may be shared.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::services::apigateway {

class JsonSchema {
 public:
  // The schema in `text` (a JSON object): an error when it is not JSON, not
  // an object, or a keyword has a value of the wrong kind (a regular
  // expression that does not compile included).
  static Result<JsonSchema> parse(std::string_view text);

  // nullopt when `doc` is valid; else the first violation, worded for the
  // gateway's log ("instance type (string) does not match ...").
  std::optional<std::string> validate(const boost::json::value& doc) const;

 private:
  boost::json::value root_;
};

}  // namespace nimbus::services::apigateway
