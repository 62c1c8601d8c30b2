// Enhanced fan-out subscriptions (fanout.h).
#include "services/kinesis/fanout.h"

#include <algorithm>

#include "services/kinesis/errors.h"
#include "services/kinesis/input.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

// Per event, as AWS bounds what one SubscribeToShardEvent carries.
constexpr size_t kEventRecords = 10000;
constexpr size_t kEventBytes = 1 << 20;

json::array child_shards(const std::vector<Shard>& children) {
  json::array out;
  for (const auto& c : children) {
    json::array parents;
    if (c.parent) parents.push_back(json::string(shard_id(*c.parent)));
    if (c.adjacent_parent) parents.push_back(json::string(shard_id(*c.adjacent_parent)));
    out.push_back(
        json::object{{"ShardId", shard_id(c.index)},
                     {"ParentShards", std::move(parents)},
                     {"HashKeyRange", json::object{{"StartingHashKey", to_decimal(c.start_hash)},
                                                   {"EndingHashKey", to_decimal(c.end_hash)}}}});
  }
  return out;
}

}  // namespace

class FanOut::Subscription final : public EventSource,
                                   public std::enable_shared_from_this<Subscription> {
 public:
  using Next = std::function<void(EventResult)>;

  Subscription(FanOut& hub, std::pair<std::string, uint32_t> key, const Stream& stream,
               uint64_t next_seq)
      : hub_(hub),
        key_(std::move(key)),
        stream_id_(stream.id),
        partition_(stream.partition(key_.second)),
        ends_at_(hub.clock_.now() + kSubscriptionLife),
        last_event_(hub.clock_.now()),
        next_seq_(next_seq) {}

  ~Subscription() override {
    uint64_t wait = 0;
    {
      MutexLock lock(mu_);
      wait = wait_;
    }
    if (wait != 0) hub_.engine_.log().cancel_wait(wait);
    hub_.forget(key_, this);
  }

  void next_event(Next next) override { produce(std::move(next), /*woken=*/false); }

  // Deregistration: end after the current event, or now if waiting.
  void stop() {
    Next pending;
    uint64_t wait = 0;
    {
      MutexLock lock(mu_);
      stopped_ = true;
      wait = wait_;
    }
    if (wait == 0 || !hub_.engine_.log().cancel_wait(wait)) return;
    {
      MutexLock lock(mu_);
      wait_ = 0;
      pending = std::move(pending_);
    }
    if (pending) pending(std::optional<OutputEvent>());
  }

 private:
  // Reads what is there; with nothing to send, waits for an append (or the
  // heartbeat, or the end) unless this is the wake-up of such a wait, which
  // then sends an empty event.
  void produce(Next next, bool woken) {
    uint64_t from = 0;
    {
      MutexLock lock(mu_);
      if (stopped_ || finished_) return next(std::optional<OutputEvent>());
      from = next_seq_;
    }
    auto now = hub_.clock_.now();
    if (now >= ends_at_) return next(std::optional<OutputEvent>());
    auto got = hub_.engine_.read_from(stream_id_, key_.second, from, kEventRecords, kEventBytes);
    if (!got) return next(got.take_error());
    if (got->records.empty() && !got->ended && !woken) return wait(std::move(next), from, now);
    json::storage_ptr arena = got->arena;
    uint64_t next_seq = std::max<uint64_t>(got->next_seq, from);
    json::object event(arena);
    event.reserve(4);
    event.emplace("Records", input::records_json(*got));
    event.emplace("ContinuationSequenceNumber",
                  format_sequence({stream_id_, key_.second, next_seq > 0 ? next_seq - 1 : 0}));
    event.emplace("MillisBehindLatest", got->millis_behind);
    if (got->ended) event["ChildShards"] = child_shards(got->children);
    {
      MutexLock lock(mu_);
      next_seq_ = next_seq;
      finished_ = got->ended;
      last_event_ = now;
    }
    next(std::optional<OutputEvent>(OutputEvent{"SubscribeToShardEvent", std::move(event)}));
  }

  void wait(Next next, uint64_t from, Clock::time_point now) {
    Clock::time_point deadline;
    {
      MutexLock lock(mu_);
      deadline = std::min(ends_at_, std::max(now, last_event_ + kHeartbeat));
      pending_ = std::move(next);
    }
    auto id = hub_.engine_.log().wait(partition_, from > 0 ? from - 1 : 0, deadline,
                                      [weak = weak_from_this()](storage::Log::WaitOutcome outcome) {
                                        auto self = weak.lock();
                                        if (self) self->woken(outcome);
                                      });
    MutexLock lock(mu_);
    if (pending_) wait_ = id;  // else it was answered already, inside wait()
  }

  void woken(storage::Log::WaitOutcome outcome) {
    Next pending;
    {
      MutexLock lock(mu_);
      wait_ = 0;
      pending = std::move(pending_);
    }
    if (!pending) return;
    if (outcome == storage::Log::WaitOutcome::kClosed) {
      // The stream was deleted (or the server stops).
      return pending(Error::make("ResourceNotFoundException",
                                 "Shard " + shard_id(key_.second) + " is no longer available."));
    }
    produce(std::move(pending), /*woken=*/true);
  }

  FanOut& hub_;
  const std::pair<std::string, uint32_t> key_;
  const uint64_t stream_id_;
  const std::string partition_;
  const Clock::time_point ends_at_;
  Mutex mu_;
  Clock::time_point last_event_ GUARDED_BY(mu_);
  uint64_t next_seq_ GUARDED_BY(mu_);
  bool stopped_ GUARDED_BY(mu_) = false;
  bool finished_ GUARDED_BY(mu_) = false;
  uint64_t wait_ GUARDED_BY(mu_) = 0;
  Next pending_ GUARDED_BY(mu_);
};

FanOut::~FanOut() = default;

Result<std::shared_ptr<EventSource>> FanOut::subscribe(const std::string& consumer_arn,
                                                       const Stream& stream, uint32_t shard,
                                                       uint64_t next_seq) {
  auto key = std::make_pair(consumer_arn, shard);
  MutexLock lock(mu_);
  if (auto it = active_.find(key); it != active_.end() && !it->second.sub.expired()) {
    return errors::in_use("Another active subscription exists for this consumer: " + consumer_arn +
                          " and shard: " + shard_id(shard) + ".");
  }
  auto sub = std::make_shared<Subscription>(*this, key, stream, next_seq);
  active_[key] = Entry{sub, sub.get()};
  return std::shared_ptr<EventSource>(std::move(sub));
}

void FanOut::end_consumer(const std::string& consumer_arn) {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    MutexLock lock(mu_);
    for (auto it = active_.lower_bound({consumer_arn, 0});
         it != active_.end() && it->first.first == consumer_arn; ++it) {
      if (auto s = it->second.sub.lock()) subs.push_back(std::move(s));
    }
  }
  for (auto& s : subs) s->stop();
}

size_t FanOut::active() const {
  MutexLock lock(mu_);
  size_t n = 0;
  for (const auto& [key, entry] : active_) n += entry.sub.expired() ? 0 : 1;
  return n;
}

void FanOut::forget(const std::pair<std::string, uint32_t>& key, const Subscription* s) {
  MutexLock lock(mu_);
  auto it = active_.find(key);
  // A new subscription may hold the key already (the old one had expired).
  if (it != active_.end() && it->second.raw == s) {
    active_.erase(it);
  }
}

}  // namespace nimbus::services::kinesis
