#include "services/s3/notify.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/request_id.h"
#include "events/target.h"
#include "services/s3/config/notification.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

constexpr const char* kNotifyKind = "n";
constexpr int64_t kMaxAgeMs = 24LL * 3600 * 1000;

struct Pending {
  std::string target;
  std::string bucket;
  std::string body;
  int64_t first_ms = 0;
  int64_t failures = 0;

  std::string encode() const {
    return json::serialize(json::object{{"target", target},
                                        {"bucket", bucket},
                                        {"body", body},
                                        {"first", first_ms},
                                        {"failures", failures}});
  }
  static std::optional<Pending> decode(std::string_view text) {
    auto o = parse_object(text);
    if (!o) return std::nullopt;
    return Pending{str(*o, "target"), str(*o, "bucket"), str(*o, "body"),
                   integer(*o, "first").value_or(0), integer(*o, "failures").value_or(0)};
  }
};

Counter& outcome(Metrics& m, const char* what) {
  return m.counter("nimbus_s3_notifications", {{"outcome", what}},
                   "S3 event notifications by outcome");
}

}  // namespace

int64_t Notifier::retry_delay_ms(int64_t failures) {
  return std::min<int64_t>(300'000, 1'000LL << std::min<int64_t>(failures - 1, 20));
}

Notifier::Notifier(Environment& env, Objects& objects)
    : env_(env),
      objects_(objects),
      delivered_(outcome(env.metrics, "delivered")),
      retried_(outcome(env.metrics, "retried")),
      dropped_(outcome(env.metrics, "dropped")) {}

Notifier::~Notifier() {
  gate_->close();
  timers_.reset();
}

Status Notifier::start() {
  storage::Timers::Options o;
  o.ns = "s3.notify";
  // Handed out inline on the scheduler's thread: the handler only calls
  // Targets::deliver, which never blocks.
  timers_ = std::make_unique<storage::Timers>(
      *env_.storage, env_.scheduler.clock(), env_.scheduler, [](std::function<void()> f) { f(); },
      o);
  timers_->on(kNotifyKind, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_timer(std::move(t), std::move(ack));
  });
  objects_.on_event([this, gate = gate_](const ObjectEvent& e) {
    if (auto in = gate->hold()) on_event(e);
  });
  return timers_->start();
}

void Notifier::queue(const std::string& target, const std::string& bucket,
                     std::string configuration_id, std::string body,
                     std::function<void(Status)> done) {
  char id[48];
  std::snprintf(id, sizeof id, "%013lld-%08llx/", static_cast<long long>(env_.clock.now_millis()),
                static_cast<unsigned long long>(++next_));
  Pending p{target, bucket, std::move(body), env_.clock.now_millis(), 0};
  timers_->schedule(kNotifyKind, id + configuration_id, env_.scheduler.clock().now(), p.encode(),
                    std::move(done));
}

void Notifier::on_event(const ObjectEvent& e) {
  auto stored = objects_.config(e.bucket, "notification");
  if (!stored || !*stored || (*stored)->empty()) return;
  auto doc = parse_object(**stored);
  if (!doc) return;
  auto config = s3config::read_notifications(*doc);
  if (config.destinations.empty() && !config.eventbridge) return;
  auto bucket = objects_.bucket(e.bucket);
  s3config::ObjectEvent record;
  record.name = e.name;
  record.region =
      bucket && *bucket && !(*bucket)->region.empty() ? (*bucket)->region : env_.settings.region;
  record.time_ms = e.time_ms;
  record.principal_id = e.principal.empty() ? env_.settings.account_id : e.principal;
  record.request_id = e.request_id;
  record.host_id = base64_encode(e.request_id);
  record.bucket = e.bucket;
  record.owner_id = bucket && *bucket ? (*bucket)->owner : env_.settings.account_id;
  record.key = e.key;
  if (e.name.starts_with("ObjectCreated:")) {
    record.size = static_cast<int64_t>(e.size);
    record.etag = e.etag;
  }
  record.version_id = e.version_id;
  record.sequencer = e.sequencer;
  auto logged = [](std::string arn) {
    return [arn = std::move(arn)](Status st) {
      if (!st) spdlog::warn("s3: could not store an event for {}: {}", arn, st.error().message);
    };
  };
  for (const auto& d : config.destinations) {
    if (!s3config::wants(d, e.name, e.key)) continue;
    queue(d.arn, e.bucket, d.id, s3config::event_record(record, d.id), logged(d.arn));
  }
  if (config.eventbridge) {
    // Every event goes to the default bus of the bucket's region; the bus's
    // rules decide who gets it.
    auto event = s3config::eventbridge_event(record, new_request_id(), env_.settings.account_id);
    if (!event) return;
    std::string bus =
        "arn:aws:events:" + record.region + ":" + env_.settings.account_id + ":event-bus/default";
    queue(bus, e.bucket, "eventbridge", std::move(*event), logged(bus));
  }
}

void Notifier::on_timer(storage::DueTimer t, storage::Timers::Ack ack) {
  auto p = Pending::decode(t.payload);
  if (!p) {
    spdlog::error("s3: dropping an unreadable event notification {}", t.id);
    dropped_.add();
    return ack(Status::ok());
  }
  events::Delivery d;
  d.body = p->body;
  d.source_arn = "arn:aws:s3:::" + p->bucket;
  std::string target = p->target;
  env_.targets.deliver(
      target, std::move(d),
      [this, held = gate_->hold(), p = std::move(*p), id = t.id,
       ack = std::move(ack)](events::Outcome o) mutable {
        if (!held) return;
        if (o) {
          delivered_.add();
          return ack(Status::ok());
        }
        // A kind nothing has bound (yet) may be there later: retried.
        bool retryable = o.retryable() || (o.failure() == events::Failure::kNotFound &&
                                           !env_.targets.has(events::target_kind(p.target)));
        ++p.failures;
        if (retryable && env_.clock.now_millis() - p.first_ms < kMaxAgeMs) {
          retried_.add();
          auto due =
              env_.scheduler.clock().now() + std::chrono::milliseconds(retry_delay_ms(p.failures));
          return timers_->schedule(kNotifyKind, id, due, p.encode(), std::move(ack));
        }
        spdlog::warn("s3: dropping an event notification for {}: {}", p.target, o.error().message);
        dropped_.add();
        ack(Status::ok());
      });
}

}  // namespace nimbus::services::s3
