#include "events/stream_poller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>

#include "events/sqs_event.h"
#include "storage/storage.h"

namespace nimbus::events {

namespace json = boost::json;

namespace {

constexpr const char* kNs = "lambda.esm.shards";
constexpr const char* kEnded = "END";
constexpr int64_t kRetryInitialMs = 500;
constexpr int64_t kRetryMaxMs = 30'000;
constexpr int64_t kProblemRetryMs = 1'000;  // no source bound, stream gone, read error
constexpr auto kIdleWait = std::chrono::seconds(60);

void count(Counter* c, uint64_t n = 1) {
  if (c != nullptr) c->add(n);
}

}  // namespace

// A batch read from the shard and not yet done: the records still to invoke
// (filters applied) with their Records[] elements, and the checkpoint once
// it is done.
struct StreamPoller::Batch {
  std::vector<StreamRecord> records;
  std::vector<std::string> json;  // records[i] as a Records[] element
  std::string end;
};

// One shard. Only one step of a lane runs at a time (each step starts the
// next from its callback), so its members need no lock except wait_id,
// which stop() reads.
struct StreamPoller::Lane {
  std::string shard;
  std::string position;    // the stored checkpoint
  std::deque<Batch> todo;  // front: the batch being invoked
  int attempts = 0;        // failed invocations of todo.front()
  int64_t backoff_ms = 0;  // the last retry delay of todo.front()
  std::optional<Clock::time_point> window_end;
  std::mutex mu;
  uint64_t wait_id = 0;  // guarded by mu
};

StreamPoller::StreamPoller(Deps deps, StreamPollerConfig config)
    : deps_(std::move(deps)),
      config_(std::make_shared<const StreamPollerConfig>(std::move(config))) {}

std::shared_ptr<StreamPoller> StreamPoller::start(Deps deps, StreamPollerConfig config) {
  auto p = std::make_shared<StreamPoller>(std::move(deps), std::move(config));
  p->discover();
  return p;
}

void StreamPoller::forget(storage::Storage& storage, const std::string& uuid) {
  storage::WriteBatch batch;
  auto st =
      storage.records(kNs).each(uuid + "/", [&](storage::Entry& e) { batch.del(kNs, e.key); });
  if (!st) spdlog::warn("lambda: forgetting checkpoints of {}: {}", uuid, st.error().message);
  storage.commit(std::move(batch), [uuid](Status s) {
    if (!s) spdlog::warn("lambda: forgetting checkpoints of {}: {}", uuid, s.error().message);
  });
}

std::shared_ptr<const StreamPollerConfig> StreamPoller::config() const {
  std::lock_guard l(mu_);
  return config_;
}

void StreamPoller::reconfigure(StreamPollerConfig config) {
  std::lock_guard l(mu_);
  config_ = std::make_shared<const StreamPollerConfig>(std::move(config));
}

StreamEventContext StreamPoller::context(const StreamPollerConfig& c,
                                         const std::string& shard) const {
  return {stream_kind(c.stream_arn), c.stream_arn, shard, c.region, c.identity_arn};
}

std::string StreamPoller::last_result() const {
  std::lock_guard l(mu_);
  return last_result_;
}

void StreamPoller::set_result(std::string text) {
  std::lock_guard l(mu_);
  last_result_ = std::move(text);
}

size_t StreamPoller::active_shards() const {
  std::lock_guard l(mu_);
  return lanes_.size();
}

// Reads the stored checkpoints, then opens every shard whose parents are all
// read to their end (or gone from the stream).
void StreamPoller::discover() {
  if (!live()) return;
  auto c = config();
  std::optional<std::vector<ShardInfo>> shards;
  deps_.targets.with_stream_source(c->stream_arn,
                                   [&](StreamSource& s) { shards = s.shards(c->stream_arn); });
  if (!shards) {
    set_result("PROBLEM: Stream not found: " + c->stream_arn);
    auto self = shared_from_this();
    deps_.scheduler.after(std::chrono::milliseconds(kProblemRetryMs), [self] { self->discover(); });
    return;
  }
  std::map<std::string, std::string> stored;
  if (deps_.storage != nullptr) {
    std::string prefix = c->uuid + "/";
    auto st = deps_.storage->records(kNs).each(
        prefix, [&](storage::Entry& e) { stored[e.key.substr(prefix.size())] = e.value; });
    if (!st) spdlog::error("lambda: reading checkpoints of {}: {}", c->uuid, st.error().message);
  }
  std::set<std::string> present;
  for (const auto& s : *shards) present.insert(s.shard_id);
  {
    std::lock_guard l(mu_);
    for (const auto& [shard, value] : stored) {
      if (value == kEnded) ended_.insert(shard);
    }
  }
  for (const auto& s : *shards) {
    bool ready = true, has_parent = false;
    {
      std::lock_guard l(mu_);
      if (ended_.contains(s.shard_id)) continue;
      for (const auto& p : {s.parent_shard_id, s.adjacent_parent_shard_id}) {
        if (p.empty() || !present.contains(p)) continue;
        has_parent = true;
        if (!ended_.contains(p)) ready = false;
      }
    }
    if (!ready) continue;
    auto it = stored.find(s.shard_id);
    if (it != stored.end()) {
      auto lane = std::make_shared<Lane>();
      lane->shard = s.shard_id;
      lane->position = it->second;
      {
        std::lock_guard l(mu_);
        if (!opened_.insert(s.shard_id).second) continue;
        lanes_.push_back(lane);
      }
      poll(lane);
    } else {
      open_lane(s.shard_id, has_parent);
    }
  }
}

// A shard without a checkpoint: resolve where it starts, store it, then read.
void StreamPoller::open_lane(const std::string& shard, bool child) {
  {
    std::lock_guard l(mu_);
    if (!opened_.insert(shard).second) return;
  }
  auto c = config();
  auto lane = std::make_shared<Lane>();
  lane->shard = shard;
  Result<std::string> from = Error::internal("no stream source");
  deps_.targets.with_stream_source(c->stream_arn, [&](StreamSource& s) {
    from = s.start(c->stream_arn, shard, child ? StartingPosition::kTrimHorizon : c->starting,
                   c->starting_timestamp_ms);
  });
  if (!from) {
    set_result("PROBLEM: " + from.error().message);
    {
      std::lock_guard l(mu_);
      opened_.erase(shard);
    }
    auto self = shared_from_this();
    deps_.scheduler.after(std::chrono::milliseconds(kProblemRetryMs),
                          [self, shard, child] { self->open_lane(shard, child); });
    return;
  }
  lane->position = *from;
  {
    std::lock_guard l(mu_);
    lanes_.push_back(lane);
  }
  auto self = shared_from_this();
  store(shard, lane->position, [self, lane] { self->poll(lane); });
}

void StreamPoller::poll(std::shared_ptr<Lane> lane) {
  if (!live()) return;
  deps_.post([self = shared_from_this(), lane = std::move(lane)] { self->read(lane); });
}

void StreamPoller::poll_later(std::shared_ptr<Lane> lane, int64_t delay_ms) {
  if (!live()) return;
  deps_.scheduler.after(std::chrono::milliseconds(delay_ms),
                        [self = shared_from_this(), lane = std::move(lane)] { self->poll(lane); });
}

void StreamPoller::read(std::shared_ptr<Lane> lane) {
  if (!live()) return;
  if (!lane->todo.empty()) return invoke(lane);  // the rest of a split batch
  auto c = config();
  Result<ShardBatch> got = Error::internal("no stream source");
  bool bound = deps_.targets.with_stream_source(c->stream_arn, [&](StreamSource& s) {
    got = s.read(c->stream_arn, lane->shard, lane->position, static_cast<size_t>(c->batch_size),
                 c->max_event_bytes / 2);
  });
  if (!bound || !got) {
    set_result("PROBLEM: " + (bound ? got.error().message : "Stream not found: " + c->stream_arn));
    return poll_later(lane, kProblemRetryMs);
  }
  if (got->records.empty()) {
    if (got->ended) return finish_shard(lane, std::move(got->children));
    return wait_for_records(lane, lane->position, deps_.clock.now() + kIdleWait);
  }
  // Batching window: wait for a full batch until the window ends.
  if (c->window_seconds > 0 && got->records.size() < static_cast<size_t>(c->batch_size) &&
      !got->ended) {
    auto now = deps_.clock.now();
    if (!lane->window_end) lane->window_end = now + std::chrono::seconds(c->window_seconds);
    if (now < *lane->window_end)
      return wait_for_records(lane, got->last_sequence, *lane->window_end);
  }
  lane->window_end.reset();
  take(lane, std::move(*got));
}

void StreamPoller::wait_for_records(std::shared_ptr<Lane> lane, const std::string& after,
                                    Clock::time_point deadline) {
  auto c = config();
  uint64_t id = 0;
  bool bound = deps_.targets.with_stream_source(c->stream_arn, [&](StreamSource& s) {
    id = s.wait(c->stream_arn, lane->shard, after, deadline,
                [self = shared_from_this(), lane](bool) { self->poll(lane); });
  });
  if (!bound) return poll_later(lane, kProblemRetryMs);
  std::lock_guard l(lane->mu);
  lane->wait_id = id;
}

// Turns what was read into a batch (filters applied, cut at the event size
// limit) and invokes it; a batch every record of which was filtered out only
// moves the checkpoint.
void StreamPoller::take(std::shared_ptr<Lane> lane, ShardBatch got) {
  auto c = config();
  auto ctx = context(*c, lane->shard);
  Batch b;
  b.end = got.last_sequence;
  size_t bytes = 16;  // {"Records":[]}
  for (auto& r : got.records) {
    json::object rec = stream_record(ctx, r);
    std::string text = json::serialize(rec);
    if (!b.records.empty() && bytes + text.size() + 1 > c->max_event_bytes) break;
    bytes += text.size() + 1;
    b.end = r.sequence_number;
    if (!c->filters.empty()) {
      auto view = stream_filter_view(ctx, rec);
      bool any = std::any_of(c->filters.begin(), c->filters.end(),
                             [&](const EventPattern& p) { return p.matches(view); });
      if (!any) {
        count(deps_.counters.filtered);
        continue;
      }
    }
    b.json.push_back(std::move(text));
    b.records.push_back(std::move(r));
  }
  if (b.records.size() == got.records.size()) b.end = got.last_sequence;
  if (b.records.empty()) return advance(lane, b.end);
  lane->todo.push_back(std::move(b));
  invoke(lane);
}

void StreamPoller::invoke(std::shared_ptr<Lane> lane) {
  if (!live()) return;
  const Batch& b = lane->todo.front();
  std::string payload = "{\"Records\":[";
  for (size_t i = 0; i < b.json.size(); ++i) {
    if (i > 0) payload += ',';
    payload += b.json[i];
  }
  payload += "]}";
  count(deps_.counters.batches);
  count(deps_.counters.records, b.records.size());
  deps_.invoke(std::move(payload), [self = shared_from_this(), lane](InvokeOutcome o) {
    self->on_invoked(lane, std::move(o));
  });
}

void StreamPoller::on_invoked(std::shared_ptr<Lane> lane, InvokeOutcome outcome) {
  if (detached_) return;
  using Kind = InvokeOutcome::Kind;
  if (outcome.kind == Kind::kThrottled || outcome.kind == Kind::kUnavailable) {
    return on_failed(lane, false, "");
  }
  if (outcome.kind == Kind::kFunctionError) return on_failed(lane, true, "Unhandled");
  Batch& b = lane->todo.front();
  if (config()->report_failures) {
    std::set<std::string> ids;
    for (const auto& r : b.records) ids.insert(r.sequence_number);
    auto failed = failed_items(outcome.payload, ids);
    if (!failed) return on_failed(lane, true, "");  // an invalid response fails the batch
    if (!failed->empty()) {
      // Checkpoint before the lowest reported record; retry from it.
      size_t i = 0;
      while (!failed->contains(b.records[i].sequence_number)) ++i;
      if (i == 0) return on_failed(lane, true, "");
      std::string before = b.records[i - 1].sequence_number;
      b.records.erase(b.records.begin(), b.records.begin() + static_cast<ptrdiff_t>(i));
      b.json.erase(b.json.begin(), b.json.begin() + static_cast<ptrdiff_t>(i));
      return store(lane->shard, before, [self = shared_from_this(), lane, before] {
        lane->position = before;
        self->on_failed(lane, true, "");
      });
    }
  }
  set_result("OK");
  std::string end = b.end;
  lane->todo.pop_front();
  lane->attempts = 0;
  lane->backoff_ms = 0;
  advance(lane, end);
}

void StreamPoller::on_failed(std::shared_ptr<Lane> lane, bool function_ran, std::string error) {
  if (!live()) return;
  auto c = config();
  Batch& b = lane->todo.front();
  count(deps_.counters.failures, b.records.size());
  set_result(function_ran ? "PROBLEM: Function call failed" : "PROBLEM: Function unavailable");
  int64_t age_ms = deps_.clock.now_millis() - b.records.front().arrival_ms;
  if (c->max_record_age_s >= 0 && age_ms > int64_t{c->max_record_age_s} * 1000) {
    return give_up(lane, GiveUp::kRecordAgeExceeded, std::move(error));
  }
  if (function_ran) {
    if (c->bisect && b.records.size() > 1) {  // a split is not a retry
      size_t half = b.records.size() / 2;
      Batch second;
      second.records.assign(std::make_move_iterator(b.records.begin() + half),
                            std::make_move_iterator(b.records.end()));
      second.json.assign(std::make_move_iterator(b.json.begin() + half),
                         std::make_move_iterator(b.json.end()));
      second.end = b.end;
      b.records.resize(half);
      b.json.resize(half);
      b.end = b.records.back().sequence_number;
      lane->todo.insert(lane->todo.begin() + 1, std::move(second));
      lane->attempts = 0;
      return invoke(lane);
    }
    ++lane->attempts;
    if (c->max_retries >= 0 && lane->attempts > c->max_retries) {
      return give_up(lane, GiveUp::kRetriesExhausted, std::move(error));
    }
  }
  lane->backoff_ms =
      std::min(kRetryMaxMs, lane->backoff_ms > 0 ? lane->backoff_ms * 2 : kRetryInitialMs);
  deps_.scheduler.after(std::chrono::milliseconds(lane->backoff_ms),
                        [self = shared_from_this(), lane] { self->invoke(lane); });
}

// Sends the batch's failure record to the OnFailure destination (when there
// is one) and moves past the batch.
void StreamPoller::give_up(std::shared_ptr<Lane> lane, GiveUp why, std::string error) {
  auto c = config();
  Batch& b = lane->todo.front();
  if (!c->on_failure.empty()) {
    FailedBatch f;
    f.why = why;
    f.function_arn = c->function_arn;
    f.attempts = std::max(1, lane->attempts);
    f.function_error = std::move(error);
    f.now_ms = deps_.clock.now_millis();
    for (const auto& r : b.records) f.records.push_back(&r);
    Delivery d;
    d.body = failure_record(context(*c, lane->shard), f);
    d.source_arn = c->function_arn;
    deps_.targets.deliver(c->on_failure, std::move(d), [dest = c->on_failure](Outcome o) {
      if (!o) {
        spdlog::warn("lambda: on-failure record to {}: {}: {}", dest, o.error().code,
                     o.error().message);
      }
    });
  }
  std::string end = b.end;
  lane->todo.pop_front();
  lane->attempts = 0;
  lane->backoff_ms = 0;
  advance(lane, end);
}

void StreamPoller::advance(std::shared_ptr<Lane> lane, std::string position) {
  store(lane->shard, position, [self = shared_from_this(), lane, position] {
    lane->position = position;
    self->poll(lane);
  });
}

// The shard is read to its end: remember that, then open each child whose
// parents are all done.
void StreamPoller::finish_shard(std::shared_ptr<Lane> lane, std::vector<std::string> children) {
  store(lane->shard, kEnded, [self = shared_from_this(), lane, children = std::move(children)] {
    {
      std::lock_guard l(self->mu_);
      self->ended_.insert(lane->shard);
      std::erase(self->lanes_, lane);
    }
    if (!self->live()) return;
    auto c = self->config();
    std::optional<std::vector<ShardInfo>> shards;
    self->deps_.targets.with_stream_source(
        c->stream_arn, [&](StreamSource& s) { shards = s.shards(c->stream_arn); });
    if (!shards) return;
    for (const auto& child : children) {
      auto it = std::find_if(shards->begin(), shards->end(),
                             [&](const ShardInfo& s) { return s.shard_id == child; });
      if (it == shards->end()) continue;
      bool ready = true;
      {
        std::lock_guard l(self->mu_);
        for (const auto& p : {it->parent_shard_id, it->adjacent_parent_shard_id}) {
          if (!p.empty() && !self->ended_.contains(p)) ready = false;
        }
      }
      if (ready) self->open_lane(child, true);
    }
  });
}

void StreamPoller::store(const std::string& shard, const std::string& value,
                         std::function<void()> then) {
  if (detached_) return;
  if (deps_.storage == nullptr) return then();
  storage::WriteBatch batch;
  batch.put(kNs, config()->uuid + "/" + shard, value);
  deps_.storage->commit(std::move(batch), [then = std::move(then), shard](Status st) {
    // A lost checkpoint only means the batch may run again after a restart.
    if (!st) spdlog::error("lambda: checkpoint of {}: {}", shard, st.error().message);
    then();
  });
}

void StreamPoller::stop() {
  stopped_ = true;
  std::vector<std::shared_ptr<Lane>> lanes;
  {
    std::lock_guard l(mu_);
    lanes = lanes_;
  }
  auto c = config();
  for (const auto& lane : lanes) {
    uint64_t id = 0;
    {
      std::lock_guard l(lane->mu);
      std::swap(id, lane->wait_id);
    }
    if (id == 0) continue;
    deps_.targets.with_stream_source(c->stream_arn, [&](StreamSource& s) { s.cancel_wait(id); });
  }
}

void StreamPoller::detach() {
  stop();
  detached_ = true;
}

}  // namespace nimbus::events
