// JSON filter patterns of CloudWatch Logs: `{ $.level = "error" }`,
// `{ $.latency > 100 && $.path = "/api/*" }`, `{ ($.a = 1) || $.b IS TRUE }`.
//
// Selectors: `$` then `.name` and `[index]` steps. Comparisons: = and != on
// strings (with `*` wildcards) and numbers, < > <= >= on numbers, IS NULL,
// IS TRUE, IS FALSE, NOT EXISTS. && binds tighter than ||; parentheses group.
// A message that is not a JSON object matches nothing; a comparison on a
// missing field is false (NOT EXISTS is true). Pure, thread-safe.
#pragma once

#include <memory>
#include <string_view>

namespace nimbus::services::logs {

class JsonFilter {
 public:
  struct Node;
  // nullptr when `text` (including its braces) is not a valid JSON pattern.
  static std::shared_ptr<const JsonFilter> parse(std::string_view text);
  bool matches(std::string_view message) const;
  ~JsonFilter();

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace nimbus::services::logs
