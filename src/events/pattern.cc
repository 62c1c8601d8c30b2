// Skeleton: parse() accepts a JSON object; matching lands in the next commit.
#include "events/pattern.h"

#include <boost/json/parse.hpp>

namespace nimbus::events {

struct EventPattern::Node {};

Result<EventPattern> EventPattern::parse(std::string_view json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object())
    return Error::make("InvalidEventPatternException",
                       "Event pattern is not valid. Reason: Filter is not an object", 400);
  return EventPattern(std::make_shared<const Node>());
}

bool EventPattern::matches(const boost::json::value&) const {
  return false;
}

}  // namespace nimbus::events
