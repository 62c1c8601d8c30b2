#include "events/async_invoke.h"
#include "common/time_format.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>

#include "common/json_fields.h"
#include "storage/storage.h"

namespace nimbus::events {

namespace json = boost::json;

namespace {

// A payload inside a destination record: JSON when it parses, else a string.
json::value embed(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return json::string(text);
  return v;
}

// How destinations themselves are retried: a target that is throttled,
// unavailable or not bound yet is tried again for up to six hours.
RetryPolicy outbox_policy() {
  RetryPolicy p;
  p.max_retries = 0;
  return p;
}

}  // namespace

struct AsyncInvoke::Event {
  std::string key;
  std::string name, qualifier, payload, request_id;
  int64_t attempts = 0;  // retries after function errors so far
  int64_t throttles = 0;
  int64_t first_ms = 0;

  std::string encode() const {
    return json::serialize(json::object{{"name", name},
                                        {"qualifier", qualifier},
                                        {"payload", payload},
                                        {"request_id", request_id},
                                        {"attempts", attempts},
                                        {"first_ms", first_ms}});
  }
};

AsyncInvoke::AsyncInvoke(Deps deps, Options options)
    : deps_(deps),
      options_(std::move(options)),
      outbox_({deps.storage, deps.scheduler, deps.clock, deps.targets}, options_.outbox_ns,
              outbox_policy(), [this](const std::string&, const Delivery& d, const Outcome&) {
                // The source ARN names the function whose record it was.
                auto name = Arn::parse(d.source_arn);
                std::string fn = name ? name->resource : d.source_arn;
                if (auto colon = fn.find(':'); colon != std::string::npos)
                  fn = fn.substr(colon + 1);
                if (auto colon = fn.find(':'); colon != std::string::npos) fn.resize(colon);
                counter("nimbus_lambda_dead_letter_errors", fn,
                        "failed deliveries to a DLQ/destination")
                    .add();
              }) {
  seq_ = static_cast<uint64_t>(deps_.clock.now_millis()) * 1000;
  if (deps_.storage == nullptr) return;
  size_t recovered = 0;
  auto read = deps_.storage->records(options_.ns).each("", [&](storage::Entry& e) {
    auto o = parse_object(e.value);
    if (!o) return;
    auto ev = std::make_shared<Event>();
    ev->key = e.key;
    ev->name = str(*o, "name");
    ev->qualifier = str(*o, "qualifier");
    ev->payload = str(*o, "payload");
    ev->request_id = str(*o, "request_id");
    ev->attempts = integer(*o, "attempts").value_or(0);
    ev->first_ms = integer(*o, "first_ms").value_or(0);
    ++pending_;
    ++recovered;
    schedule(ev, options_.recover_delay_ms);
  });
  if (!read) spdlog::error("events: reading queued async invocations: {}", read.error().message);
  size_t deliveries = outbox_.recover(options_.recover_delay_ms);
  if (recovered + deliveries > 0) {
    spdlog::info("events: {} queued async invocations and {} destination deliveries recovered",
                 recovered, deliveries);
  }
}

AsyncInvoke::~AsyncInvoke() {
  stop();
  gate_->close();  // waits for a callback that is using `this` right now
}

void AsyncInvoke::stop() {
  stopped_->store(true);
  outbox_.stop();
}

Counter& AsyncInvoke::counter(const char* name, const std::string& function, const char* help) {
  return deps_.metrics.counter(name, {{"function", function}}, help);
}

void AsyncInvoke::enqueue(std::string name, std::string qualifier, std::string payload,
                          std::string request_id, std::function<void(Status)> done) {
  auto ev = std::make_shared<Event>();
  char seq[32];
  std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(++seq_));
  ev->key = name + "/" + seq;
  ev->name = std::move(name);
  ev->qualifier = std::move(qualifier);
  ev->payload = std::move(payload);
  ev->request_id = std::move(request_id);
  ev->first_ms = deps_.clock.now_millis();
  ++pending_;
  if (deps_.storage == nullptr) {
    done(Status::ok());
    return dispatch(ev);
  }
  storage::WriteBatch batch;
  batch.put(options_.ns, ev->key, ev->encode());
  auto stopped = stopped_;
  deps_.storage->commit(std::move(batch),
                        [this, stopped, gate = gate_, ev, done = std::move(done)](Status st) {
                          auto in = gate->hold();
                          if (!st) {
                            if (in) --pending_;
                            return done(st);
                          }
                          done(Status::ok());
                          if (in && !*stopped) dispatch(ev);
                        });
}

