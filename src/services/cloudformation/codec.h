// Where the engine keeps stacks: namespace "cfn.stacks" (stack id -> the
// stack record), "cfn.events" (stack id, sequence -> one event),
// "cfn.changesets" (change set id -> its record). Keys on
// storage/key_codec.h; records are JSON. Every write of a stack names the
// stack id as its partition. Decoders never throw: a record that does not
// decode is skipped by start() with a log line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "services/cloudformation/stack.h"

namespace nimbus::services::cloudformation::codec {

inline constexpr std::string_view kStacks = "cfn.stacks";
inline constexpr std::string_view kEvents = "cfn.events";
inline constexpr std::string_view kChangeSets = "cfn.changesets";

std::string stack_key(std::string_view stack_id);
std::string event_key(std::string_view stack_id, uint64_t seq);
std::string event_prefix(std::string_view stack_id);

std::string encode(const StackState& s);
std::optional<StackState> decode_stack(std::string_view text);

}  // namespace nimbus::services::cloudformation::codec
