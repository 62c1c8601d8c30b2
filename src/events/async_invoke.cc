#include "events/async_invoke.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <vector>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "storage/storage.h"

namespace nimbus::events {

namespace json = boost::json;

namespace {

constexpr const char* kRetry = "retry";      // an event waiting for its next attempt
constexpr const char* kDeliver = "deliver";  // a destination record or dead-letter message

// A payload inside a destination record: JSON when it parses, else a string.
json::value embed(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return json::string(text);
  return v;
}

std::string event_id(const std::string& partition, uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  return partition + "/" + buf;
}

// A due time for the timers, on the scheduler's clock.
Clock::time_point after_ms(const Clock& clock, int64_t ms) {
  return clock.now() + std::chrono::milliseconds(ms);
}

}  // namespace

struct AsyncInvoke::Event {
  std::string id;  // its timers' id: PARTITION/SEQ, or legacy/KEY
  std::string name, qualifier, payload, request_id;
  int64_t attempts = 0;  // retries after function errors so far
  int64_t throttles = 0;
  int64_t first_ms = 0;
  // Where it is stored while this attempt runs: a log record (seq != 0) or
  // the retry timer that handed it out (ack set).
  std::string partition;
  uint64_t seq = 0;
  storage::Timers::Ack ack;

  std::string encode() const {
    return json::serialize(json::object{{"name", name},
                                        {"qualifier", qualifier},
                                        {"payload", payload},
                                        {"request_id", request_id},
                                        {"attempts", attempts},
                                        {"throttles", throttles},
                                        {"first_ms", first_ms}});
  }
  static std::shared_ptr<Event> decode(std::string_view text) {
    auto o = parse_object(text);
    if (!o) return nullptr;
    auto ev = std::make_shared<Event>();
    ev->name = str(*o, "name");
    ev->qualifier = str(*o, "qualifier");
    ev->payload = str(*o, "payload");
    ev->request_id = str(*o, "request_id");
    ev->attempts = integer(*o, "attempts").value_or(0);
    ev->throttles = integer(*o, "throttles").value_or(0);
    ev->first_ms = integer(*o, "first_ms").value_or(0);
    return ev;
  }
};

AsyncInvoke::AsyncInvoke(Deps deps, Options options) : deps_(deps), options_(std::move(options)) {}

AsyncInvoke::~AsyncInvoke() {
  stop();
  gate_->close();  // waits for a callback that is using `this` right now
  timers_.reset();
  log_.reset();
}

void AsyncInvoke::stop() {
  stopped_ = true;
}

size_t AsyncInvoke::waiting() const {
  return timers_ ? timers_->size() : 0;
}

Counter& AsyncInvoke::counter(const char* name, const std::string& function, const char* help) {
  return deps_.metrics.counter(name, {{"function", function}}, help);
}

Status AsyncInvoke::start() {
  auto log = storage::Log::open(deps_.storage, options_.log_ns, deps_.clock, deps_.scheduler);
  if (!log) return log.take_error();
  log_ = std::move(log).value();
  storage::Timers::Options to;
  to.ns = options_.timers_ns;
  // Due times on the clock that wakes the timers (the server's one clock;
  // tests may age events on another).
  timers_ = std::make_unique<storage::Timers>(
      deps_.storage, deps_.scheduler.clock(), deps_.scheduler,
      [&workers = deps_.workers](std::function<void()> f) { workers.post(std::move(f)); }, to);
  // The handlers live in the Timers, which may hand out a timer while we go.
  timers_->on(kRetry, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_retry_timer(std::move(t), std::move(ack));
  });
  timers_->on(kDeliver, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_deliver_timer(std::move(t), std::move(ack));
  });
  NIMBUS_TRY(migrate_legacy());
  NIMBUS_TRY(timers_->start());
  NIMBUS_TRY(recover_log());
  started_ = true;
  return Status::ok();
}

