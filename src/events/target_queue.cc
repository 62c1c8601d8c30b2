#include "events/target_queue.h"

#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "common/scheduler.h"
#include "events/stored_delivery.h"

namespace nimbus::events {

namespace json = boost::json;

namespace {

constexpr const char* kKind = "d";
constexpr int64_t kDeadLetterMaxAgeMs = 14LL * 24 * 3600 * 1000;

}  // namespace

// A stored delivery: StoredDelivery's fields and the policy.
struct TargetQueue::Pending {
  StoredDelivery s;
  QueuedDelivery policy;  // its target and delivery unused: `s` has them
  bool to_dlq = false;

  std::string encode() const {
    json::object o = s.to_json();
    o["max_retries"] = policy.max_retries;
    o["max_age_ms"] = policy.max_age_ms;
    o["dead_letter"] = policy.dead_letter;
    o["rule_arn"] = policy.rule_arn;
    if (!policy.role_arn.empty()) o["role_arn"] = policy.role_arn;
    if (!policy.dead_letter_attributes.empty()) {
      json::object extra;
      for (const auto& [k, v] : policy.dead_letter_attributes) extra[k] = v;
      o["dl_attributes"] = std::move(extra);
    }
    o["to_dlq"] = to_dlq;
    return json::serialize(o);
  }
  static std::optional<Pending> decode(std::string_view text) {
    auto o = parse_object(text);
    if (!o) return std::nullopt;
    Pending p;
    p.s = StoredDelivery::from_json(*o);
    p.policy.max_retries = integer(*o, "max_retries").value_or(185);
    p.policy.max_age_ms = integer(*o, "max_age_ms").value_or(86'400'000);
    p.policy.dead_letter = str(*o, "dead_letter");
    p.policy.rule_arn = str(*o, "rule_arn");
    p.policy.role_arn = str(*o, "role_arn");
    for (const auto& [k, v] : string_map(*o, "dl_attributes")) {
      p.policy.dead_letter_attributes.emplace_back(k, v);
    }
    p.to_dlq = boolean(*o, "to_dlq").value_or(false);
    return p;
  }
};

int64_t TargetQueue::backoff_ms(int64_t n) {
  if (n <= 1) return 1'000;
  if (n >= 10) return 300'000;
  return std::min<int64_t>(300'000, 1'000LL << (n - 1));
}

TargetQueue::TargetQueue(storage::Storage& storage, Scheduler& scheduler, Targets& targets,
                         Metrics& metrics, std::string ns, std::string service)
    : storage_(storage),
      scheduler_(scheduler),
      targets_(targets),
      ns_(std::move(ns)),
      delivered_(metrics.counter("nimbus_target_deliveries",
                                 {{"service", service}, {"outcome", "delivered"}},
                                 "Deliveries to rule and schedule targets by outcome")),
      retried_(metrics.counter("nimbus_target_deliveries",
                               {{"service", service}, {"outcome", "retried"}},
                               "Deliveries to rule and schedule targets by outcome")),
      dead_lettered_(metrics.counter("nimbus_target_deliveries",
                                     {{"service", service}, {"outcome", "dead_lettered"}},
                                     "Deliveries to rule and schedule targets by outcome")),
      dropped_(metrics.counter("nimbus_target_deliveries",
                               {{"service", service}, {"outcome", "dropped"}},
                               "Deliveries to rule and schedule targets by outcome")) {}

TargetQueue::~TargetQueue() {
  gate_->close();
  timers_.reset();
}

Status TargetQueue::start() {
  storage::Timers::Options o;
  o.ns = ns_;
  timers_ = std::make_unique<storage::Timers>(
      storage_, scheduler_.clock(), scheduler_, [](std::function<void()> f) { f(); }, o);
  timers_->on(kKind, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_timer(std::move(t), std::move(ack));
  });
  return timers_->start();
}

TargetQueue::Pending TargetQueue::pending(QueuedDelivery d) const {
  Pending p;
  p.s.target = std::move(d.target);
  p.s.delivery = std::move(d.delivery);
  p.s.first_ms = scheduler_.clock().now_millis();
  p.policy = std::move(d);
  return p;
}

void TargetQueue::queue(const std::string& id, QueuedDelivery d, std::function<void(Status)> done) {
  timers_->schedule(kKind, id, scheduler_.clock().now(), pending(std::move(d)).encode(),
                    std::move(done));
}

void TargetQueue::send(const std::string& id, QueuedDelivery d, std::function<void(Status)> done) {
  auto in = gate_->hold();
  if (!in) return queue(id, std::move(d), std::move(done));  // stopping: stored for later
  attempt(pending(std::move(d)), id, std::move(done));
}

