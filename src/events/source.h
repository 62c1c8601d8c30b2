// Sources that event source mappings read: QueueSource for queues (SQS; an
// MQ broker would be another). A service implements it for its own ARNs
// (services/sqs/queue_source.cc) and binds it in the registry of
// services::Environment::targets (Targets::bind_source); the pollers in
// events/ reach it only through this interface, by ARN, at each call.
//
// The message values here belong to events/: a source converts its own
// messages into them.
//
// Threads: every method is thread-safe and never blocks; callbacks run on
// the source's threads (storage committer, scheduler) or inline, and must be
// quick.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "events/delivery.h"

namespace nimbus::events {

// One received message, with what Lambda's SQS event shows of it.
struct QueueMessage {
  std::string id;
  std::string receipt_handle;
  std::string body;
  std::vector<Attribute> attributes;  // message attributes, sorted by name
  std::string md5_body;
  std::string md5_attributes;  // "" when there are none
  // System attributes.
  std::string sender_id;
  std::string trace_header;  // AWSTraceHeader, "" when absent
  int64_t sent_ms = 0;
  int64_t first_receive_ms = 0;
  uint32_t receive_count = 0;
  std::string group_id;         // FIFO
  std::string dedup_id;         // FIFO
  std::string sequence_number;  // FIFO, as the queue shows it
  std::string dlq_source;       // DeadLetterQueueSourceArn, "" when absent
};

struct QueueInfo {
  bool fifo = false;
  int64_t visibility_timeout_s = 30;
};

struct QueueReceive {
  int max_messages = 10;
  int wait_seconds = 20;  // long poll
  // Non-zero: release_waiters(arn, owner) ends this receive's wait early.
  uint64_t owner = 0;
};

class QueueSource {
 public:
  virtual ~QueueSource() = default;

  // nullopt when no queue has this ARN.
  virtual std::optional<QueueInfo> describe(const std::string& arn) const = 0;
  // Answers when messages are available or the wait ends (empty then). A
  // missing queue fails with the source's not-found error.
  virtual void receive(const std::string& arn, QueueReceive r,
                       std::function<void(Result<std::vector<QueueMessage>>)> done) = 0;
  virtual void remove(const std::string& arn, std::vector<std::string> receipt_handles,
                      std::function<void(Status)> done) = 0;
  // (receipt handle, new visibility timeout in seconds) pairs.
  virtual void change_visibility(const std::string& arn,
                                 std::vector<std::pair<std::string, int>> changes,
                                 std::function<void(Status)> done) = 0;
  // Answers `owner`'s waiting receives on `arn` now, with no messages.
  virtual void release_waiters(const std::string& arn, uint64_t owner) = 0;
};

}  // namespace nimbus::events
