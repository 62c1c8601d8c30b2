// A function's Events: each becomes the resources that deliver it (event
// source mappings, subscriptions, rules, schedules, bucket notifications and
// the permissions they need). Api and HttpApi events are collected in the
// Expansion for the APIs (api.cc). Internal to sam/.
#pragma once

#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

// `fn_ref` is what FunctionName takes (the function or its alias), `fn_arn`
// what a target or endpoint takes. Answers what the function's role needs
// for its pollers: managed policy ARNs (strings) and inline policies
// ({PolicyName, PolicyDocument} objects).
Result<json::array> expand_events(std::string_view id, const json::object& props,
                                  std::string_view condition, const json::value& fn_ref,
                                  const json::value& fn_arn, Expansion& x);

// A rule event's DeadLetterConfig as a rule target's: {Arn} as given, or a
// queue made for {Type: SQS} (<rule>Queue or QueueLogicalId, with a policy
// letting the rule send); null when there is none; SAM's errors.
Result<json::value> rule_dead_letter(std::string_view owner, std::string_view event_id,
                                     const std::string& rule_id, const json::object& props,
                                     const std::string& condition, Expansion& x);

}  // namespace nimbus::cfn::sam