void TargetQueue::on_timer(storage::DueTimer t, storage::Timers::Ack ack) {
  auto p = Pending::decode(t.payload);
  if (!p) {
    spdlog::error("{}: dropping an unreadable delivery {}", ns_, t.id);
    dropped_.add();
    return ack(Status::ok());
  }
  attempt(std::move(*p), std::move(t.id), std::move(ack));
}

void TargetQueue::attempt(Pending p, std::string id, storage::Timers::Ack ack) {
  std::string target = p.s.target;
  Delivery d = p.s.delivery;
  if (!p.to_dlq && prepare_) prepare_(target, d, p.s.failures + 1);
  bool as_role = !p.to_dlq || dead_letter_as_role_;
  if (as_role && !p.policy.role_arn.empty() && role_check_) {
    if (auto allowed = role_check_(p.policy.role_arn, target, d); !allowed) {
      // A refused dead letter keeps the check's own error (AccessDenied);
      // a refused target is EventBridge's and Scheduler's NO_PERMISSIONS.
      Outcome refused = Outcome::failed(
          Failure::kRejected,
          p.to_dlq ? allowed.error() : Error::make("NO_PERMISSIONS", allowed.error().message, 403));
      return finish(std::move(p), id, std::move(ack), refused);
    }
  }
  targets_.deliver(
      target, std::move(d),
      [this, held = gate_->hold(), p = std::move(p), id = std::move(id),
       ack = std::move(ack)](Outcome o) mutable { finish(std::move(p), id, std::move(ack), o); });
}

void TargetQueue::finish(Pending p, const std::string& id, storage::Timers::Ack ack,
                         const Outcome& o) {
  const int64_t attempt = p.s.failures + 1;  // of the target; the dead-letter queue's aside
  if (o) {
    if (!p.to_dlq && attempt_result_) attempt_result_(p.policy, attempt, o, false);
    (p.to_dlq ? dead_lettered_ : delivered_).add();
    if (p.to_dlq && dead_letter_result_) dead_letter_result_(p.policy, nullptr);
    return ack(Status::ok());
  }
  bool retryable = o.retryable() ||
                   (o.failure() == Failure::kNotFound && !targets_.has(target_kind(p.s.target)));
  int64_t now = scheduler_.clock().now_millis();
  ++p.s.failures;
  auto reschedule = [&](int64_t delay_ms) {
    retried_.add();
    timers_->schedule(kKind, id, scheduler_.clock().now() + std::chrono::milliseconds(delay_ms),
                      p.encode(), std::move(ack));
  };
  if (p.to_dlq) {
    if (retryable && now - p.s.first_ms < kDeadLetterMaxAgeMs) {
      return reschedule(backoff_ms(p.s.failures));
    }
    spdlog::warn("{}: dead-letter queue {} refused an event: {}", ns_, p.s.target,
                 o.error().message);
    dropped_.add();
    if (dead_letter_result_) dead_letter_result_(p.policy, &o.error());
    return ack(Status::ok());
  }
  int64_t delay = backoff_ms(p.s.failures);
  bool retries_left = p.s.failures <= p.policy.max_retries;
  bool retry = retryable && retries_left && now + delay - p.s.first_ms <= p.policy.max_age_ms;
  if (attempt_result_) attempt_result_(p.policy, attempt, o, !retry);
  if (retry) return reschedule(delay);
  if (p.policy.dead_letter.empty()) {
    dropped_.add();
    return ack(Status::ok());
  }
  auto& attrs = p.s.delivery.attributes;
  attrs.clear();
  if (!p.policy.rule_arn.empty()) attrs.push_back({"RULE_ARN", "String", p.policy.rule_arn});
  attrs.push_back({"TARGET_ARN", "String", p.s.target});
  attrs.push_back({"ERROR_CODE", "String", o.error().code});
  attrs.push_back({"ERROR_MESSAGE", "String", o.error().message});
  attrs.push_back({"RETRY_ATTEMPTS", "String", std::to_string(p.s.failures - 1)});
  if (retryable) {
    attrs.push_back({"EXHAUSTED_RETRY_CONDITION", "String",
                     retries_left ? "MaximumEventAgeInSeconds" : "MaximumRetryAttempts"});
  }
  for (const auto& [k, v] : p.policy.dead_letter_attributes) attrs.push_back({k, "String", v});
  if (prepare_) prepare_(p.s.target, p.s.delivery, attempt);  // the last attempt's payload
  p.s.delivery.group_id.clear();
  p.s.delivery.dedup_id.clear();
  p.to_dlq = true;
  p.s.target = p.policy.dead_letter;
  p.s.failures = 0;
  p.s.first_ms = now;
  reschedule(0);
}

}  // namespace nimbus::events
