// Outbox: deliveries a producer has promised, kept in storage until a target
// accepts them. A producer puts a delivery into the same WriteBatch as the
// state change that produced it (add), so the two are durable together;
// once the batch commits it calls start(). Each delivery goes to
// Targets::deliver; a retryable failure (throttled, unavailable, or a target
// kind not bound yet, as at start-up) backs off per the policy until the
// delivery is max_age_ms old; anything else ends it (the `failed` callback
// counts it). At-least-once: a delivery in flight at kill -9 is made again at
// start-up.
//
// Records: namespace `ns`, key a time-ordered sequence, value JSON (target,
// body, attributes, ids, first attempt time).
//
// Threads: thread-safe; nothing blocks. Callbacks run on the storage
// committer, the scheduler or a target's threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/gate.h"
#include "common/scheduler.h"
#include "events/delivery.h"
#include "events/target.h"
#include "storage/write_batch.h"

namespace nimbus::storage {
class Storage;
}

namespace nimbus::events {

class Outbox {
 public:
  struct Deps {
    storage::Storage* storage;  // null: memory only
    Scheduler& scheduler;
    const Clock& clock;
    const Targets& targets;
  };
  // Called once per delivery that ended without being accepted.
  using Failed = std::function<void(const std::string& target, const Delivery&, const Outcome&)>;

  Outbox(Deps deps, std::string ns, RetryPolicy policy, Failed failed);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  struct Item;
  // Records the delivery in `batch`; start() it once the batch is durable.
  std::shared_ptr<Item> add(storage::WriteBatch& batch, std::string target, Delivery d);
  void start(std::shared_ptr<Item> item);
  // Schedules the stored deliveries (start-up), `delay_ms` from now.
  size_t recover(int64_t delay_ms);
  void stop();
  int64_t pending() const { return pending_.load(); }

 private:
  void attempt(std::shared_ptr<Item> item);
  void later(std::shared_ptr<Item> item, int64_t delay_ms);
  void done(std::shared_ptr<Item> item);

  Deps deps_;
  std::string ns_;
  RetryPolicy policy_;
  Failed failed_;
  std::atomic<uint64_t> seq_{0};
  std::atomic<int64_t> pending_{0};
  std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
  // Callbacks enter it before touching `this`; the destructor closes it.
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::events
