// JSONata (https://docs.jsonata.org): a query and transformation language
// for JSON, evaluated over boost::json values. Step Functions' JSONata query
// language is its first user; nothing here knows of Step Functions.
//
// Expression::parse() compiles once; evaluate() runs against an input with
// the caller's variables and extra native functions. Errors carry JSONata's
// own codes (S0xxx syntax, T0xxx/T1xxx/T2xxx types, D1xxx-D3xxx dynamic,
// U1001 too deep, U1002 too many steps) and the character position.
// Evaluation is bounded: nesting depth and the number of evaluation steps
// are limited, so hostile expressions end with an error, not a hang or a
// stack overflow. Not supported (parse error S0299): the parent operator
// `%`, the `@`/`#` binding operators, and picture strings of
// $fromMillis/$toMillis; a transform's pattern is `$` or a path of names.
//
// Threads: an Expression is immutable after parse; evaluate() may run on
// many threads at once (each call has its own state).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nimbus::jsonata {

struct Error {
  std::string code;     // S0201, T2001, D1001, ...
  std::string message;  // what went wrong, in JSONata's words
  size_t position = 0;  // offset in the expression just past the offending token
};

// A value or nothing (JSONata's `undefined`).
using Maybe = std::optional<boost::json::value>;
using Outcome = std::variant<Maybe, Error>;

// A function supplied by the caller (Step Functions' $partition, $hash, ...).
// `signature` is JSONata's function signature (`<n-n?:a>`): arguments are
// checked and context-filled against it before `fn` sees them.
struct Native {
  std::string signature;
  std::function<Outcome(const std::vector<Maybe>& args)> fn;
};

// Threads have 8 MiB of stack. AddressSanitizer's redzones around every
// local make the same evaluation use several times the stack (unoptimized,
// more still: a 100-deep recursive function needed more than 2 MiB in the
// -O0 sanitizer build), so a sanitizer build allows more before U1001.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NIMBUS_JSONATA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(NIMBUS_JSONATA_ASAN)
inline constexpr size_t kDefaultStackBytes = 6 << 20;
#else
inline constexpr size_t kDefaultStackBytes = 2 << 20;
#endif

struct Options {
  int64_t now_ms = 0;              // $now() and $millis() (one instant per evaluation)
  std::function<double()> random;  // [0, 1) for $random(); a default one when empty
  std::map<std::string, boost::json::value, std::less<>> variables;  // $name -> value
  std::map<std::string, Native, std::less<>> functions;              // $name -> function
  int max_depth = 1500;                                              // nested evaluations (U1001)
  size_t max_stack_bytes = kDefaultStackBytes;  // C++ stack one evaluation may use (U1001)
  uint64_t max_steps = 2'000'000;               // evaluation steps and produced items (U1002)
};

struct Node;

class Expression {
 public:
  static std::variant<Expression, Error> parse(std::string_view text);
  // `input` may be null (no input: `$` is undefined).
  Outcome evaluate(const boost::json::value* input, const Options& options) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

// JSON text as JavaScript's JSON.stringify writes it (numbers included).
std::string stringify(const boost::json::value& v);

// JavaScript's Number-to-string (what JSONata's $string and `&` produce).
std::string format_number(double d);

}  // namespace nimbus::jsonata
