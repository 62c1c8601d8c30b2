// Enhanced fan-out subscriptions (SubscribeToShard): one consumer reading one
// shard, pushed as events (common/event_source.h) that the protocol engine
// frames onto the HTTP/1.1 connection. Records are pushed as soon as their
// append is readable: an idle subscription waits on the shard's Log
// partition (storage::Log::wait), never polls. A subscription ends after
// 5 minutes of the injectable clock, at the end of a closed shard (after an
// event naming its children), when its consumer is deregistered, or when the
// client goes away (the source is dropped). An idle subscription sends an
// empty event every 5 seconds so clients' read timeouts never fire.
//
// Threads: next_event() runs on the connection's loop or on the thread that
// woke the wait (the storage committer, or the scheduler at a deadline); it
// never blocks (record reads go to RocksDB as GetRecords' do). The registry
// and each subscription have their own mutex; neither is held while calling
// out.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/event_source.h"
#include "common/mutex.h"
#include "services/kinesis/engine.h"

namespace nimbus::services::kinesis {

inline constexpr std::chrono::minutes kSubscriptionLife{5};
inline constexpr std::chrono::seconds kHeartbeat{5};

class FanOut {
 public:
  FanOut(Engine& engine, const Clock& clock) : engine_(engine), clock_(clock) {}
  ~FanOut();

  // A subscription of `consumer_arn` to one shard, reading from Log sequence
  // `next_seq`. ResourceInUseException when that consumer already has one
  // on that shard.
  Result<std::shared_ptr<EventSource>> subscribe(const std::string& consumer_arn,
                                                 const Stream& stream, uint32_t shard,
                                                 uint64_t next_seq);
  // Ends every subscription of the consumer (it was deregistered): each
  // ends after the event it is sending, or at once when it waits.
  void end_consumer(const std::string& consumer_arn);
  size_t active() const;

  class Subscription;

 private:
  friend class Subscription;
  void forget(const std::pair<std::string, uint32_t>& key, const Subscription* s);

  Engine& engine_;
  const Clock& clock_;
  mutable Mutex mu_;
  // `raw` identifies the entry's subscription without locking the weak
  // pointer (a lock could drop the last reference under mu_).
  struct Entry {
    std::weak_ptr<Subscription> sub;
    const Subscription* raw = nullptr;
  };
  std::map<std::pair<std::string, uint32_t>, Entry> active_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::kinesis
