// Plain data of the SQS service: messages, their attributes, send and receive
// requests and results. No behaviour beyond trivial accessors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::services::sqs {

// One message attribute (user or system). `value` holds the string value or
// the raw bytes of a binary value.
struct MessageAttribute {
  std::string name;
  std::string type;  // "String", "Number", "Binary", or those with ".custom"
  std::string value;
  bool binary = false;
};

// A FIFO message's SequenceNumber as SQS shows it: 20 digits, zero-padded.
inline std::string sequence_number(uint64_t seq) {
  std::string s = std::to_string(seq);
  return std::string(s.size() < 20 ? 20 - s.size() : 0, '0') + s;
}

// What a message was sent with. Immutable once the send committed, shared by
// the queue and every receive result.
struct MessageData {
  std::string id;  // UUID
  std::string body;
  std::vector<MessageAttribute> attributes;  // sorted by name
  std::string trace_header;                  // AWSTraceHeader system attribute
  std::string md5_body;
  std::string md5_attributes;  // empty when there are none
  std::string md5_system;      // empty when there are none
  std::string sender_id;
  std::string group_id;    // FIFO
  std::string dedup_id;    // FIFO (explicit, or the body's SHA-256)
  std::string dlq_source;  // ARN of the queue a redrive moved it from
  int64_t sent_ms = 0;
  uint64_t seq = 0;  // also the FIFO SequenceNumber
};

struct SendRequest {
  std::string body;
  std::optional<int> delay_seconds;  // absent: the queue's DelaySeconds
  std::vector<MessageAttribute> attributes;
  std::vector<MessageAttribute> system_attributes;  // AWSTraceHeader only
  std::string group_id;
  std::string dedup_id;
  std::string sender_id;
};

struct SendResult {
  std::string message_id;
  std::string md5_body;
  std::string md5_attributes;
  std::string md5_system;
  std::string sequence_number;  // FIFO only
};

struct ReceiveRequest {
  int max_messages = 1;
  int visibility_timeout = -1;  // -1: the queue's VisibilityTimeout
  int wait_seconds = -1;        // -1: the queue's ReceiveMessageWaitTimeSeconds
  std::string attempt_id;       // FIFO ReceiveRequestAttemptId
  uint64_t owner = 0;           // non-zero: release_waiters(q, owner) may end its wait early
};

struct Received {
  std::shared_ptr<const MessageData> data;
  std::string receipt_handle;
  uint32_t receive_count = 0;
  int64_t first_receive_ms = 0;
};

}  // namespace nimbus::services::sqs