// Data dirs of builds before the log kept queued events in `legacy_ns` and
// undelivered destination records in `legacy_outbox_ns`: each becomes a
// timer due after the recovery delay, then the records go. A crash half-way
// moves them again (same timer ids), so nothing runs twice for it.
Status AsyncInvoke::migrate_legacy() {
  struct Move {
    std::string ns, key, kind, value;
  };
  std::vector<Move> moves;
  struct Source {
    const std::string& ns;
    const char* kind;
  };
  for (const Source& from :
       {Source{options_.legacy_ns, kRetry}, Source{options_.legacy_outbox_ns, kDeliver}}) {
    NIMBUS_TRY(deps_.storage.records(from.ns).each("", [&](storage::Entry& e) {
      moves.push_back({from.ns, e.key, from.kind, e.value});
    }));
  }
  if (moves.empty()) return Status::ok();
  std::mutex mu;
  std::condition_variable cv;
  size_t left = moves.size();
  Status failed;
  auto due = after_ms(deps_.scheduler.clock(), options_.recover_delay_ms);
  for (const auto& m : moves) {
    timers_->schedule(m.kind, "legacy/" + m.key, due, m.value, [&](Status st) {
      std::lock_guard lock(mu);
      if (!st && failed) failed = std::move(st);
      if (--left == 0) cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return left == 0; });
  }
  NIMBUS_TRY(failed);
  storage::WriteBatch batch;
  for (const auto& m : moves) batch.del(m.ns, m.key);
  NIMBUS_TRY(deps_.storage.commit_sync(std::move(batch)));
  spdlog::info("events: {} queued async invocations and destination deliveries moved to timers",
               moves.size());
  return Status::ok();
}

// Every event still in the log is one whose first attempt had not moved it
// on: dispatch them all again, after the recovery delay (other services bind
// their targets meanwhile). An event whose retry or delivery timer is stored
// had moved on, and only its log record's release was lost (a stop or crash
// between the timer's commit and the trim): the timer carries it, so it is
// released instead of run twice.
Status AsyncInvoke::recover_log() {
  std::vector<std::shared_ptr<Event>> events;
  std::vector<std::pair<std::string, uint64_t>> moved_on;
  for (const auto& name : log_->partitions()) {
    auto info = log_->info(name);
    if (!info) continue;
    {
      MutexLock lock(mu_);
      auto& p = partitions_[name];
      p.last_seen = info->next_seq > 0 ? info->next_seq - 1 : 0;
      p.trimmed_to = info->first_seq;
    }
    uint64_t from = info->first_seq;
    while (from < info->next_seq) {
      auto records = log_->read(name, from);
      if (!records) return records.take_error();
      if (records->empty()) break;
      for (auto& r : *records) {
        from = r.seq + 1;
        auto ev = Event::decode(r.data);
        if (!ev) {
          spdlog::error("events: async invocation {}/{} is not readable; skipped", name, r.seq);
          continue;
        }
        ev->partition = name;
        ev->seq = r.seq;
        ev->id = event_id(name, r.seq);
        if (timers_->contains(kRetry, ev->id) || timers_->contains(kDeliver, ev->id)) {
          moved_on.emplace_back(name, r.seq);
          continue;
        }
        MutexLock lock(mu_);
        partitions_[name].open.insert(r.seq);
        events.push_back(std::move(ev));
      }
    }
  }
  for (const auto& [partition, seq] : moved_on) release_log(partition, seq);
  if (events.empty()) return Status::ok();
  spdlog::info("events: {} queued async invocations recovered", events.size());
  pending_ += static_cast<int64_t>(events.size());
  deps_.scheduler.after(std::chrono::milliseconds(options_.recover_delay_ms),
                        [this, gate = gate_, events = std::move(events)] {
                          auto in = gate->hold();
                          if (!in) return;
                          for (const auto& ev : events) dispatch(ev);
                        });
  return Status::ok();
}

void AsyncInvoke::enqueue(std::string name, std::string qualifier, std::string payload,
                          std::string request_id, std::function<void(Status)> done) {
  if (!started_) return done(Error::internal("the async invocation queue is not started"));
  auto ev = std::make_shared<Event>();
  ev->name = std::move(name);
  ev->qualifier = std::move(qualifier);
  ev->payload = std::move(payload);
  ev->request_id = std::move(request_id);
  ev->first_ms = deps_.clock.now_millis();
  ev->partition = ev->name;
  std::vector<std::string> records{ev->encode()};
  log_->append(ev->partition, std::move(records),
               [this, gate = gate_, ev, done = std::move(done)](Result<storage::Appended> r) {
                 if (!r) return done(r.take_error());
                 auto in = gate->hold();
                 // Stopping: the event waits in the log for the next start
                 // (and later sequences are not taken into `open`, so no trim
                 // passes it).
                 if (!in || stopped_) return done(Status::ok());
                 ev->seq = r->first_seq;
                 ev->id = event_id(ev->partition, ev->seq);
                 {
                   MutexLock lock(mu_);
                   auto& p = partitions_[ev->partition];
                   p.open.insert(ev->seq);
                   p.last_seen = std::max(p.last_seen, ev->seq);
                 }
                 ++pending_;
                 done(Status::ok());
                 dispatch(ev);
               });
}

