// Queue: one SQS queue in memory — its configuration and the indexes over its
// messages that make receive, delete and visibility changes O(log n).
//
// Threads: every field below `mu` is guarded by it; Queues (queues.h) takes
// the lock and calls the methods here, which never block, never touch
// storage and never take another lock. Identity fields are immutable.
//
// Message states: visible (deliverable now), delayed (not yet visible since
// its send), in flight (received, visibility timeout running). Standard
// queues deliver visible messages in send order; FIFO queues deliver each
// group's messages in order and skip a group while any of its messages is in
// flight.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/scheduler.h"
#include "services/sqs/attributes.h"
#include "services/sqs/codec.h"
#include "services/sqs/types.h"

namespace nimbus::services::sqs {

enum class MessageState { kVisible, kDelayed, kInflight };

struct Message {
  std::shared_ptr<const MessageData> data;
  MessageState state = MessageState::kVisible;
  int64_t visible_at_ms = 0;  // wall clock; meaningful while delayed or in flight
  uint32_t receive_count = 0;
  int64_t first_receive_ms = 0;
  uint64_t nonce = 0;  // of the latest receipt handle
};

// A receive waiting for messages (long polling).
struct Waiter {
  uint64_t id = 0;
  ReceiveRequest request;
  std::function<void(Result<std::vector<Received>>)> done;
  int64_t deadline_ms = 0;  // wall clock
  Scheduler::TimerId timer = 0;
};

class Queue {
 public:
  Queue(std::string account, std::string name, std::string arn, uint64_t id, bool fifo)
      : account(std::move(account)),
        name(std::move(name)),
        arn(std::move(arn)),
        id(id),
        fifo(fifo) {}

  const std::string account;
  const std::string name;
  const std::string arn;
  const uint64_t id;  // stable for this queue's life; part of receipt handles
  const bool fifo;

  // Storage generation of its messages: written under mu (purge), read
  // without it by queues moving messages here.
  std::atomic<uint64_t> gen{0};

  mutable std::mutex mu;

  // ---- guarded by mu ----
  QueueConfig config;
  int64_t created_s = 0;
  int64_t modified_s = 0;
  std::map<std::string, std::string> tags;
  int64_t last_purge_ms = -1;
  bool deleted = false;

  std::list<Waiter> waiters;
  Scheduler::TimerId wake_timer = 0;  // wakes waiters when a hidden message turns visible
  int64_t wake_at_ms = 0;

  // FIFO deduplication: key -> entry, and keys in expiry order.
  std::unordered_map<std::string, codec::DedupEntry> dedup;
  std::deque<std::pair<int64_t, std::string>> dedup_expiry;

  // Message indexes.
  Message* find(uint64_t seq);
  // Adds a message (state derived from visible_at/receive_count and now).
  void insert(std::shared_ptr<const MessageData> data, int64_t visible_at_ms,
              uint32_t receive_count, int64_t first_receive_ms, uint64_t nonce, int64_t now_ms);
  void erase(uint64_t seq);
  void clear();
  // Moves delayed and in-flight messages whose time has come to visible.
  void promote(int64_t now_ms);
  // Up to `max` deliverable messages, in delivery order (does not change state).
  std::vector<uint64_t> pick(size_t max) const;
  // Marks a message in flight until `visible_at_ms`, or visible again.
  void set_inflight(uint64_t seq, int64_t visible_at_ms);
  void set_visible(uint64_t seq);
  // Earliest time a hidden message turns visible, or 0.
  int64_t next_visible_at() const;
  // Oldest visible message (retention sweeps), or 0.
  uint64_t oldest_visible() const;

  size_t count_visible() const { return n_visible_; }
  size_t count_delayed() const { return n_delayed_; }
  size_t count_inflight() const { return n_inflight_; }
  size_t size() const { return messages_.size(); }
  template <typename F>
  void for_each(F f) const {
    for (const auto& [seq, m] : messages_) f(seq, m);
  }

 private:
  struct Group {
    std::deque<uint64_t> seqs;  // every message of the group, in order
    int inflight = 0;
    bool indexed = false;
    uint64_t indexed_head = 0;
  };
  void index(uint64_t seq, Message& m);
  void unindex(uint64_t seq, Message& m);
  void refresh_group(const std::string& name);

  std::unordered_map<uint64_t, Message> messages_;
  std::set<uint64_t> visible_;                     // standard queues
  std::set<std::pair<int64_t, uint64_t>> hidden_;  // (visible_at, seq): delayed + in flight
  std::unordered_map<std::string, Group> groups_;  // FIFO
  std::set<std::pair<uint64_t, std::string>> ready_groups_;  // (head seq, group)
  size_t n_visible_ = 0;
  size_t n_delayed_ = 0;
  size_t n_inflight_ = 0;
};

}  // namespace nimbus::services::sqs
