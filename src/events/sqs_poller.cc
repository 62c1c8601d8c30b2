#include "events/sqs_poller.h"

#include <algorithm>
#include <set>

#include "events/sqs_event.h"

namespace nimbus::events {

namespace json = boost::json;

namespace {

constexpr int kStartPollers = 5;  // Lambda starts with five pollers per SQS mapping
constexpr int kMaxReceive = 10;
constexpr int64_t kMaxBackoffMs = 30'000;
constexpr int64_t kMissingQueueRetryMs = 5'000;

std::atomic<uint64_t> next_owner{1};

// Callbacks that arrive inline (a receive that finds messages at once) would
// otherwise nest one call per batch; past this depth they go through the
// scheduler.
thread_local int depth = 0;
constexpr int kMaxDepth = 8;

int start_lanes(const SqsPollerConfig& c) {
  return std::max(1, std::min(kStartPollers, c.max_concurrency));
}

}  // namespace

struct SqsPoller::Lane {
  std::vector<QueueMessage> batch;
  int64_t batch_start_ms = 0;
  int throttles = 0;
};

SqsPoller::SqsPoller(Deps deps, SqsPollerConfig config, uint64_t owner)
    : deps_(std::move(deps)),
      owner_(owner),
      config_(std::make_shared<const SqsPollerConfig>(std::move(config))) {}

std::shared_ptr<SqsPoller> SqsPoller::start(Deps deps, SqsPollerConfig config) {
  int n = start_lanes(config);
  auto p = std::make_shared<SqsPoller>(std::move(deps), std::move(config), next_owner++);
  p->lanes_ = n;
  // Through the scheduler: start() runs under Mappings' lock, on the storage
  // committer or at start-up, and a backlog would make the first receives
  // filter, batch and invoke right there.
  for (int i = 0; i < n; ++i) p->poll_later(std::make_shared<Lane>(), 0);
  return p;
}

std::shared_ptr<const SqsPollerConfig> SqsPoller::config() const {
  std::lock_guard l(mu_);
  return config_;
}

void SqsPoller::reconfigure(SqsPollerConfig config) {
  std::lock_guard l(mu_);
  config_ = std::make_shared<const SqsPollerConfig>(std::move(config));
}

std::string SqsPoller::last_result() const {
  std::lock_guard l(mu_);
  return last_result_;
}

void SqsPoller::set_result(std::string text) {
  std::lock_guard l(mu_);
  last_result_ = std::move(text);
}

template <typename F>
bool SqsPoller::with_source(F&& f) const {
  return deps_.targets.with_source(config()->queue_arn, std::forward<F>(f));
}

void SqsPoller::stop() {
  if (stopped_.exchange(true) || detached_) return;
  std::string arn = config()->queue_arn;
  with_source([&](QueueSource& s) { s.release_waiters(arn, owner_); });
}

void SqsPoller::detach() {
  stopped_ = true;
  detached_ = true;
}

void SqsPoller::poll_later(std::shared_ptr<Lane> lane, int64_t delay_ms) {
  deps_.scheduler.after(std::chrono::milliseconds(delay_ms),
                        [self = shared_from_this(), lane] { self->poll(lane); });
}

void SqsPoller::poll(std::shared_ptr<Lane> lane) {
  if (stopped_) return on_received(std::move(lane), 0, {});  // hands back a partial batch
  if (depth >= kMaxDepth) return poll_later(std::move(lane), 0);
  if (lane->batch.empty() && deps_.may_receive) {
    if (auto allowed = deps_.may_receive(); !allowed) {
      set_result("PROBLEM: " + allowed.error().message);
      return poll_later(std::move(lane), kMissingQueueRetryMs);
    }
  }
  auto c = config();
  int64_t now = deps_.clock.now_millis();
  QueueReceive r;
  r.owner = owner_;
  r.max_messages = std::min<int>(kMaxReceive, c->batch_size - static_cast<int>(lane->batch.size()));
  r.wait_seconds = c->wait_seconds;
  if (!lane->batch.empty()) {
    int64_t left = lane->batch_start_ms + int64_t{c->window_seconds} * 1000 - now;
    if (left <= 0 || r.max_messages <= 0) return invoke(std::move(lane));
    r.wait_seconds = static_cast<int>(std::min<int64_t>(c->wait_seconds, (left + 999) / 1000));
  }
  int asked = r.max_messages;
  ++depth;
  bool bound = with_source([&](QueueSource& s) {
    s.receive(c->queue_arn, r, [self = shared_from_this(), lane, asked](auto result) {
      if (!result) return self->on_missing(lane);
      self->on_received(lane, asked, std::move(*result));
    });
    // stop() may have run between our check and the waiter being registered.
    if (stopped_ && !detached_) s.release_waiters(c->queue_arn, owner_);
  });
  --depth;
  if (!bound) on_missing(std::move(lane));
}

void SqsPoller::on_missing(std::shared_ptr<Lane> lane) {
  set_result("PROBLEM: Queue does not exist");
  poll_later(std::move(lane), kMissingQueueRetryMs);
}

void SqsPoller::on_received(std::shared_ptr<Lane> lane, int asked, std::vector<QueueMessage> got) {
  if (detached_) return;
  auto c = config();
  if (stopped_) {
    // Received after the mapping stopped: hand them back at once.
    std::vector<std::pair<std::string, int>> back;
    for (auto* list : {&lane->batch, &got}) {
      for (auto& m : *list) back.emplace_back(m.receipt_handle, 0);
    }
    lane->batch.clear();
    if (!back.empty()) {
      with_source([&](QueueSource& s) {
        s.change_visibility(c->queue_arn, std::move(back), [](Status) {});
      });
    }
    return;
  }
  if (got.empty() && lane->batch.empty()) {
    // A long poll that found nothing: shrink toward the starting pollers.
    int n = lanes_.load();
    while (n > start_lanes(*c)) {
      if (lanes_.compare_exchange_weak(n, n - 1)) return;
    }
    return poll(std::move(lane));
  }
  if (static_cast<int>(got.size()) == asked && asked == kMaxReceive) {
    int n = lanes_.load();
    while (n < c->max_concurrency) {
      if (lanes_.compare_exchange_weak(n, n + 1)) {
        poll_later(std::make_shared<Lane>(), 0);
        break;
      }
    }
  }
  std::vector<std::string> dropped;
  for (auto& m : got) {
    if (!c->filters.empty()) {
      auto view = filter_view(sqs_record(m, c->queue_arn, c->region));
      bool match = std::any_of(c->filters.begin(), c->filters.end(),
                               [&](const EventPattern& p) { return p.matches(view); });
      if (!match) {
        dropped.push_back(m.receipt_handle);
        continue;
      }
    }
    if (lane->batch.empty()) lane->batch_start_ms = deps_.clock.now_millis();
    lane->batch.push_back(std::move(m));
  }
  if (!dropped.empty()) {
    deps_.counters.filtered->add(dropped.size());
    remove(std::move(dropped));
  }
  if (lane->batch.empty()) return poll(std::move(lane));
  bool full = static_cast<int>(lane->batch.size()) >= c->batch_size;
  bool window_over =
      deps_.clock.now_millis() >= lane->batch_start_ms + int64_t{c->window_seconds} * 1000;
  if (full || window_over) return invoke(std::move(lane));
  poll(std::move(lane));
}

void SqsPoller::invoke(std::shared_ptr<Lane> lane) {
  auto c = config();
  std::vector<QueueMessage> batch = std::move(lane->batch);
  lane->batch.clear();
  json::array records;
  records.reserve(batch.size());
  for (const auto& m : batch) records.push_back(sqs_record(m, c->queue_arn, c->region));
  std::string payload = json::serialize(json::object{{"Records", std::move(records)}});
  deps_.counters.batches->add();
  deps_.counters.records->add(batch.size());
  deps_.invoke(std::move(payload), [self = shared_from_this(), lane,
                                    batch = std::move(batch)](InvokeOutcome o) mutable {
    self->on_invoked(lane, std::move(batch), std::move(o));
  });
}

void SqsPoller::on_invoked(std::shared_ptr<Lane> lane, std::vector<QueueMessage> batch,
                           InvokeOutcome outcome) {
  if (detached_) return;
  using Kind = InvokeOutcome::Kind;
  auto c = config();
  int64_t delay = 0;
  std::vector<std::string> done;
  size_t failed = batch.size();
  if (outcome.kind == Kind::kOk) {
    lane->throttles = 0;
    std::optional<std::set<std::string>> bad = std::set<std::string>{};
    if (c->report_failures) {
      std::set<std::string> ids;
      for (const auto& m : batch) ids.insert(m.id);
      bad = failed_items(outcome.payload, ids);
    }
    if (bad) {
      std::set<std::string> held_groups;  // FIFO: a failure holds the rest of its group
      failed = 0;
      for (const auto& m : batch) {
        const auto& group = m.group_id;
        bool keep = bad->contains(m.id) || (!group.empty() && held_groups.contains(group));
        if (keep) {
          ++failed;
          if (!group.empty()) held_groups.insert(group);
        } else {
          done.push_back(m.receipt_handle);
        }
      }
    }
    set_result(failed == 0 ? "OK" : "PROBLEM: Function call failed");
  } else if (outcome.kind == Kind::kFunctionError) {
    set_result("PROBLEM: Function call failed");
  } else {
    // Throttled, or nothing can run the function: back off; the batch
    // becomes visible again when its visibility timeout ends.
    lane->throttles++;
    delay = std::min<int64_t>(kMaxBackoffMs, 1000LL << std::min(lane->throttles - 1, 5));
    set_result(outcome.kind == Kind::kThrottled ? "PROBLEM: Function throttled"
                                                : "PROBLEM: " + outcome.payload);
  }
  if (failed > 0) deps_.counters.failures->add(failed);
  if (!done.empty()) remove(std::move(done));
  if (delay > 0) return poll_later(std::move(lane), delay);
  poll(std::move(lane));
}

void SqsPoller::remove(std::vector<std::string> handles) {
  std::string arn = config()->queue_arn;
  with_source([&](QueueSource& s) { s.remove(arn, std::move(handles), [](Status) {}); });
}

}  // namespace nimbus::events
