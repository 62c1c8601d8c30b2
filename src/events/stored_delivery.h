// A delivery waiting to be made (a destination record, a dead-letter
// message), as it is stored: the target ARN, the Delivery, when it was first
// due and how many retryable failures it met. JSON, so that records written
// by older builds (the former outbox, `lambda.async.out`) read the same.
#pragma once

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
};

}  // namespace nimbus::events
