// JSONPath as the Amazon States Language uses it (InputPath, OutputPath,
// ItemsPath, the `.$` fields of Parameters, Choice variables, ResultPath).
//
// A path starts at `$` (the state's input), `$$` (the context object) or
// `$name` (the workflow variable `name`, set by an `Assign`) and
// goes on with `.name`, `['name']`, `[index]` (negative counts from the end),
// `[*]`/`.*`, `..name` (every depth), slices `[a:b]`, unions `[0,2]` and
// filters `[?(@.x > 1)]`. A *reference path* (ResultPath, Choice Variable)
// may only name single nodes: `.name`, `['name']` and `[index]`.
//
// Evaluation follows Jayway JsonPath, which Step Functions runs: a definite
// path yields its one node (or nothing when missing); an indefinite path
// (wildcard, deep scan, slice, union, filter) yields the array of matches.
//
// Threads: a Path is immutable after parse and may be shared.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::sfn::asl {

struct PathStep;

class Path {
 public:
  // Parses `text`; the error message says what is wrong (for diagnostics).
  static Result<Path> parse(std::string_view text);

  const std::string& text() const { return text_; }
  bool context() const { return context_; }  // starts with $$
  // The workflow variable the path starts at (`$name`); "" for `$`/`$$`.
  const std::string& variable() const { return variable_; }
  bool definite() const { return definite_; }
  // Only .name / ['name'] / [index] steps.
  bool reference() const { return reference_; }
  bool root() const;  // exactly `$`

  // The value at this path in `doc`, nullopt when nothing matches a definite path.
  std::optional<boost::json::value> find(const boost::json::value& doc) const;
  // The document the path starts at: `input`, `context`, or the variable
  // it names (nullptr when `vars` lacks it).
  const boost::json::value* root_in(const boost::json::value& input,
                                    const boost::json::value& context,
                                    const boost::json::object* vars) const;
  // find() from root_in(); nullopt when the variable is not set.
  std::optional<boost::json::value> find_in(const boost::json::value& input,
                                            const boost::json::value& context,
                                            const boost::json::object* vars) const;
  // Writes `value` at this reference path inside `doc`, creating objects on
  // the way (ResultPath); fails when a step meets a non-object or a missing index.
  Status assign(boost::json::value& doc, boost::json::value value) const;

 private:
  std::string text_;
  std::string variable_;
  bool context_ = false;
  bool definite_ = true;
  bool reference_ = true;
  std::shared_ptr<const std::vector<PathStep>> steps_;
};

}  // namespace nimbus::sfn::asl
