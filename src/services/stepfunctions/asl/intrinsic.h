// Intrinsic functions of the Amazon States Language: `States.Format('{}',
// $.name)` and the rest, written where a `.$` field of Parameters,
// ResultSelector, ItemSelector (and Pass Parameters) takes a path.
//
// parse() checks the call's syntax and that every function exists with an
// acceptable number of arguments (for the definition's diagnostics);
// evaluate() runs it against the state's input and the context object, and
// fails with States.IntrinsicFailure as AWS does (the message says which
// argument was wrong).
//
// Threads: an Intrinsic is immutable after parse and may be shared.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::sfn::asl {

struct IntrinsicCall;

class Intrinsic {
 public:
  // True when `text` looks like a call (`States.` prefix): callers then
  // report its parse error instead of a path error.
  static bool looks_like(std::string_view text);
  static Result<Intrinsic> parse(std::string_view text);

  // Error code "States.IntrinsicFailure" (or "States.Runtime" for a missing
  // path argument) with AWS's message.
  Result<boost::json::value> evaluate(const boost::json::value& input,
                                      const boost::json::value& context,
                                      const boost::json::object* vars = nullptr) const;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const IntrinsicCall> call_;
};

}  // namespace nimbus::sfn::asl
