// EventBridge event patterns (content filtering), shared by EventBridge rules
// and Lambda event filtering (FilterCriteria).
//
//   {"source": ["aws.s3"], "detail": {"size": [{"numeric": [">", 10]}]}}
//
// A pattern is a JSON object whose leaves are arrays of alternatives: exact
// values (strings, numbers compared numerically, booleans, null) or operator
// objects (prefix, suffix, anything-but, numeric, exists, cidr,
// equals-ignore-case, wildcard); `$or` lists alternative sub-patterns. An
// event matches when every field of the pattern matches; a field whose event
// value is an array matches when any element matches. README.md lists the
// limits and what differs from EventBridge.
//
// parse() validates and compiles once; matches() walks the event without
// allocating and is safe to call from any number of threads at once. An
// EventPattern is cheap to copy (it shares its immutable compiled form).
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string_view>

#include "common/result.h"

namespace nimbus::events {

class EventPattern {
 public:
  struct Node;

  // Parses an EventBridge event pattern (JSON text). On error: code
  // "InvalidEventPatternException", status 400, message "Event pattern is not
  // valid. Reason: ..." (callers re-map the code; Lambda uses
  // InvalidParameterValueException).
  static Result<EventPattern> parse(std::string_view json);

  bool matches(const boost::json::value& event) const;

 private:
  explicit EventPattern(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

}  // namespace nimbus::events
