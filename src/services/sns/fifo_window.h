// FIFO topics: sequence numbers and the 5-minute deduplication window.
//
// The window lives in memory and is mirrored in storage by its owner
// (SnsService: each accepted message's entry and the topic's last sequence
// number are written after its deliveries, in the same commit order; entries
// that leave the window are deleted with the next write). A restart reloads
// it, so a repeat within the 5 minutes is answered as the first message and
// not delivered again, and sequence numbers keep growing whatever the wall
// clock did meanwhile.
//
// Not thread-safe: the owner holds one lock across accept() and queueing
// the message's deliveries, so that sequence order is the order in which
// deliveries are stored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::services::sns {

// Where the owner stores the window: one record per entry, and per topic
// the last sequence number handed out (decimal).
inline constexpr const char* kFifoWindowNs = "sns.fifo-window";
inline constexpr const char* kFifoSequenceNs = "sns.fifo-sequence";

class FifoWindow {
 public:
  static constexpr int64_t kWindowMs = 5 * 60 * 1000;

  // An accepted message, as the window keeps it for a repeat.
  struct Entry {
    std::string message_id;
    std::string sequence;  // 20 digits
    int64_t expires_ms = 0;
  };

  struct Accepted {
    std::string message_id;
    std::string sequence;
    bool duplicate = false;
    // The topic's sequence high-water mark after this call.
    uint64_t last = 0;
    // Deduplication keys of the topic that left the window in this call.
    std::vector<std::string> expired;
  };

  // Accepts a message of `topic` whose deduplication key (its id, prefixed
  // by its group under FifoThroughputScope MessageGroup) is `key`, at
  // `now_ms`: a new sequence number, greater than every earlier one of the
  // topic and not below the clock's milliseconds × 10^6; or, within the
  // window of an earlier message with the same key, that message's id and
  // sequence with `duplicate` set.
  Accepted accept(const std::string& topic, const std::string& key, int64_t now_ms,
                  const std::string& message_id);

  // At start: a stored entry (ignored once expired at `now_ms`), and the
  // topic's stored high-water mark.
  void restore(const std::string& topic, const std::string& key, Entry entry, int64_t now_ms);
  void restore_last(const std::string& topic, uint64_t last);
  // Drops `topic`'s window and sequence (DeleteTopic): a topic made again
  // under its name starts afresh.
  void forget(const std::string& topic) { topics_.erase(topic); }

  // The stored form: key `topic` "\n" `key`; the value carries the entry.
  static std::string record_key(std::string_view topic, std::string_view key);
  static std::string encode(const Entry& e);
  // Splits a stored key and reads its value; nullopt if either is not ours.
  struct Record {
    std::string topic;
    std::string key;
    Entry entry;
  };
  static std::optional<Record> decode(std::string_view record_key, std::string_view value);

 private:
  struct PerTopic {
    uint64_t last = 0;
    std::map<std::string, Entry> seen;           // key -> entry
    std::multimap<int64_t, std::string> expiry;  // expires_ms -> key
  };
  std::map<std::string, PerTopic> topics_;
};

}  // namespace nimbus::services::sns
