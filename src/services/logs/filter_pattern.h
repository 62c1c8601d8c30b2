// CloudWatch Logs filter patterns for unstructured events: the part of the
// syntax FilterLogEvents needs for plain text.
//
//   ERROR                 the event contains "ERROR" (case-sensitive)
//   ERROR Exception       contains both terms, in any order
//   "Task timed out"      contains the phrase (quotes allow spaces and symbols)
//   ERROR -Retry          contains ERROR and not Retry
//   ?ERROR ?WARN          contains at least one of the ?-terms
//   (empty) or ""         matches every event
//
//   { $.level = "error" } a JSON pattern (filter_json.h)
//
// Space-delimited patterns ([a, b]) are not supported: parse() reports them
// as invalid, which FilterLogEvents answers with InvalidParameterException.
// Pure functions, thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/logs/filter_json.h"

namespace nimbus::services::logs {

class FilterPattern {
 public:
  // nullopt when `text` is not a supported pattern.
  static std::optional<FilterPattern> parse(std::string_view text);

  bool matches(std::string_view message) const;
  bool matches_all() const {
    return !json_ && required_.empty() && excluded_.empty() && any_.empty();
  }

 private:
  std::shared_ptr<const JsonFilter> json_;
  std::vector<std::string> required_;  // every one must occur
  std::vector<std::string> excluded_;  // none may occur
  std::vector<std::string> any_;       // at least one must occur (when non-empty)
};

}  // namespace nimbus::services::logs
