// What a producer hands a target (Delivery), what the target answers
// (Outcome: accepted, or a typed failure), and how a producer that must not
// lose an event retries it (RetryPolicy). Plain data; safe from any thread.
//
// The same Delivery reaches every target kind: an SQS queue sends `body` as
// the message with `attributes` as message attributes and the FIFO ids; a
// Lambda function is invoked asynchronously with `body` as the payload; an
// SNS topic (when it exists) publishes it. A target ignores what its kind has
// no place for (a Lambda target has no attributes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace nimbus::events {

// A message attribute (SQS MessageAttributes, SNS MessageAttributes).
// `value` holds the string, or the raw bytes of a binary value.
struct Attribute {
  std::string name;
  std::string type;  // "String", "Number", "Binary", or those with ".custom"
  std::string value;
  bool binary = false;
};

struct Delivery {
  std::string body;
  std::vector<Attribute> attributes;
  std::string group_id;    // FIFO targets: MessageGroupId (required by them)
  std::string dedup_id;    // FIFO targets: MessageDeduplicationId ("" = content-based)
  std::string source_arn;  // who produced the event (function, topic, rule, bucket)
  // The producer's id for the event (a Lambda request id): a target that
  // runs it keeps it where the kind has one (the invocation's request id).
  std::string id;
};

// Why a target did not take a delivery. Retryable kinds may succeed later
// (a producer retries them within its RetryPolicy); the others will not.
enum class Failure {
  kNotFound,     // no such queue / function / topic (or no target for the ARN's service)
  kRejected,     // the target refused this event (too large, bad attributes, FIFO ids)
  kThrottled,    // retryable: over a rate or concurrency limit
  kUnavailable,  // retryable: the target cannot take it now (storage error, shutting down)
};

// A target's answer. `id` is what the target calls what it accepted (an SQS
// MessageId, a Lambda request id); empty when it has no such thing.
class Outcome {
 public:
  static Outcome ok(std::string id = {}) { return Outcome(std::move(id)); }
  static Outcome failed(Failure kind, Error error) { return Outcome(kind, std::move(error)); }

  bool is_ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Failure failure() const { return failure_; }   // when !is_ok()
  const Error& error() const { return error_; }  // when !is_ok()
  const std::string& id() const { return id_; }
  bool retryable() const {
    return !ok_ && (failure_ == Failure::kThrottled || failure_ == Failure::kUnavailable);
  }

 private:
  explicit Outcome(std::string id) : ok_(true), id_(std::move(id)) {}
  Outcome(Failure kind, Error error) : ok_(false), failure_(kind), error_(std::move(error)) {}

  bool ok_;
  Failure failure_ = Failure::kNotFound;
  Error error_;
  std::string id_;
};

// Called exactly once, from any thread (often the storage committer); quick.
using DeliverDone = std::function<void(Outcome)>;

// How a durably queued event is retried, and where it goes when it is done.
// Two kinds of failed attempt, as Lambda's asynchronous invocation has them:
//  - an error of the event itself (a function error, a rejected delivery)
//    counts against `max_retries`, each retry after `retry_delays_ms[n]`
//    (the last entry repeats; empty = at once);
//  - a retryable failure of the target (throttled, unavailable) does not
//    count: it backs off exponentially (`backoff_initial_ms` doubling, at
//    most `backoff_max_ms`) until the event is `max_age_ms` old.
// Then the event goes to `on_success` / `on_failure` ("" = none); a failed
// event with no on_failure goes to `dead_letter` as it was, with what went
// wrong as attributes (Lambda's DeadLetterConfig).
struct RetryPolicy {
  int64_t max_retries = 2;
  std::vector<int64_t> retry_delays_ms = {60'000, 120'000};
  int64_t backoff_initial_ms = 1'000;
  int64_t backoff_max_ms = 300'000;
  int64_t max_age_ms = 6 * 3600 * 1000;
  std::string on_success;
  std::string on_failure;
  std::string dead_letter;

  // Delay before retry number `retry` (0-based) after an event error.
  int64_t retry_delay_ms(int64_t retry) const;
  // Delay after the `n`th (1-based) consecutive retryable target failure.
  int64_t backoff_ms(int64_t n) const;
};

}  // namespace nimbus::events
