// JSONata's regular expressions (`/pattern/flags`, flags i and m), compiled
// once at parse time with PCRE2 in its UTF mode. JSONata hands patterns to
// JavaScript's RegExp; PCRE2 reads the same syntax for what expressions
// use (classes, groups, named groups, lookaround, \d \w \s, \uXXXX), with
// `$` matching only at the end, as in JavaScript.
//
// Matching is bounded by PCRE2's match and depth limits, in two tiers: a
// search first runs under a small limit, which any ordinary pattern stays
// within; one that hits it runs again under a large limit and is reported
// as `heavy`, for the evaluator to charge its step budget accordingly. A
// pattern that backtracks past the large limit fails the evaluation instead
// of hanging it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nimbus::jsonata {

class Regex {
 public:
  struct Match {
    size_t begin = 0;  // byte offsets into the subject
    size_t end = 0;
    std::vector<std::optional<std::string>> groups;  // 1..n; nullopt: did not take part
  };
  enum class Cost { kLight, kHeavy, kTooMuch };

  // `flags` holds any of 'i' and 'm'. An error is PCRE2's message.
  static std::variant<std::shared_ptr<const Regex>, std::string> compile(std::string_view pattern,
                                                                         std::string_view flags);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // The first match at or after byte `from`; nullopt when none, with `cost`
  // kTooMuch when the large limit ended the search.
  std::optional<Match> find(std::string_view subject, size_t from, Cost& cost) const;
  const std::string& source() const { return source_; }

 private:
  Regex() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string source_;
};

}  // namespace nimbus::jsonata
