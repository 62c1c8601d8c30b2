// A delivery waiting to be made (a destination record, a dead-letter
// message), as it is stored: the target ARN, the Delivery, when it was first
// due and how many retryable failures it met. JSON, so that records written
// by older builds (the former outbox, `lambda.async.out`) read the same.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/delivery.h"

namespace nimbus::events {

struct StoredDelivery {
  std::string target;
  Delivery delivery;
  int64_t first_ms = 0;
  int64_t failures = 0;  // consecutive retryable failures

  std::string encode() const;
  // nullopt when `text` is not a JSON object.
  static std::optional<StoredDelivery> decode(std::string_view text);
  // The same as a JSON object, for a record that stores more fields beside
  // these (TargetQueue): one parse and one serialization per record.
  boost::json::object to_json() const;
  static StoredDelivery from_json(const boost::json::object& o);
};

}  // namespace nimbus::events