void AsyncInvoke::dispatch(std::shared_ptr<Event> ev) {
  if (stopped_) return;  // stays stored for the next start
  auto fn = deps_.functions.resolve(ev->name, ev->qualifier);
  if (!fn) {  // the function (or qualifier) is gone: nothing can run it
    --pending_;
    return leave(*ev);
  }
  if (deps_.clock.now_millis() - ev->first_ms > fn->policy.max_age_ms) {
    return finish(ev, *fn, "EventAgeExceeded", nullptr);
  }
  auto run = fn->run;
  run(ev->request_id, ev->payload, [this, gate = gate_, ev, fn = std::move(*fn)](RunOutcome r) {
    auto in = gate->hold();
    if (in && !stopped_) on_run(ev, fn, std::move(r));
  });
}

void AsyncInvoke::on_run(std::shared_ptr<Event> ev, const ResolvedFunction& fn, RunOutcome r) {
  using Kind = RunOutcome::Kind;
  if (r.kind == Kind::kThrottled) {  // back off, bounded by the event's age
    return park(ev, fn.policy.backoff_ms(++ev->throttles));
  }
  if (r.kind == Kind::kOk) return finish(ev, fn, "Success", &r);
  if (ev->attempts < fn.policy.max_retries) {
    int64_t delay = fn.policy.retry_delay_ms(ev->attempts);
    ev->attempts++;
    return park(ev, delay);
  }
  finish(ev, fn, "RetriesExhausted", &r);
}

void AsyncInvoke::park(std::shared_ptr<Event> ev, int64_t delay_ms) {
  timers_->schedule(kRetry, ev->id, after_ms(deps_.scheduler.clock(), delay_ms), ev->encode(),
                    left_once_stored(ev, "parking"));
}

storage::Timers::Done AsyncInvoke::left_once_stored(std::shared_ptr<Event> ev, const char* doing) {
  return [this, gate = gate_, ev = std::move(ev), doing](Status st) {
    auto in = gate->hold();
    if (!in) return;
    --pending_;
    if (st) return leave(*ev);
    spdlog::error("events: {} async invocation {}: {}", doing, ev->id, st.error().message);
    if (ev->ack) ev->ack(std::move(st));
  };
}

void AsyncInvoke::leave(const Event& ev) {
  if (ev.ack) ev.ack(Status::ok());  // ignored when the timer was scheduled again
  if (ev.seq != 0) release_log(ev.partition, ev.seq);
}

void AsyncInvoke::release_log(const std::string& partition, uint64_t seq) {
  uint64_t point = 0;
  {
    MutexLock lock(mu_);
    auto it = partitions_.find(partition);
    if (it == partitions_.end()) return;
    auto& p = it->second;
    p.open.erase(seq);
    point = p.open.empty() ? p.last_seen + 1 : *p.open.begin();
    if (point <= p.trimmed_to) return;
    p.trimmed_to = point;
  }
  log_->trim(partition, point, [partition](Status st) {
    if (!st) spdlog::warn("events: trimming {}: {}", partition, st.error().message);
  });
}

