// Prefix and ErrorOutputPrefix of an S3 destination: text with `!{...}`
// expressions that Firehose evaluates for each object it writes.
//
//   !{timestamp:PATTERN}        the oldest record's arrival time (UTC), in a
//                               Java DateTimeFormatter pattern: y/u (year),
//                               M (month; MMM, MMMM names), d, D (day of
//                               year), H, h, a, m, s, S (fraction), E (day
//                               names), 'quoted text', '' for a quote, and
//                               any non-letter as it is
//   !{firehose:random-string}   11 random characters [a-zA-Z0-9]
//   !{firehose:error-output-type}  the failure's kind (ErrorOutputPrefix only)
//
// A prefix without expressions is followed by the default time layout
// YYYY/MM/dd/HH/ (default_layout()), as Firehose does.
//
// parse() checks what CreateDeliveryStream checks and answers
// InvalidArgumentException with the reason; it never throws, whatever the
// bytes (fuzz/firehose_prefix_fuzz.cc). Evaluation is a pure function.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::services::firehose {

class Prefix {
 public:
  // `error_output`: an ErrorOutputPrefix (may use error-output-type).
  static Result<Prefix> parse(std::string_view text, bool error_output);

  bool has_expressions() const { return expressions_ > 0; }
  bool uses_timestamp() const { return timestamps_ > 0; }
  const std::string& text() const { return text_; }

  // The prefix for an object whose oldest record arrived at `arrival_ms`;
  // `random` makes each random string, `error_type` fills error-output-type.
  std::string evaluate(int64_t arrival_ms, const std::function<std::string()>& random,
                       std::string_view error_type = {}) const;

 private:
  // A piece of the compiled prefix: literal text, or one field.
  struct Piece {
    enum class Kind { kText, kField, kRandom, kErrorType } kind = Kind::kText;
    char letter = 0;  // kField: the pattern letter
    int width = 0;    // kField: how many times it was repeated
    std::string text;
  };
  static Result<std::vector<Piece>> timestamp_pattern(std::string_view pattern);

  std::string text_;
  std::vector<Piece> pieces_;
  int expressions_ = 0;
  int timestamps_ = 0;
};

// YYYY/MM/dd/HH/ of `ms` (UTC): the layout after a prefix without
// expressions.
std::string default_layout(int64_t ms);

// The object name's suffix time: YYYY-MM-dd-HH-mm-ss of `ms` (UTC).
std::string suffix_time(int64_t ms);

}  // namespace nimbus::services::firehose
