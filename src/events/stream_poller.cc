#include "events/stream_poller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>

#include "events/stream_poller_state.h"
#include "events/stream_window.h"
#include "storage/storage.h"

namespace nimbus::events {

namespace json = boost::json;
using namespace poller;

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
  std::map<std::string, std::pair<std::string, WindowState>> stored;
  if (deps_.storage != nullptr) {
    std::string prefix = c->uuid + "/";
    auto st = deps_.storage->records(kNs).each(prefix, [&](storage::Entry& e) {
      auto& [position, window] = stored[e.key.substr(prefix.size())];
      decode_checkpoint(e.value, position, window);
    });
    if (!st) spdlog::error("lambda: reading checkpoints of {}: {}", c->uuid, st.error().message);
  }
  std::set<std::string> present;
  for (const auto& s : *shards) present.insert(s.shard_id);
  // A new mapping at LATEST starts at the tip of the open shards: the
  // closed ones hold nothing after it, and their children start at LATEST.
  bool fresh = stored.empty() && c->starting == StartingPosition::kLatest;
  {
    std::lock_guard l(mu_);
    for (const auto& [shard, value] : stored) {
      if (value.first == kEnded) ended_.insert(shard);
    }
    for (const auto& s : *shards) {
      if (fresh && !s.open) ended_.insert(s.shard_id);
    }
  }
  for (const auto& s : *shards) {
    if (fresh && !s.open) store(s.shard_id, kEnded, [] {});
  }
  forget_absent(c->uuid, present);
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
      lane->position = it->second.first;
      lane->window = it->second.second;
      {
        std::lock_guard l(mu_);
        if (!opened_.insert(s.shard_id).second) continue;
        lanes_.push_back(lane);
      }
      poll(lane);
    } else {
      open_lane(s.shard_id, has_parent && !fresh);
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
  if (!lane->runners.empty()) return invoke(lane, 0);  // the rest of a split batch
  auto c = config();
  if (c->tumbling_window_s == 0) lane->window = WindowState{};
  size_t n = c->tumbling_window_s > 0 ? 1 : static_cast<size_t>(std::max(1, c->parallelization));
  Result<ShardBatch> got = Error::internal("no stream source");
  bool bound = deps_.targets.with_stream_source(c->stream_arn, [&](StreamSource& s) {
    got = s.read(c->stream_arn, lane->shard, lane->position, static_cast<size_t>(c->batch_size) * n,
                 c->max_event_bytes / 2 * n);
  });
  if (!bound || !got) {
    set_result("PROBLEM: " + (bound ? got.error().message : "Stream not found: " + c->stream_arn));
    return poll_later(lane, kProblemRetryMs);
  }
  int64_t now_ms = deps_.clock.now_millis();
  if (got->records.empty()) {
    int64_t window_end = lane->window.start_ms + int64_t{c->tumbling_window_s} * 1000;
    if (lane->window.open() && (got->ended || now_ms >= window_end)) return final_invoke(lane);
    if (got->ended) return finish_shard(lane, std::move(got->children));
    auto deadline = deps_.clock.now() + kIdleWait;
    if (lane->window.open()) {
      deadline =
          std::min(deadline, deps_.clock.now() + std::chrono::milliseconds(window_end - now_ms));
    }
    return wait_for_records(lane, lane->position, deadline);
  }
  // Batching window: wait for a full batch until the window ends.
  if (c->window_seconds > 0 && got->records.size() < static_cast<size_t>(c->batch_size) &&
      !got->ended) {
    auto now = deps_.clock.now();
    if (!lane->batching_end) lane->batching_end = now + std::chrono::seconds(c->window_seconds);
    if (now < *lane->batching_end)
      return wait_for_records(lane, got->last_sequence, *lane->batching_end);
  }
  lane->batching_end.reset();
  if (n > 1) return take_parallel(lane, std::move(*got), n);
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

// A windowed read: the records of the open window (or, with none open, of the
// first record's window) up to the first of a later window, which makes the
// batch the window's final one. False when the read starts past the open
// window: that window must end first.
bool StreamPoller::cut_to_window(Lane& lane, ShardBatch& got, bool& final) {
  int w = config()->tumbling_window_s;
  int64_t first = window_start(got.records.front().arrival_ms, w);
  if (lane.window.open() && first > lane.window.start_ms) return false;
  if (!lane.window.open()) lane.window = WindowState{first, "{}", false};
  for (size_t i = 1; i < got.records.size(); ++i) {
    if (window_start(got.records[i].arrival_ms, w) > lane.window.start_ms) {
      got.records.resize(i);
      got.last_sequence = got.records.back().sequence_number;
      final = true;
      break;
    }
  }
  return true;
}

// Turns what was read into a batch (filters applied, cut at the event size
// limit) and invokes it; a batch every record of which was filtered out only
// moves the checkpoint (unless it ends a window).
void StreamPoller::take(std::shared_ptr<Lane> lane, ShardBatch got) {
  auto c = config();
  auto ctx = context(*c, lane->shard);
  Batch b;
  b.windowed = c->tumbling_window_s > 0;
  if (b.windowed && !cut_to_window(*lane, got, b.final)) return final_invoke(lane);
  b.end = got.last_sequence;
  size_t bytes = 16;  // {"Records":[]}
  size_t used = 0;
  for (auto& r : got.records) {
    json::object rec = stream_record(ctx, r);
    std::string text = json::serialize(rec);
    if (used > 0 && bytes + text.size() + 1 > c->max_event_bytes) break;
    ++used;
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
  if (used == got.records.size()) {
    b.end = got.last_sequence;
  } else {
    b.final = false;  // cut short: the window has more records
  }
  if (b.records.empty() && !b.final) return advance(lane, b.end);
  lane->runners.assign(1, Runner{});
  lane->runners[0].todo.push_back(std::move(b));
  lane->running = 1;
  invoke(lane, 0);
}

// ParallelizationFactor n: the records split by partition key into at most n
// batches, each key's records in order in one of them. The round ends at the
// first record whose batch is full, so the checkpoint never passes a record
// not yet run.
void StreamPoller::take_parallel(std::shared_ptr<Lane> lane, ShardBatch got, size_t n) {
  auto c = config();
  auto ctx = context(*c, lane->shard);
  std::vector<Batch> groups(n);
  std::vector<size_t> bytes(n, 16);
  std::string end = got.last_sequence;
  std::string before = lane->position;  // the last record placed
  for (auto& r : got.records) {
    size_t g = std::hash<std::string>{}(r.partition_key) % n;
    json::object rec = stream_record(ctx, r);
    std::string text = json::serialize(rec);
    Batch& b = groups[g];
    if (b.records.size() >= static_cast<size_t>(c->batch_size) ||
        (!b.records.empty() && bytes[g] + text.size() + 1 > c->max_event_bytes)) {
      end = before;
      break;
    }
    if (!c->filters.empty()) {
      auto view = stream_filter_view(ctx, rec);
      bool any = std::any_of(c->filters.begin(), c->filters.end(),
                             [&](const EventPattern& p) { return p.matches(view); });
      if (!any) {
        count(deps_.counters.filtered);
        before = r.sequence_number;
        continue;
      }
    }
    before = r.sequence_number;
    bytes[g] += text.size() + 1;
    b.end = r.sequence_number;
    b.json.push_back(std::move(text));
    b.records.push_back(std::move(r));
  }
  lane->runners.clear();
  for (auto& b : groups) {
    if (b.records.empty()) continue;
    lane->runners.emplace_back();
    lane->runners.back().todo.push_back(std::move(b));
  }
  if (lane->runners.empty()) return advance(lane, end);
  lane->round_end = end;
  lane->running = lane->runners.size();
  for (size_t r = 0; r < lane->runners.size(); ++r) invoke(lane, r);
}

// The open window's last invocation, with no records: its end has passed (or
// a record of a later window arrived, or the shard ended) after the batches
// that carried its records.
void StreamPoller::final_invoke(std::shared_ptr<Lane> lane) {
  Batch b;
  b.windowed = true;
  b.final = true;
  b.end = lane->position;
  lane->runners.assign(1, Runner{});
  lane->runners[0].todo.push_back(std::move(b));
  lane->running = 1;
  invoke(lane, 0);
}

void StreamPoller::advance(std::shared_ptr<Lane> lane, std::string position) {
  store(lane->shard, encode_checkpoint(position, lane->window),
        [self = shared_from_this(), lane, position] {
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
    std::set<std::string> present;
    for (const auto& s : *shards) present.insert(s.shard_id);
    self->forget_absent(c->uuid, present);
    for (const auto& child : children) {
      auto it = std::find_if(shards->begin(), shards->end(),
                             [&](const ShardInfo& s) { return s.shard_id == child; });
      if (it == shards->end()) continue;
      bool ready = true;
      {
        std::lock_guard l(self->mu_);
        for (const auto& p : {it->parent_shard_id, it->adjacent_parent_shard_id}) {
          if (!p.empty() && present.contains(p) && !self->ended_.contains(p)) ready = false;
        }
      }
      if (ready) self->open_lane(child, true);
    }
  });
}

// A shard read to its end that the stream no longer lists (it expired after
// its retention period) is forgotten: its checkpoint goes, and its children
// count it as done because it is absent.
void StreamPoller::forget_absent(const std::string& uuid, const std::set<std::string>& present) {
  storage::WriteBatch batch;
  {
    std::lock_guard l(mu_);
    for (auto it = ended_.begin(); it != ended_.end();) {
      if (present.contains(*it)) {
        ++it;
        continue;
      }
      batch.del(kNs, uuid + "/" + *it);
      it = ended_.erase(it);
    }
  }
  if (deps_.storage == nullptr || batch.empty() || detached_) return;
  deps_.storage->commit(std::move(batch), [uuid](Status st) {
    if (!st) spdlog::warn("lambda: forgetting expired shards of {}: {}", uuid, st.error().message);
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
