#include "services/events/engine.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/countdown.h"
#include "common/json_fields.h"
#include "common/request_id.h"
#include "common/scheduler.h"
#include "services/events/api_request.h"
#include "services/events/codec.h"
#include "services/events/errors.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;
using ::nimbus::events::QueuedDelivery;

namespace {

constexpr std::string_view kNs = "events";
constexpr const char* kScheduleKind = "r";
constexpr const char* kSweepKind = "s";  // archive retention, hourly
constexpr auto kSweepEvery = std::chrono::hours(1);

std::string bus_key(std::string_view name) {
  return storage::encode_key(std::string_view("b"), name);
}
std::string rule_key(std::string_view bus, std::string_view name) {
  return storage::encode_key(std::string_view("r"), bus, name);
}

}  // namespace

Engine::Engine(Environment& env)
    : env_(env),
      archives_(std::make_unique<Archives>(env)),
      destinations_(std::make_unique<Destinations>(env)),
      queue_(*env.storage, env.scheduler, env.targets, env.metrics, "events.deliveries", "events") {
}

Engine::~Engine() {
  gate_->close();
  schedules_.reset();
}

std::string Engine::bus_arn(std::string_view name) const {
  return "arn:aws:events:" + env_.settings.region + ":" + env_.settings.account_id + ":event-bus/" +
         std::string(name);
}

std::string Engine::rule_arn(std::string_view bus, std::string_view rule) const {
  std::string prefix =
      "arn:aws:events:" + env_.settings.region + ":" + env_.settings.account_id + ":rule/";
  if (bus != "default") prefix += std::string(bus) + "/";
  return prefix + std::string(rule);
}

std::string Engine::bus_name(std::string_view name_or_arn) {
  if (name_or_arn.empty()) return "default";
  if (name_or_arn.rfind("arn:", 0) == 0) {
    auto slash = name_or_arn.find(":event-bus/");
    if (slash != std::string_view::npos) return std::string(name_or_arn.substr(slash + 11));
  }
  return std::string(name_or_arn);
}

Status Engine::start() {
  auto records = env_.storage->records(kNs);
  Status bad = Status::ok();
  {
    MutexLock lock(mu_);
    buses_["default"] = Bus{"default", bus_arn("default"), "", "", 0, {}};
  }
  auto st = records.each(storage::encode_key(std::string_view("b")), [&](storage::Entry& e) {
    auto b = decode_bus(e.value);
    if (!b) {
      bad = Error::internal("events: malformed bus record");
      return;
    }
    std::string name = b->name;
    MutexLock lock(mu_);
    buses_[name] = std::move(*b);
  });
  if (!st) return st;
  st = records.each(storage::encode_key(std::string_view("r")), [&](storage::Entry& e) {
    auto r = decode_rule(e.value);
    if (!r) {
      bad = Error::internal("events: malformed rule record");
      return;
    }
    auto rule = std::make_shared<const Rule>(std::move(*r));
    MutexLock lock(mu_);
    rules_[rule->bus][rule->name] = rule;
  });
  if (!st) return st;
  if (!bad) return bad;
  if (auto as = archives_->start(); !as) return as;
  if (auto ds = destinations_->start(); !ds) return ds;
  if (auto qs = queue_.start(); !qs) return qs;
  storage::Timers::Options o;
  o.ns = "events.schedules";
  schedules_ = std::make_unique<storage::Timers>(
      *env_.storage, env_.scheduler.clock(), env_.scheduler, [](std::function<void()> f) { f(); },
      o);
  schedules_->on(kScheduleKind,
                 [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
                   if (auto in = gate->hold()) on_schedule(std::move(t), std::move(ack));
                 });
  schedules_->on(kSweepKind, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_sweep(std::move(t), std::move(ack));
  });
  if (auto ss = schedules_->start(); !ss) return ss;
  schedules_->schedule(kSweepKind, "retention", env_.scheduler.clock().now() + kSweepEvery, "",
                       [](Status) {});
  for (const auto& r : archives_->replays()) {
    if (!r.done()) run_replay(r.name);
  }
  return Status::ok();
}