void AsyncInvoke::schedule(std::shared_ptr<Event> ev, int64_t delay_ms) {
  auto stopped = stopped_;
  deps_.scheduler.after(std::chrono::milliseconds(delay_ms), [this, stopped, gate = gate_, ev] {
    auto in = gate->hold();
    if (in && !*stopped) dispatch(ev);
  });
}

void AsyncInvoke::dispatch(std::shared_ptr<Event> ev) {
  if (*stopped_) return;
  auto fn = deps_.functions.resolve(ev->name, ev->qualifier);
  if (!fn) {  // the function (or qualifier) is gone: nothing can run it
    --pending_;
    storage::WriteBatch batch;
    batch.del(options_.ns, ev->key);
    return commit(std::move(batch));
  }
  if (deps_.clock.now_millis() - ev->first_ms > fn->policy.max_age_ms) {
    return finish(ev, *fn, "EventAgeExceeded", nullptr);
  }
  auto run = fn->run;
  auto stopped = stopped_;
  run(ev->request_id, ev->payload,
      [this, stopped, gate = gate_, ev, fn = std::move(*fn)](RunOutcome r) {
        auto in = gate->hold();
        if (in && !*stopped) on_run(ev, fn, std::move(r));
      });
}

void AsyncInvoke::on_run(std::shared_ptr<Event> ev, const ResolvedFunction& fn, RunOutcome r) {
  using Kind = RunOutcome::Kind;
  if (r.kind == Kind::kThrottled) {  // back off, bounded by the event's age
    return schedule(ev, fn.policy.backoff_ms(++ev->throttles));
  }
  if (r.kind == Kind::kOk) return finish(ev, fn, "Success", &r);
  if (ev->attempts < fn.policy.max_retries) {
    int64_t delay = fn.policy.retry_delay_ms(ev->attempts);
    ev->attempts++;
    persist(*ev);
    return schedule(ev, delay);
  }
  finish(ev, fn, "RetriesExhausted", &r);
}

void AsyncInvoke::finish(std::shared_ptr<Event> ev, const ResolvedFunction& fn,
                         const std::string& condition, const RunOutcome* result) {
  bool success = condition == "Success";
  const std::string& dest = success ? fn.policy.on_success : fn.policy.on_failure;
  std::string function_arn = fn.function_arn + ":" + fn.executed_version;
  storage::WriteBatch batch;
  batch.del(options_.ns, ev->key);
  std::shared_ptr<Outbox::Item> item;
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
    Delivery d;
    d.body = json::serialize(record);
    d.source_arn = function_arn;
    d.id = ev->request_id;
    item = outbox_.add(batch, dest, std::move(d));
  } else if (!success && !fn.policy.dead_letter.empty()) {
    // Lambda's dead-letter message: the event, with what went wrong as attributes.
    std::string message = "Event age exceeded";
    if (result != nullptr) {
      message.clear();
      if (auto doc = parse_object(result->payload)) message = str(*doc, "errorMessage");
      if (message.empty()) message = "Function failed";
    }
    Delivery d;
    d.body = ev->payload;
    d.attributes = {{"RequestID", "String", ev->request_id, false},
                    {"ErrorCode", "Number", "200", false},
                    {"ErrorMessage", "String", message, false}};
    d.source_arn = function_arn;
    d.id = ev->request_id;
    item = outbox_.add(batch, fn.policy.dead_letter, std::move(d));
  } else if (!success) {
    counter("nimbus_lambda_async_events_dropped", ev->name, "async events dropped after failing")
        .add();
  }
  --pending_;
  if (deps_.storage == nullptr) {
    if (item) outbox_.start(std::move(item));
    return;
  }
  // The event leaves storage in the batch that records where it goes next.
  deps_.storage->commit(
      std::move(batch), [this, stopped = stopped_, gate = gate_, item](Status st) {
        auto in = gate->hold();
        if (!st) spdlog::error("events: finishing an async invocation: {}", st.error().message);
        if (in && st && item && !*stopped) outbox_.start(item);
      });
}

void AsyncInvoke::persist(const Event& ev) {
  if (deps_.storage == nullptr) return;
  storage::WriteBatch batch;
  batch.put(options_.ns, ev.key, ev.encode());
  commit(std::move(batch));
}

void AsyncInvoke::commit(storage::WriteBatch batch) {
  if (deps_.storage == nullptr) return;
  deps_.storage->commit(std::move(batch), [](Status) {});
}

}  // namespace nimbus::events
