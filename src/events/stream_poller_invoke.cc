// StreamPoller's invocations: a batch invoked, its answer applied (window
// state, partial failures, bisection, retries) and, once done, the round's
// checkpoint moved.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "events/sqs_event.h"
#include "events/stream_poller.h"
#include "events/stream_poller_state.h"
#include "events/stream_window.h"

namespace nimbus::events {

namespace json = boost::json;
using namespace poller;

void StreamPoller::invoke(std::shared_ptr<Lane> lane, size_t r) {
  if (!live()) return;
  auto c = config();
  const Batch& b = lane->runners[r].todo.front();
  std::string payload = "{\"Records\":[";
  for (size_t i = 0; i < b.json.size(); ++i) {
    if (i > 0) payload += ',';
    payload += b.json[i];
  }
  payload += ']';
  if (b.windowed) {
    payload += window_members(context(*c, lane->shard), lane->window,
                              std::max(1, c->tumbling_window_s), b.final);
  }
  payload += '}';
  count(deps_.counters.batches);
  count(deps_.counters.records, b.records.size());
  if (!b.records.empty()) {
    int64_t age = std::max<int64_t>(0, deps_.clock.now_millis() - b.records.back().arrival_ms);
    if (deps_.counters.iterator_age_ms != nullptr) deps_.counters.iterator_age_ms->set(age);
    if (deps_.counters.iterator_age) deps_.counters.iterator_age(age);
  }
  deps_.invoke(std::move(payload), [self = shared_from_this(), lane, r](InvokeOutcome o) {
    self->on_invoked(lane, r, std::move(o));
  });
}

namespace {

// The window's state after an answer: a state too large ends the window
// early (the next invocation starts from an empty one).
void keep_state(WindowState& w, std::string state) {
  w.early = state.size() > kMaxWindowState;
  w.state = w.early ? "{}" : std::move(state);
}

}  // namespace

void StreamPoller::on_invoked(std::shared_ptr<Lane> lane, size_t r, InvokeOutcome outcome) {
  if (detached_) return;
  using Kind = InvokeOutcome::Kind;
  Runner& run = lane->runners[r];
  if (!outcome.request_id.empty()) run.request_id = outcome.request_id;
  if (outcome.kind == Kind::kThrottled || outcome.kind == Kind::kUnavailable) {
    return on_failed(lane, r, false, "");
  }
  if (outcome.kind == Kind::kFunctionError) return on_failed(lane, r, true, "Unhandled");
  Batch& b = run.todo.front();
  std::optional<std::string> state;
  if (b.windowed && !b.final) {
    state = answered_state(outcome.payload);  // a windowed answer must carry its state
    if (!state) return on_failed(lane, r, true, "");
  }
  if (config()->report_failures && !b.records.empty()) {
    std::set<std::string> ids;
    for (const auto& rec : b.records) ids.insert(rec.sequence_number);
    auto failed = failed_items(outcome.payload, ids);
    if (!failed) return on_failed(lane, r, true, "");  // an invalid response fails the batch
    if (!failed->empty()) {
      // Checkpoint before the lowest reported record; retry from it.
      size_t i = 0;
      while (!failed->contains(b.records[i].sequence_number)) ++i;
      if (i == 0) return on_failed(lane, r, true, "");
      if (state) keep_state(lane->window, std::move(*state));
      std::string before = b.records[i - 1].sequence_number;
      b.records.erase(b.records.begin(), b.records.begin() + static_cast<ptrdiff_t>(i));
      b.json.erase(b.json.begin(), b.json.begin() + static_cast<ptrdiff_t>(i));
      // Concurrent batches checkpoint together at the end of their round.
      if (lane->runners.size() > 1) return on_failed(lane, r, true, "");
      return store(lane->shard, encode_checkpoint(before, lane->window),
                   [self = shared_from_this(), lane, before] {
                     lane->position = before;
                     self->on_failed(lane, 0, true, "");
                   });
    }
  }
  if (b.final) {
    lane->window = WindowState{};
  } else if (state) {
    keep_state(lane->window, std::move(*state));
  }
  set_result("OK");
  batch_done(lane, r);
}

void StreamPoller::on_failed(std::shared_ptr<Lane> lane, size_t r, bool function_ran,
                             std::string error) {
  if (!live()) return;
  auto c = config();
  Runner& run = lane->runners[r];
  Batch& b = run.todo.front();
  count(deps_.counters.failures, b.records.size());
  set_result(function_ran ? "PROBLEM: Function call failed" : "PROBLEM: Function unavailable");
  if (!b.records.empty()) {
    int64_t age_ms = deps_.clock.now_millis() - b.records.front().arrival_ms;
    if (c->max_record_age_s >= 0 && age_ms > int64_t{c->max_record_age_s} * 1000) {
      return give_up(lane, r, GiveUp::kRecordAgeExceeded, std::move(error));
    }
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
      second.windowed = b.windowed;
      second.final = b.final;
      b.records.resize(half);
      b.json.resize(half);
      b.end = b.records.back().sequence_number;
      b.final = false;
      run.todo.insert(run.todo.begin() + 1, std::move(second));
      run.attempts = 0;
      return invoke(lane, r);
    }
    ++run.attempts;
    if (c->max_retries >= 0 && run.attempts > c->max_retries) {
      return give_up(lane, r, GiveUp::kRetriesExhausted, std::move(error));
    }
  }
  run.backoff_ms = std::min(kRetryMaxMs, run.backoff_ms > 0 ? run.backoff_ms * 2 : kRetryInitialMs);
  deps_.scheduler.after(std::chrono::milliseconds(run.backoff_ms),
                        [self = shared_from_this(), lane, r] { self->invoke(lane, r); });
}

// Sends the batch's failure record to the OnFailure destination (when there
// is one and the batch had records) and moves past the batch.
void StreamPoller::give_up(std::shared_ptr<Lane> lane, size_t r, GiveUp why, std::string error) {
  auto c = config();
  Runner& run = lane->runners[r];
  Batch& b = run.todo.front();
  if (!c->on_failure.empty() && !b.records.empty()) {
    FailedBatch f;
    f.why = why;
    f.function_arn = c->function_arn;
    f.request_id = run.request_id;
    f.attempts = std::max(1, run.attempts);
    f.function_error = std::move(error);
    f.now_ms = deps_.clock.now_millis();
    for (const auto& rec : b.records) f.records.push_back(&rec);
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
  if (b.final) lane->window = WindowState{};
  batch_done(lane, r);
}

void StreamPoller::batch_done(std::shared_ptr<Lane> lane, size_t r) {
  Runner& run = lane->runners[r];
  std::string end = run.todo.front().end;
  run.todo.pop_front();
  run.attempts = 0;
  run.backoff_ms = 0;
  run.request_id.clear();
  if (lane->runners.size() == 1) {
    // One batch at a time: checkpoint after each (a split batch's halves too);
    // read() invokes what is left.
    if (run.todo.empty()) lane->runners.clear();
    return advance(lane, end);
  }
  if (!run.todo.empty()) return invoke(lane, r);
  if (lane->running.fetch_sub(1) != 1) return;
  lane->runners.clear();
  advance(lane, lane->round_end);
}

}  // namespace nimbus::events
