// Template text to one JSON value. A body whose first character (after
// blanks) is '{' is JSON (or YAML in flow style when it is not JSON, its
// error then being the JSON one); anything else is YAML, whose short-form tags (!Ref,
// !GetAtt, !Sub, ...) become their long forms ({"Ref": ...},
// {"Fn::GetAtt": [...]}, ...), so everything after this step sees one shape.
//
// Plain YAML scalars are typed as CloudFormation reads them: true/false are
// booleans, integers without a leading zero are numbers, null/~/empty are
// null, everything else (1.5, 012, 2010-09-09) stays a string. Quoted
// scalars are always strings.
//
// Never throws; a body that does not parse answers AWS's ValidationError
// "Template format error: JSON not well-formed. (line L, column C)" or the
// YAML one. Anchors and aliases are expanded within a size budget (a
// billion-laughs body is refused, not expanded).
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "common/result.h"

namespace nimbus::cfn {

Result<boost::json::value> parse_document(std::string_view text);

}  // namespace nimbus::cfn
