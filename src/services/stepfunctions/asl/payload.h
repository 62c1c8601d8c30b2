// Payload templates: the Parameters, ResultSelector and ItemSelector fields
// of a state. A member whose name ends in `.$` takes its value from a path
// into the input (`$.x`), the context object (`$$.Execution.Id`) or an
// intrinsic function call; every other member is copied as written.
// compile() checks every `.$` member once; evaluate() fills the template.
//
// Threads: immutable after compile; share freely.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/stepfunctions/asl/intrinsic.h"
#include "services/stepfunctions/asl/json_path.h"

namespace nimbus::sfn::asl {

struct TemplateNode;

class Template {
 public:
  // Fails with the `.$` field name whose value is not a path or call.
  static Result<Template> compile(const boost::json::value& raw);
  // Errors: States.Runtime for a path that matches nothing (AWS's message),
  // States.IntrinsicFailure from a call.
  // `vars`: the workflow variables `$name` paths read (none: such a path
  // fails as one that matches nothing).
  Result<boost::json::value> evaluate(const boost::json::value& input,
                                      const boost::json::value& context,
                                      const boost::json::object* vars = nullptr) const;

 private:
  std::shared_ptr<const TemplateNode> root_;
};

// The value one `.$` field names (a path or an intrinsic call).
struct Expression {
  std::optional<Path> path;
  std::optional<Intrinsic> call;
  static Result<Expression> compile(std::string_view text);
  Result<boost::json::value> evaluate(const boost::json::value& input,
                                      const boost::json::value& context, std::string_view field,
                                      const boost::json::object* vars = nullptr) const;
};

}  // namespace nimbus::sfn::asl