void Engine::on_sweep(storage::DueTimer, storage::Timers::Ack ack) {
  env_.workers.post([this, gate = gate_, ack = std::move(ack)]() mutable {
    auto in = gate->hold();
    if (!in) return;
    if (auto st = archives_->sweep(env_.clock.now_millis()); !st) {
      spdlog::warn("events: archive retention sweep failed: {}", st.error().message);
    }
    schedules_->schedule(kSweepKind, "retention", env_.scheduler.clock().now() + kSweepEvery, "",
                         std::move(ack));
  });
}

void Engine::commit(storage::WriteBatch b, Done done) {
  env_.storage->commit(std::move(b), std::move(done));
}

std::optional<Bus> Engine::bus(std::string_view name) const {
  MutexLock lock(mu_);
  auto it = buses_.find(name);
  if (it == buses_.end()) return std::nullopt;
  return it->second;
}

std::vector<Bus> Engine::buses() const {
  MutexLock lock(mu_);
  std::vector<Bus> out;
  for (const auto& [_, b] : buses_) out.push_back(b);
  return out;
}

void Engine::put_bus(Bus b, Done done) {
  storage::WriteBatch batch(b.name);
  batch.put(kNs, bus_key(b.name), encode(b));
  {
    MutexLock lock(mu_);
    buses_[b.name] = b;
  }
  commit(std::move(batch), std::move(done));
}

void Engine::delete_bus(const std::string& name, Done done) {
  storage::WriteBatch batch(name);
  batch.del(kNs, bus_key(name));
  {
    MutexLock lock(mu_);
    buses_.erase(name);
    if (auto it = rules_.find(name); it != rules_.end()) {
      for (const auto& [rule, _] : it->second) batch.del(kNs, rule_key(name, rule));
      rules_.erase(it);
    }
  }
  commit(std::move(batch), std::move(done));
}

RulePtr Engine::rule(std::string_view bus, std::string_view name) const {
  MutexLock lock(mu_);
  auto b = rules_.find(bus);
  if (b == rules_.end()) return nullptr;
  auto r = b->second.find(name);
  return r == b->second.end() ? nullptr : r->second;
}

std::vector<RulePtr> Engine::rules(std::string_view bus) const {
  MutexLock lock(mu_);
  std::vector<RulePtr> out;
  if (auto b = rules_.find(bus); b != rules_.end()) {
    for (const auto& [_, r] : b->second) out.push_back(r);
  }
  return out;
}

void Engine::put_rule(Rule r, Done done) {
  storage::WriteBatch batch(r.bus);
  batch.put(kNs, rule_key(r.bus, r.name), encode(r));
  auto stored = std::make_shared<const Rule>(std::move(r));
  {
    MutexLock lock(mu_);
    rules_[stored->bus][stored->name] = stored;
  }
  commit(std::move(batch), [this, stored, done = std::move(done)](Status st) {
    if (st && stored->schedule && stored->state == "ENABLED") {
      arm(*stored, env_.clock.now_millis() / 1000);
    } else if (st && stored->bus == "default") {
      schedules_->cancel(kScheduleKind, stored->name, [](Status) {});
    }
    done(std::move(st));
  });
}

void Engine::delete_rule(const std::string& bus, const std::string& name, Done done) {
  storage::WriteBatch batch(bus);
  batch.del(kNs, rule_key(bus, name));
  {
    MutexLock lock(mu_);
    if (auto b = rules_.find(bus); b != rules_.end()) b->second.erase(name);
  }
  if (bus == "default") schedules_->cancel(kScheduleKind, name, [](Status) {});
  commit(std::move(batch), std::move(done));
}

void Engine::route(const std::string& bus, const json::value& event, Done done,
                   const std::vector<std::string>& only) {
  std::vector<RulePtr> matching;
  for (const auto& r : rules(bus)) {
    if (!only.empty() && std::find(only.begin(), only.end(), r->arn) == only.end()) continue;
    if (r->state == "ENABLED" && r->pattern && !r->targets.empty() && r->pattern->matches(event)) {
      matching.push_back(r);
    }
  }
  std::string id = event.as_object().contains("id") ? str(event.as_object(), "id") : "";
  auto each = countdown(matching.size() + 1, std::move(done));
  archives_->record(bus, event, each);
  for (const auto& r : matching) deliver(*r, event, id, each);
}

