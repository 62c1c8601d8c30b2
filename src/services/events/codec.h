// Records of buses and rules (JSON), the event envelope's time, and what a
// target receives for an event.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "services/events/engine.h"

namespace nimbus::services::eventbridge {

std::string encode(const Bus& b);
std::optional<Bus> decode_bus(std::string_view text);
// A rule and its targets. Decoding validates again (the pattern, schedule
// and targets are compiled from their text).
std::string encode(const Rule& r);
std::optional<Rule> decode_rule(std::string_view text);

// "2026-12-04T10:00:00Z"
std::string event_time(int64_t epoch_s);

// The body `t` receives for `event`: Input, the InputPath's value, the
// InputTransformer's output, or the event (JSON text).
std::string target_input(const RuleTarget& t, const Rule& rule, const boost::json::value& event,
                         std::string_view time);

}  // namespace nimbus::services::eventbridge
