// A composite alarm's AlarmRule: ALARM(x), OK(x), INSUFFICIENT_DATA(x)
// (x an alarm name or ARN, quoted with " or not), TRUE, FALSE, NOT, AND,
// OR (NOT binds tightest, then AND, then OR; keywords in any case) and
// parentheses. AWS's limits: at most 10240 characters, 100 distinct child
// alarms and 500 elements (children, TRUE/FALSE, parentheses).
//
// Pure values: parse once (PutCompositeAlarm, or the stored text), then
// holds() with the children's current states.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::services::cloudwatch {

class AlarmRule {
 public:
  // AWS's ValidationError naming what is wrong, for text that is not a rule.
  static Result<AlarmRule> parse(std::string_view text);

  // The alarms it names, as written (a name or an ARN), first use first.
  const std::vector<std::string>& children() const { return children_; }

  // Whether the rule holds when each child is in the state `state_of`
  // answers for it ("OK", "ALARM", "INSUFFICIENT_DATA"; "" for an alarm
  // that does not exist, which no function matches).
  bool holds(const std::function<std::string(const std::string&)>& state_of) const;

 private:
  struct Node {
    enum Kind : uint8_t { kConst, kState, kNot, kAnd, kOr } kind = kConst;
    bool value = false;      // kConst
    std::string state;       // kState: the state the function asks for
    size_t child = 0;        // kState: index into children_
    int32_t a = -1, b = -1;  // operands
  };
  class Parser;

  bool eval(int32_t node, const std::vector<std::string>& states) const;

  std::vector<Node> nodes_;
  int32_t root_ = -1;
  std::vector<std::string> children_;
};

// The alarms a stored rule names (empty when it does not parse).
std::vector<std::string> rule_children(std::string_view text);

}  // namespace nimbus::services::cloudwatch