void Engine::deliver(const Rule& rule, const json::value& event, const std::string& event_id,
                     std::function<void(Status)> done) {
  if (rule.targets.empty()) return done(Status::ok());
  auto each = countdown(rule.targets.size(), std::move(done));
  std::string time = event.is_object() ? str(event.as_object(), "time") : "";
  for (const auto& t : rule.targets) {
    QueuedDelivery q;
    q.target = t.arn;
    q.delivery.body = target_input(t, rule, event, time);
    q.delivery.source_arn = rule.arn;
    q.delivery.id = event_id;
    if (t.http_parameters) {
      q.delivery.attributes.push_back(http_parameters_attribute(*t.http_parameters, event));
    }
    if (!t.partition_key_path.empty()) {
      // A Kinesis target's partition key travels as the delivery's ordering
      // key (group_id); a path that selects nothing leaves the event id.
      auto key = select_path(event, t.partition_key_path);
      if (key && *key != nullptr) {
        q.delivery.group_id =
            (*key)->is_string() ? std::string((*key)->as_string()) : json::serialize(**key);
      }
    }
    if (t.arn.size() > 5 && t.arn.ends_with(".fifo")) {
      q.delivery.group_id = t.group_id;
      q.delivery.dedup_id = event_id;
    }
    q.max_retries = t.max_retries;
    q.max_age_ms = t.max_age_s * 1000;
    q.dead_letter = t.dead_letter;
    q.rule_arn = rule.arn;
    // Kinesis, Step Functions, Firehose, bus and API destination targets are
    // reached as the target's role; queues, topics and functions by their
    // resource policies (the role is not used for them).
    std::string kind = ::nimbus::events::target_kind(t.arn);
    if (kind == "kinesis" || kind == "states" || kind == "firehose" || kind == "events") {
      q.role_arn = t.role_arn;
    }
    // A replay sends an event again: its own key, not the first delivery's.
    std::string replay = event.is_object() ? str(event.as_object(), "replay-name") : "";
    std::string id = (replay.empty() ? "" : "replay/" + replay + "/") + event_id + "/" + rule.bus +
                     "/" + rule.name + "/" + t.id;
    // A standard queue takes the event durably in its own commit: sent at
    // once, stored only to be retried. The rest is stored first.
    if (kind == "sqs" && q.delivery.group_id.empty()) {
      queue_.send(id, std::move(q), each);
    } else {
      queue_.queue(id, std::move(q), each);
    }
  }
}

void Engine::arm(const Rule& r, int64_t after_s) {
  auto next = r.schedule->next_after(after_s, r.anchor_s, ::nimbus::events::TimeZone::utc());
  if (!next) return;
  schedules_->schedule(kScheduleKind, r.name, Clock::time_point(std::chrono::seconds(*next)), "",
                       [](Status) {});
}

void Engine::on_schedule(storage::DueTimer t, storage::Timers::Ack ack) {
  RulePtr r = rule("default", t.id);
  if (!r || !r->schedule || r->state != "ENABLED") return ack(Status::ok());
  int64_t now = env_.clock.now_millis() / 1000;
  std::string id = new_request_id();
  json::object event{{"version", "0"},
                     {"id", id},
                     {"detail-type", "Scheduled Event"},
                     {"source", "aws.events"},
                     {"account", env_.settings.account_id},
                     {"time", event_time(now)},
                     {"region", env_.settings.region},
                     {"resources", json::array{json::value(r->arn)}},
                     {"detail", json::object{}}};
  deliver(*r, event, id, [this, r, now, name = t.id, ack = std::move(ack)](Status st) mutable {
    if (!st) return ack(st);  // handed out again later
    auto next = r->schedule->next_after(now, r->anchor_s, ::nimbus::events::TimeZone::utc());
    if (!next) return ack(Status::ok());
    schedules_->schedule(kScheduleKind, name, Clock::time_point(std::chrono::seconds(*next)), "",
                         std::move(ack));
  });
}

}  // namespace nimbus::services::eventbridge
