#include "services/sns/deliveries.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "events/target.h"
#include "services/sns/delivery_status.h"
#include "services/sns/errors.h"
#include "services/sns/http_delivery.h"
#include "services/sns/mail.h"
#include "services/sns/sms.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

constexpr const char* kKind = "d";  // kPartition is "sns.deliveries/" kKind
// The stream delivery-status records go to (delivery_status.h).
constexpr const char* kStatusStream = "nimbus-delivery-status";
// A dead-letter queue that keeps failing is given up after this long.
constexpr int64_t kDeadLetterMaxAgeMs = 14LL * 24 * 3600 * 1000;
constexpr int64_t kDeadLetterRetryMs = 20'000;
// How much of an endpoint's answer a delivery-status record keeps.
constexpr size_t kLoggedResponseBytes = 1024;
// A FIFO delivery held behind its group's retry fires this long after it.
constexpr std::chrono::milliseconds kBehindRetry{1};
constexpr std::chrono::milliseconds kBehindLateRetry{1000};
// Groups waiting for a retry (deliveries.h, FIFO order).
constexpr const char* kHeadsNs = "sns.fifo-heads";

}  // namespace

struct Deliveries::Pending {
  std::string sub;
  std::string target;  // the endpoint, or the dead-letter queue once `to_dlq`
  events::Delivery d;
  int64_t first_ms = 0;
  int64_t failures = 0;
  bool to_dlq = false;
  std::string type = kNotification;  // http/https: x-amz-sns-message-type
  // The last attempt's answer (http/https: status and body), for the
  // delivery-status log; not stored.
  int status = 0;
  std::string response;

  std::string encode() const {
    json::array attrs;
    for (const auto& a : d.attributes) {
      attrs.push_back(json::object{{"n", a.name},
                                   {"t", a.type},
                                   {"v", a.binary ? base64_encode(a.value) : a.value},
                                   {"b", a.binary}});
    }
    return json::serialize(json::object{{"sub", sub},
                                        {"target", target},
                                        {"body", d.body},
                                        {"attrs", std::move(attrs)},
                                        {"group", d.group_id},
                                        {"dedup", d.dedup_id},
                                        {"src", d.source_arn},
                                        {"id", d.id},
                                        {"first", first_ms},
                                        {"failures", failures},
                                        {"dlq", to_dlq},
                                        {"type", type}});
  }
  static std::optional<Pending> decode(std::string_view text) {
    auto o = parse_object(text);
    if (!o) return std::nullopt;
    Pending p;
    p.sub = str(*o, "sub");
    p.target = str(*o, "target");
    p.d.body = str(*o, "body");
    if (const auto* attrs = o->if_contains("attrs"); attrs != nullptr && attrs->is_array()) {
      for (const auto& v : attrs->as_array()) {
        if (!v.is_object()) continue;
        const auto& a = v.as_object();
        bool binary = boolean(a, "b").value_or(false);
        std::string value = str(a, "v");
        if (binary) value = base64_decode(value).value_or("");
        p.d.attributes.push_back({str(a, "n"), str(a, "t"), std::move(value), binary});
      }
    }
    p.d.group_id = str(*o, "group");
    p.d.dedup_id = str(*o, "dedup");
    p.d.source_arn = str(*o, "src");
    p.d.id = str(*o, "id");
    p.first_ms = integer(*o, "first").value_or(0);
    p.failures = integer(*o, "failures").value_or(0);
    p.to_dlq = boolean(*o, "dlq").value_or(false);
    if (auto type = str(*o, "type"); !type.empty()) p.type = type;
    return p;
  }
};

namespace {

// The deadLetterTargetArn of the subscription's RedrivePolicy, or "".
std::string dead_letter_queue(const Subscription& s) {
  auto it = s.attributes.find("RedrivePolicy");
  if (it == s.attributes.end()) return {};
  auto o = parse_object(it->second);
  return o ? str(*o, "deadLetterTargetArn") : std::string();
}

}  // namespace

