// SNS subscription filter policies, a dialect of EventBridge event patterns
// (AWS runs both on one matcher), checked and matched through
// events::EventPattern:
//  - scope MessageAttributes: the policy's keys are attribute names and the
//    "event" is the message's attributes as one flat object (String values
//    as strings, Number values as numbers, String.Array values as their
//    JSON array, Binary values left out, as SNS ignores them); nested
//    policies are refused;
//  - scope MessageBody: the event is the message body parsed as JSON (a
//    body that is not a JSON object matches nothing).
// On top of the pattern's own checks, SNS's limits: at most 5 keys with
// the MessageAttributes scope, at most 150 combinations of values, numbers
// within ±1e9. Errors are InvalidParameter "Invalid parameter: FilterPolicy:
// <reason>".
//
// Immutable once parsed; matches() is safe from any thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "events/delivery.h"
#include "events/pattern.h"
#include "services/sns/types.h"

namespace nimbus::services::sns {

enum class FilterScope { kMessageAttributes, kMessageBody };

class FilterPolicy {
 public:
  static Result<std::shared_ptr<const FilterPolicy>> parse(std::string_view policy,
                                                           FilterScope scope);
  // "MessageAttributes" / "MessageBody"; nullopt for anything else.
  static std::optional<FilterScope> scope_named(std::string_view name);

  bool matches(const std::vector<events::Attribute>& attributes, std::string_view body) const;

 private:
  FilterPolicy(events::EventPattern pattern, FilterScope scope)
      : pattern_(std::move(pattern)), scope_(scope) {}
  events::EventPattern pattern_;
  FilterScope scope_;
};

// The subscription's FilterPolicy with its FilterPolicyScope compiled; null
// when it has none (or, for a stored one, when it no longer parses).
std::shared_ptr<const FilterPolicy> compile_filter(const Subscription& s);

}  // namespace nimbus::services::sns