void AsyncInvoke::finish(std::shared_ptr<Event> ev, const ResolvedFunction& fn,
                         const std::string& condition, const RunOutcome* result) {
  bool success = condition == "Success";
  const std::string& dest = success ? fn.policy.on_success : fn.policy.on_failure;
  std::string function_arn = fn.function_arn + ":" + fn.executed_version;
  std::optional<StoredDelivery> out;
  if (!dest.empty()) {
    // Lambda's invocation record.
    json::object record;
    record["version"] = "1.0";
    record["timestamp"] = utc_millis(deps_.clock.now_millis());
    record["requestContext"] = json::object{{"requestId", ev->request_id},
                                            {"functionArn", function_arn},
                                            {"condition", condition},
                                            {"approximateInvokeCount", ev->attempts + 1}};
    record["requestPayload"] = embed(ev->payload);
    if (result != nullptr) {
      json::object rc{{"statusCode", 200}, {"executedVersion", fn.executed_version}};
      if (!success) rc["functionError"] = "Unhandled";
      record["responseContext"] = std::move(rc);
      record["responsePayload"] = embed(result->payload);
    }
    out.emplace();
    out->target = dest;
    out->delivery.body = json::serialize(record);
  } else if (!success && !fn.policy.dead_letter.empty()) {
    // Lambda's dead-letter message: the event, with what went wrong as attributes.
    std::string message = "Event age exceeded";
    if (result != nullptr) {
      message.clear();
      if (auto doc = parse_object(result->payload)) message = str(*doc, "errorMessage");
      if (message.empty()) message = "Function failed";
    }
    out.emplace();
    out->target = fn.policy.dead_letter;
    out->delivery.body = ev->payload;
    out->delivery.attributes = {{"RequestID", "String", ev->request_id, false},
                                {"ErrorCode", "Number", "200", false},
                                {"ErrorMessage", "String", message, false}};
  } else if (!success) {
    counter("nimbus_lambda_async_events_dropped", ev->name, "async events dropped after failing")
        .add();
  }
  if (!out) {
    --pending_;
    return leave(*ev);
  }
  out->delivery.source_arn = function_arn;
  out->delivery.id = ev->request_id;
  out->first_ms = deps_.clock.now_millis();
  if (role_check_ && !fn.role_arn.empty()) {
    if (auto allowed = role_check_(fn.role_arn, out->target, out->delivery); !allowed) {
      spdlog::warn("events: {} of {} not sent to {}: {}", dest.empty() ? "dead letter" : "record",
                   function_arn, out->target, allowed.error().message);
      delivery_failed(*out);
      --pending_;
      return leave(*ev);
    }
  }
  // The event leaves its log record or timer once the delivery is durable.
  timers_->schedule(kDeliver, ev->id, deps_.scheduler.clock().now(), out->encode(),
                    left_once_stored(ev, "finishing"));
}

void AsyncInvoke::on_retry_timer(storage::DueTimer t, storage::Timers::Ack ack) {
  if (stopped_) return;  // not acknowledged: handed out again after the next start
  auto ev = Event::decode(t.payload);
  if (!ev) {
    spdlog::error("events: async invocation {} is not readable; dropped", t.id);
    return ack(Status::ok());
  }
  // Its outcome is already stored for delivery: only the retry timer's
  // acknowledgement was lost.
  if (timers_->contains(kDeliver, t.id)) return ack(Status::ok());
  ev->id = t.id;
  ev->ack = std::move(ack);
  ++pending_;
  dispatch(ev);
}

void AsyncInvoke::on_deliver_timer(storage::DueTimer t, storage::Timers::Ack ack) {
  if (stopped_) return;
  auto decoded = StoredDelivery::decode(t.payload);
  if (!decoded) {
    spdlog::error("events: delivery {} is not readable; dropped", t.id);
    return ack(Status::ok());
  }
  auto item = std::make_shared<StoredDelivery>(std::move(*decoded));
  deps_.targets.deliver(
      item->target, item->delivery,
      [this, gate = gate_, item, id = t.id, ack = std::move(ack)](Outcome o) {
        auto in = gate->hold();
        if (!in) return;
        if (o) return ack(Status::ok());
        // A kind nothing has bound yet (start-up) or any more (shutdown) may
        // be bound later: retry it like an unavailable target.
        bool unbound = o.failure() == Failure::kNotFound && o.error().code == "UnsupportedTarget";
        bool young = deps_.clock.now_millis() - item->first_ms < options_.delivery_max_age_ms;
        if ((o.retryable() || unbound) && young) {
          if (stopped_) return;  // stays stored for the next start
          RetryPolicy backoff;
          backoff.backoff_initial_ms = options_.delivery_backoff_initial_ms;
          backoff.backoff_max_ms = options_.delivery_backoff_max_ms;
          int64_t delay = backoff.backoff_ms(++item->failures);
          // Scheduled again, the acknowledgement only matters if that failed.
          timers_->schedule(kDeliver, id, after_ms(deps_.scheduler.clock(), delay), item->encode(),
                            [ack](Status st) { ack(std::move(st)); });
          return;
        }
        spdlog::warn("events: delivery to {} failed: {}: {}", item->target, o.error().code,
                     o.error().message);
        delivery_failed(*item);
        ack(Status::ok());
      });
}

void AsyncInvoke::delivery_failed(const StoredDelivery& d) {
  // The source ARN names the function whose record it was.
  auto name = Arn::parse(d.delivery.source_arn);
  std::string fn = name ? name->resource : d.delivery.source_arn;
  if (auto colon = fn.find(':'); colon != std::string::npos) fn = fn.substr(colon + 1);
  if (auto colon = fn.find(':'); colon != std::string::npos) fn.resize(colon);
  counter("nimbus_lambda_dead_letter_errors", fn, "failed deliveries to a DLQ/destination").add();
}

}  // namespace nimbus::events