std::optional<int64_t> Deliveries::retry_delay_ms(int64_t failures) {
  if (failures <= 3) return 0;      // immediate retries
  if (failures <= 5) return 1'000;  // pre-backoff
  if (failures <= 15) return std::min<int64_t>(20'000, 1'000LL << (failures - 6));  // backoff
  if (failures < 100'015) return 20'000;                                            // post-backoff
  return std::nullopt;
}

std::optional<int64_t> Deliveries::customer_managed_delay_ms(int64_t failures) {
  if (failures < 1) return 0;
  if (failures <= 2) return 10'000;  // pre-backoff
  if (failures <= 12) {              // backoff: 10 s to 600 s, exponentially
    double t = static_cast<double>(failures - 3) / 9.0;
    return static_cast<int64_t>(std::llround(10'000.0 * std::pow(60.0, t)));
  }
  if (failures <= 50) return 600'000;  // post-backoff
  return std::nullopt;
}

Deliveries::Deliveries(Environment& env, Topics& topics, logs::LogWriter* logs)
    : env_(env),
      topics_(topics),
      delivered_(env.metrics.counter("nimbus_sns_deliveries", {{"outcome", "delivered"}},
                                     "SNS deliveries by outcome")),
      retried_(env.metrics.counter("nimbus_sns_deliveries", {{"outcome", "retried"}},
                                   "SNS deliveries by outcome")),
      dead_lettered_(env.metrics.counter("nimbus_sns_deliveries", {{"outcome", "dead_lettered"}},
                                         "SNS deliveries by outcome")),
      dropped_(env.metrics.counter("nimbus_sns_deliveries", {{"outcome", "dropped"}},
                                   "SNS deliveries by outcome")),
      throttled_(env.metrics.counter("nimbus_sns_deliveries", {{"outcome", "throttled"}},
                                     "SNS deliveries by outcome")),
      logs_(logs) {}

Deliveries::~Deliveries() {
  gate_->close();
  client_.reset();  // what is in flight finds the gate closed: stays stored
  smtp_.reset();
  timers_.reset();
}

Status Deliveries::start() {
  http::ClientOptions client;
  auto self_signed = env_.settings.service_options.find("sns.accept-self-signed");
  client.accept_self_signed = self_signed != env_.settings.service_options.end() &&
                              (self_signed->second == "true" || self_signed->second == "1");
  client_ = std::make_unique<http::Client>(client);
  if (auto relay = env_.settings.service_options.find("sns.smtp");
      relay != env_.settings.service_options.end()) {
    auto r = http::SmtpRelay::parse(relay->second);
    if (!r) return Error::internal("--sns-smtp: not HOST:PORT: " + relay->second);
    auto option = [this](const std::string& name) {
      auto it = env_.settings.service_options.find("sns." + name);
      return it == env_.settings.service_options.end() ? std::string() : it->second;
    };
    auto starttls = option("smtp-starttls");
    r->starttls = starttls == "required" ? http::SmtpRelay::StartTls::kRequired
                  : starttls == "off"    ? http::SmtpRelay::StartTls::kOff
                                         : http::SmtpRelay::StartTls::kOptional;
    r->accept_self_signed = option("smtp-accept-self-signed") == "true";
    r->user = option("smtp-user");
    r->password = option("smtp-password");
    r->auth_without_tls = option("smtp-auth-without-tls") == "true";
    smtp_ = std::make_unique<http::SmtpClient>(std::move(*r));
  }
  storage::Timers::Options o;
  o.ns = "sns.deliveries";
  // Handed out inline, in (due, id) order, on the scheduler's thread: the
  // handler does not block (Targets::deliver never does), and FIFO order
  // holds.
  timers_ = std::make_unique<storage::Timers>(
      *env_.storage, env_.scheduler.clock(), env_.scheduler, [](std::function<void()> f) { f(); },
      o);
  timers_->on(kKind, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_timer(std::move(t), std::move(ack));
  });
  if (Status st = load_heads(); !st) return st;
  return timers_->start();
}

void Deliveries::queue(const Subscription& s, const std::string& key, events::Delivery d,
                       std::function<void(Status)> done, const char* type) {
  Pending p{s.arn, s.endpoint, std::move(d), env_.clock.now_millis(), 0, false, type, 0, {}};
  auto slash = s.arn.rfind(':');
  std::string id = key + "/" + s.arn.substr(slash + 1);
  // A Notification to a standard queue is sent at once: the queue's own
  // commit makes it durable, and only a failed attempt is stored (by
  // finish(), as a retry). FIFO deliveries keep their order through the
  // timers.
  if (s.protocol == "sqs" && p.type == kNotification && p.d.group_id.empty() &&
      p.d.dedup_id.empty()) {
    if (auto in = gate_->hold()) {
      if (auto sub = topics_.find_subscription(s.arn)) {
        return send(std::move(p), std::move(sub), std::move(id), std::move(done));
      }
    }
  }
  auto due = env_.scheduler.clock().now();
  if (!p.d.group_id.empty()) {
    // Behind its group's retry already: stored where it would be deferred to.
    MutexLock lock(groups_mu_);
    auto it = groups_.find(p.sub + "\n" + p.d.group_id);
    if (it != groups_.end() && !it->second.in_flight)
      due = std::max(due, it->second.retry + kBehindRetry);
  }
  timers_->schedule(kKind, id, due, p.encode(), std::move(done));
}

void Deliveries::on_timer(storage::DueTimer t, storage::Timers::Ack ack) {
  auto p = Pending::decode(t.payload);
  if (!p) {
    spdlog::error("sns: dropping an unreadable delivery {}", t.id);
    dropped_.add();
    return ack(Status::ok());
  }
  auto sub = topics_.find_subscription(p->sub);
  bool fifo = !p->to_dlq && !p->d.group_id.empty();
  if (fifo && !admit(*p, t, ack)) return;
  // Unsubscribed (or its topic deleted): SNS drops what is left, but for
  // the UnsubscribeConfirmation.
  if (!sub && p->type != kUnsubscribeConfirmation) {
    if (fifo) release_group(*p, t.id);
    dropped_.add();
    return ack(Status::ok());
  }
  if (!p->to_dlq && is_http(events::target_kind(p->target))) {
    return post(std::move(*p), std::move(sub), std::move(t.id), std::move(ack));
  }
  if (!p->to_dlq && sub && is_mail(sub->protocol)) {
    return mail(std::move(*p), std::move(sub), std::move(t.id), std::move(ack));
  }
  if (!p->to_dlq && sub && sub->protocol == "sms") {
    std::string topic = sub->topic_arn.substr(sub->topic_arn.rfind(':') + 1);
    Status st = write_sms(logs_, sms_log_group(env_.settings, topic), p->d.id, sub->endpoint,
                          p->d.body, p->d.attributes, env_.clock.now_millis());
    auto o = st ? events::Outcome::ok()
                : events::Outcome::failed(events::Failure::kUnavailable, st.take_error());
    return finish(std::move(*p), sub, t.id, std::move(ack), o);
  }
  if (!p->to_dlq && sub && sub->protocol == "firehose" && role_check_) {
    auto role = sub->attributes.find("SubscriptionRoleArn");
    // Without a role (which AWS requires of firehose subscriptions) IAM
    // refuses under --iam enforce.
    Status allowed =
        role_check_(role == sub->attributes.end() ? std::string() : role->second, p->target, p->d);
    if (!allowed) {
      auto o = events::Outcome::failed(events::Failure::kRejected, allowed.take_error());
      return finish(std::move(*p), sub, t.id, std::move(ack), o);
    }
  }
  send(std::move(*p), std::move(sub), std::move(t.id), std::move(ack));
}

void Deliveries::send(Pending p, SubscriptionPtr sub, std::string id, storage::Timers::Ack ack) {
  std::string target = p.target;
  events::Delivery d = p.d;
  env_.targets.deliver(target, std::move(d),
                       [this, held = gate_->hold(), p = std::move(p), sub = std::move(sub),
                        id = std::move(id), ack = std::move(ack)](events::Outcome o) mutable {
                         finish(std::move(p), sub, id, std::move(ack), o);
                       });
}

bool Deliveries::throttled(const std::string& sub, int64_t max_per_second, int64_t now_ms) {
  MutexLock lock(windows_mu_);
  auto& w = windows_[sub];
  if (w.second != now_ms / 1000) w = {now_ms / 1000, 0};
  if (w.count >= max_per_second) return true;
  ++w.count;
  return false;
}

void Deliveries::post(Pending p, SubscriptionPtr sub, std::string id, storage::Timers::Ack ack) {
  auto topic = sub ? topics_.find(sub->topic_arn) : nullptr;
  HttpPolicy policy = http_policy(sub.get(), topic.get());
  int64_t now = env_.clock.now_millis();
  if (policy.max_receives_per_second > 0 && p.type == kNotification &&
      throttled(p.sub, policy.max_receives_per_second, now)) {
    // Over the subscription's rate this second: tried again at the next
    // one, not counted as a failure.
    throttled_.add();
    auto due = Clock::from_millis(now - now % 1000 + 1000);
    if (!p.d.group_id.empty()) hold_group(p, id, due);
    return timers_->schedule(kKind, id, due, p.encode(), std::move(ack));
  }
  http::ClientRequest r;
  r.url = p.target;
  r.headers = delivery_headers(p.type, p.d.id, p.d.source_arn, p.sub, sub && sub->raw(),
                               policy.content_type);
  r.body = p.d.body;
  client_->fetch(std::move(r),
                 [this, gate = gate_, p = std::move(p), sub = std::move(sub), id = std::move(id),
                  ack = std::move(ack)](Result<http::ClientResponse> res) mutable {
                   auto in = gate->hold();
                   if (!in) return;  // stopping: the delivery stays stored
                   if (res) {
                     p.status = res->status;
                     p.response = res->body.substr(0, kLoggedResponseBytes);
                   }
                   if (res && res->status >= 200 && res->status < 300) {
                     return finish(std::move(p), sub, id, std::move(ack), events::Outcome::ok());
                   }
                   Error e = res ? http::unsuccessful(*res) : res.error();
                   finish(std::move(p), sub, id, std::move(ack),
                          events::Outcome::failed(events::Failure::kUnavailable, std::move(e)));
                 });
}

void Deliveries::mail(Pending p, SubscriptionPtr sub, std::string id, storage::Timers::Ack ack) {
  if (!smtp_) {
    auto e = errors::unavailable("no SMTP relay: start nimbus with --sns-smtp HOST:PORT");
    return finish(std::move(p), sub, id, std::move(ack),
                  events::Outcome::failed(events::Failure::kUnavailable, std::move(e)));
  }
  http::Mail m;
  m.from = mail_sender(env_.settings);
  m.to = {p.target};
  m.data = p.d.body;
  smtp_->send(std::move(m), [this, gate = gate_, p = std::move(p), sub = std::move(sub),
                             id = std::move(id), ack = std::move(ack)](Status st) mutable {
    auto in = gate->hold();
    if (!in) return;  // stopping: the delivery stays stored
    if (st) return finish(std::move(p), sub, id, std::move(ack), events::Outcome::ok());
    auto kind = st.error().code == "MailRejected" ? events::Failure::kRejected
                                                  : events::Failure::kUnavailable;
    finish(std::move(p), sub, id, std::move(ack), events::Outcome::failed(kind, st.take_error()));
  });
}

void Deliveries::finish(Pending p, const SubscriptionPtr& sub, const std::string& id,
                        storage::Timers::Ack ack, const events::Outcome& o) {
  // A FIFO delivery holds back its group's later ones until it is done.
  bool fifo = !p.to_dlq && !p.d.group_id.empty();
  if (o) {
    if (fifo) release_group(p, id);
    if (!p.to_dlq) log_status(p, sub, o);
    (p.to_dlq ? dead_lettered_ : delivered_).add();
    return ack(Status::ok());
  }
  // A kind nothing has bound (yet, or any more, around a restart) may be
  // there later: retried, not dropped.
  bool retryable = o.retryable() || (o.failure() == events::Failure::kNotFound &&
                                     !env_.targets.has(events::target_kind(p.target)));
  auto now = env_.clock.now_millis();
  auto reschedule = [&](int64_t delay_ms) {
    retried_.add();
    auto due = env_.scheduler.clock().now() + std::chrono::milliseconds(delay_ms);
    if (fifo && !p.to_dlq) hold_group(p, id, due);  // its followers' first
    timers_->schedule(kKind, id, due, p.encode(), std::move(ack));
  };
  ++p.failures;
  if (p.to_dlq) {
    if (retryable && now - p.first_ms < kDeadLetterMaxAgeMs) return reschedule(kDeadLetterRetryMs);
    spdlog::warn("sns: dead-letter queue {} refused a message of {}: {}", p.target, p.sub,
                 o.error().message);
    dropped_.add();
    return ack(Status::ok());
  }
  std::optional<int64_t> delay;
  if (is_http(events::target_kind(p.target))) {
    auto topic = sub ? topics_.find(sub->topic_arn) : nullptr;
    delay = retry_policy(sub.get(), topic.get()).delay_ms(p.failures);
  } else if (retryable && sub && (is_mail(sub->protocol) || sub->protocol == "sms")) {
    delay = customer_managed_delay_ms(p.failures);
  } else if (retryable) {
    delay = retry_delay_ms(p.failures);
  }
  if (delay) return reschedule(with_jitter(*delay, jitter_()));
  log_status(p, sub, o);  // given up: before the dead-letter queue
  if (fifo) release_group(p, id);
  // Confirmations have no dead-letter queue.
  std::string dlq = sub && p.type == kNotification ? dead_letter_queue(*sub) : std::string();
  if (dlq.empty()) {
    dropped_.add();
    return ack(Status::ok());
  }
  p.to_dlq = true;
  p.target = dlq;
  p.failures = 0;
  p.first_ms = now;
  reschedule(0);
}

bool Deliveries::admit(const Pending& p, storage::DueTimer& t, storage::Timers::Ack& ack) {
  Clock::time_point retry;
  {
    MutexLock lock(groups_mu_);
    auto [it, fresh] = groups_.try_emplace(p.sub + "\n" + p.d.group_id);
    Group& g = it->second;
    // A head reloaded from its group record that is no longer stored was
    // done before the record could be dropped.
    bool gone = !fresh && !g.in_flight && g.head != t.id && !timers_->contains(kKind, g.head);
    if (fresh || g.head == t.id || gone) {
      if (gone && g.saved) forget_head(it->first);
      if (gone) g.saved = false;
      g.head = t.id;
      g.in_flight = true;
      return true;
    }
    if (g.in_flight) {
      g.waiting.emplace_back(std::move(t), std::move(ack));
      return false;
    }
    retry = g.retry;
  }
  defer(std::move(t), std::move(ack), retry);
  return false;
}

void Deliveries::hold_group(const Pending& p, const std::string& id, Clock::time_point retry) {
  std::deque<std::pair<storage::DueTimer, storage::Timers::Ack>> waiting;
  {
    MutexLock lock(groups_mu_);
    auto it = groups_.find(p.sub + "\n" + p.d.group_id);
    if (it == groups_.end() || it->second.head != id) return;
    it->second.in_flight = false;
    it->second.retry = retry;
    it->second.saved = true;
    waiting.swap(it->second.waiting);
    save_head(it->first, id, retry);  // queued before the deferrals and the retry
  }
  for (auto& [t, ack] : waiting) defer(std::move(t), std::move(ack), retry);
}

void Deliveries::release_group(const Pending& p, const std::string& id) {
  std::optional<std::pair<storage::DueTimer, storage::Timers::Ack>> next;
  {
    MutexLock lock(groups_mu_);
    auto it = groups_.find(p.sub + "\n" + p.d.group_id);
    if (it == groups_.end() || it->second.head != id) return;
    Group& g = it->second;
    if (g.saved) forget_head(it->first);
    g.saved = false;
    if (g.waiting.empty()) {
      groups_.erase(it);
      return;
    }
    next = std::move(g.waiting.front());
    g.waiting.pop_front();
    g.head = next->first.id;
    g.in_flight = true;
  }
  // Handed out again from the scheduler's thread, as timers are (this may
  // be the target's callback, and a long group must not recurse).
  env_.scheduler.after(
      std::chrono::milliseconds(0),
      [this, gate = gate_, t = std::move(next->first), ack = std::move(next->second)]() mutable {
        if (auto in = gate->hold()) on_timer(std::move(t), std::move(ack));
      });
}

void Deliveries::defer(storage::DueTimer t, storage::Timers::Ack ack, Clock::time_point retry) {
  auto due = retry + kBehindRetry;
  // The retry should have fired by now (its rescheduling failed and the
  // timers put it off): look again later rather than spin.
  if (auto now = env_.scheduler.clock().now(); due <= now) due = now + kBehindLateRetry;
  timers_->schedule(kKind, t.id, due, std::move(t.payload), std::move(ack));
}

void Deliveries::save_head(const std::string& group, const std::string& id,
                           Clock::time_point retry) {
  int64_t retry_ms = Clock::to_millis(retry);
  storage::WriteBatch batch(kPartition);
  batch.put(kHeadsNs, group, json::serialize(json::object{{"head", id}, {"retry", retry_ms}}));
  env_.storage->commit(std::move(batch), [](Status st) {
    if (!st) spdlog::warn("sns: could not record a FIFO group's retry: {}", st.error().message);
  });
}

void Deliveries::forget_head(const std::string& group) {
  storage::WriteBatch batch(kPartition);
  batch.del(kHeadsNs, group);
  env_.storage->commit(std::move(batch), [](Status st) {
    if (!st) spdlog::warn("sns: could not drop a FIFO group's record: {}", st.error().message);
  });
}

Status Deliveries::load_heads() {
  std::vector<storage::Entry> records;
  Status st = env_.storage->records(kHeadsNs).each(
      "", [&records](storage::Entry& e) { records.push_back(std::move(e)); });
  if (!st) return st;
  MutexLock lock(groups_mu_);
  for (auto& e : records) {
    auto o = parse_object(e.value);
    if (!o) continue;
    Group& g = groups_[e.key];
    g.head = str(*o, "head");
    g.in_flight = false;
    g.retry = Clock::from_millis(integer(*o, "retry").value_or(0));
    g.saved = true;
  }
  return Status::ok();
}

void Deliveries::log_status(const Pending& p, const SubscriptionPtr& sub,
                            const events::Outcome& o) {
  if (logs_ == nullptr || !sub || p.type != kNotification) return;
  auto topic = topics_.find(sub->topic_arn);
  if (!topic) return;
  bool success = o.is_ok();
  auto f = feedback(*topic, sub->protocol, success);
  if (!f || (success && f->sample_rate < 100 && jitter_() * 100 >= f->sample_rate)) return;
  std::string group = delivery_log_group(env_.settings, *topic, success);
  if (feedback_check_) {
    Status allowed = feedback_check_(f->role_arn, log_group_arn(env_.settings, *topic, group));
    if (!allowed) {
      spdlog::debug("sns: no delivery-status log for {}: {}", topic->arn, allowed.error().message);
      return;
    }
  }
  DeliveryStatus s;
  s.message_id = p.d.id;
  s.topic_arn = topic->arn;
  s.message = delivered_message(p.d.body, sub->raw());
  s.published_ms = p.first_ms;
  s.destination = sub->endpoint;
  int64_t now = env_.clock.now_millis();
  s.dwell_ms = std::max<int64_t>(0, now - p.first_ms);
  s.success = success;
  // A success is attempt failures + 1; a failure was counted by finish().
  s.attempts = success ? p.failures + 1 : p.failures;
  if (success) {
    s.status_code = p.status != 0 ? p.status : 200;
    s.provider_response = !p.response.empty() ? p.response
                          : o.id().empty()    ? std::string("Delivered")
                                           : json::serialize(json::object{{"messageId", o.id()}});
  } else {
    const Error& e = o.error();
    s.status_code = p.status != 0 ? p.status : (e.http_status != 0 ? e.http_status : 500);
    s.provider_response =
        !p.response.empty()
            ? p.response
            : json::serialize(json::object{{"ErrorCode", e.code}, {"ErrorMessage", e.message}});
  }
  logs_->put(group, kStatusStream, {logs::LogEvent{now, delivery_status_record(s)}});
}

}  // namespace nimbus::services::sns
