#include "services/lambda/async_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "services/lambda/util.h"
#include "services/sqs/queues.h"
#include "storage/storage.h"

namespace nimbus::services::lambda {

namespace {

constexpr const char* kNs = "lambda.async";
constexpr int64_t kDefaultMaxAge = 21600;
constexpr int64_t kDefaultRetries = 2;

std::string iso_time(int64_t ms) {
  std::string t = lambda_time(ms);  // ...+0000
  return t.substr(0, t.size() - 5) + "Z";
}

// A payload inside a destination record: JSON when it parses, else a string.
json::value embed(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return json::string(text);
  return v;
}

}  // namespace

struct AsyncQueue::Event {
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

AsyncQueue::AsyncQueue(LambdaService& service) : s_(service) {
  seq_ = static_cast<uint64_t>(s_.env().clock.now_millis()) * 1000;
  if (s_.env().storage == nullptr) return;
  size_t recovered = 0;
  auto read = s_.env().storage->records(kNs).each("", [&](storage::Entry& e) {
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
    schedule(ev, 100);
  });
  if (!read) spdlog::error("lambda: reading queued async events: {}", read.error().message);
  if (recovered > 0) spdlog::info("lambda: {} queued async invocations recovered", recovered);
}

AsyncQueue::~AsyncQueue() {
  stopped_->store(true);
}

void AsyncQueue::enqueue(const Target&, std::string name, std::string qualifier,
                         std::string payload, std::string request_id,
                         std::function<void(Status)> done) {
  auto ev = std::make_shared<Event>();
  char seq[32];
  std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(++seq_));
  ev->key = name + "/" + seq;
  ev->name = std::move(name);
  ev->qualifier = std::move(qualifier);
  ev->payload = std::move(payload);
  ev->request_id = std::move(request_id);
  ev->first_ms = s_.env().clock.now_millis();
  ++pending_;
  if (s_.env().storage == nullptr) {
    done(Status::ok());
    return dispatch(ev);
  }
  storage::WriteBatch batch;
  batch.put(kNs, ev->key, ev->encode());
  s_.env().storage->commit(std::move(batch), [this, ev, done = std::move(done)](Status st) {
    if (!st) {
      --pending_;
      return done(st);
    }
    done(Status::ok());
    dispatch(ev);
  });
}

void AsyncQueue::schedule(std::shared_ptr<Event> ev, int64_t delay_ms) {
  auto stopped = stopped_;
  s_.env().scheduler.after(std::chrono::milliseconds(delay_ms), [this, stopped, ev] {
    if (!*stopped) dispatch(ev);
  });
}

void AsyncQueue::dispatch(std::shared_ptr<Event> ev) {
  if (*stopped_) return;
  auto target = s_.resolve(ev->name, ev->qualifier);
  if (!target) {  // the function (or qualifier) is gone: nothing can run it
    --pending_;
    return remove(*ev);
  }
  int64_t max_age =
      integer(target->event_config, "MaximumEventAgeInSeconds").value_or(kDefaultMaxAge);
  if (s_.env().clock.now_millis() - ev->first_ms > max_age * 1000) {
    return finish(ev, &*target, "EventAgeExceeded", nullptr);
  }
  runtime::InvokeRequest req;
  req.request_id = ev->request_id;
  req.payload = ev->payload;
  Target copy = *target;
  auto stopped = stopped_;
  s_.run(std::move(*target), std::move(req),
         [this, stopped, ev, copy = std::move(copy)](Result<runtime::InvokeResult> r) mutable {
           if (*stopped) return;
           on_result(ev, std::move(copy), std::move(r));
         });
}

void AsyncQueue::on_result(std::shared_ptr<Event> ev, Target target,
                           Result<runtime::InvokeResult> r) {
  if (!r) {  // throttled (or no environments): back off, bounded by the event's age
    ev->throttles++;
    int64_t delay = std::min<int64_t>(300'000, 1000LL << std::min<int64_t>(ev->throttles - 1, 9));
    return schedule(ev, delay);
  }
  if (r->status == runtime::InvokeStatus::kOk) return finish(ev, &target, "Success", &*r);
  int64_t max_retries =
      integer(target.event_config, "MaximumRetryAttempts").value_or(kDefaultRetries);
  if (ev->attempts < max_retries) {
    const auto& delays = s_.options().retry_delays_ms;
    int64_t delay =
        delays.empty()
            ? 0
            : delays[std::min<size_t>(static_cast<size_t>(ev->attempts), delays.size() - 1)];
    ev->attempts++;
    persist(*ev);
    return schedule(ev, delay);
  }
  finish(ev, &target, "RetriesExhausted", &*r);
}

void AsyncQueue::finish(std::shared_ptr<Event> ev, const Target* target,
                        const std::string& condition, const runtime::InvokeResult* result) {
  --pending_;
  bool success = condition == "Success";
  std::string dest;
  if (const auto* d = target->event_config.if_contains("DestinationConfig"); d && d->is_object()) {
    const auto* on = d->as_object().if_contains(success ? "OnSuccess" : "OnFailure");
    if (on && on->is_object()) dest = str(on->as_object(), "Destination");
  }
  if (!dest.empty()) {
    json::object record;
    record["version"] = "1.0";
    record["timestamp"] = iso_time(s_.env().clock.now_millis());
    record["requestContext"] =
        json::object{{"requestId", ev->request_id},
                     {"functionArn", target->spec->arn + ":" + target->executed_version},
                     {"condition", condition},
                     {"approximateInvokeCount", ev->attempts + 1}};
    record["requestPayload"] = embed(ev->payload);
    if (result != nullptr) {
      json::object rc{{"statusCode", 200}, {"executedVersion", target->executed_version}};
      if (!success) rc["functionError"] = "Unhandled";
      record["responseContext"] = std::move(rc);
      record["responsePayload"] = embed(result->payload);
    }
    deliver(dest, json::serialize(record), target->stats);
  } else if (!success) {
    std::string dlq = str(target->dead_letter, "TargetArn");
    if (!dlq.empty()) {
      // Lambda's dead-letter message: the event, with what went wrong as attributes.
      std::string message = "Function failed";
      if (result != nullptr) {
        boost::system::error_code ec;
        auto doc = json::parse(result->payload, ec);
        if (!ec && doc.is_object()) message = str(doc.as_object(), "errorMessage");
      } else {
        message = "Event age exceeded";
      }
      deliver(dlq, ev->payload, target->stats,
              {{"RequestID", "String", ev->request_id},
               {"ErrorCode", "Number", "200"},
               {"ErrorMessage", "String", message.empty() ? "Function failed" : message}});
    } else {
      target->stats->async_dropped->add();
    }
  }
  remove(*ev);
}

void AsyncQueue::deliver(const std::string& arn, std::string body,
                         std::shared_ptr<FunctionStats> stats,
                         std::vector<sqs::MessageAttribute> attributes) {
  if (arn.starts_with("arn:aws:sqs:")) {
    auto* queues = s_.queues();
    auto q = queues ? queues->find_by_arn(arn) : nullptr;
    if (!q) {
      stats->dead_letter_errors->add();
      return;
    }
    sqs::SendRequest req;
    req.body = std::move(body);
    req.attributes = std::move(attributes);
    queues->send(q, {std::move(req)}, [stats](std::vector<Result<sqs::SendResult>> r) {
      if (r.empty() || !r[0]) stats->dead_letter_errors->add();
    });
    return;
  }
  if (arn.starts_with("arn:aws:lambda:")) {
    auto ref = parse_function_name(arn);
    auto target = s_.resolve(ref.name, ref.qualifier);
    if (!target) {
      stats->dead_letter_errors->add();
      return;
    }
    enqueue(*target, ref.name, ref.qualifier, std::move(body), new_revision_id(),
            [stats](Status st) {
              if (!st) stats->dead_letter_errors->add();
            });
    return;
  }
  stats->dead_letter_errors->add();  // SNS / EventBridge: refused at configuration time
}

void AsyncQueue::persist(const Event& ev) {
  if (s_.env().storage == nullptr) return;
  storage::WriteBatch batch;
  batch.put(kNs, ev.key, ev.encode());
  s_.env().storage->commit(std::move(batch), [](Status) {});
}

void AsyncQueue::remove(const Event& ev) {
  if (s_.env().storage == nullptr) return;
  storage::WriteBatch batch;
  batch.del(kNs, ev.key);
  s_.env().storage->commit(std::move(batch), [](Status) {});
}

}  // namespace nimbus::services::lambda
