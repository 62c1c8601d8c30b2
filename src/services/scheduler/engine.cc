#include "services/scheduler/engine.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <random>

#include "common/json_fields.h"
#include "common/scheduler.h"
#include "services/scheduler/aws_metrics.h"
#include "services/scheduler/firing.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::scheduler {

namespace json = boost::json;

namespace {

constexpr std::string_view kNs = "scheduler";
constexpr const char* kKind = "s";

std::string group_key(std::string_view name) {
  return storage::encode_key(std::string_view("g"), name);
}
std::string schedule_key(std::string_view group, std::string_view name) {
  return storage::encode_key(std::string_view("s"), group, name);
}
std::string timer_id(std::string_view group, std::string_view name) {
  return std::string(group) + "/" + std::string(name);
}
Clock::time_point at_seconds(int64_t s) {
  return Clock::time_point(std::chrono::seconds(s));
}

Engine::Random system_random() {
  auto gen = std::make_shared<std::mt19937_64>(std::random_device{}());
  auto mu = std::make_shared<Mutex>();
  return [gen, mu](int64_t bound) -> int64_t {
    if (bound <= 0) return 0;
    std::uniform_int_distribution<int64_t> dist(0, bound);
    MutexLock lock(*mu);
    return dist(*gen);
  };
}

}  // namespace

json::object Group::describe() const {
  return json::object{{"Arn", arn},
                      {"Name", name},
                      {"State", "ACTIVE"},
                      {"CreationDate", static_cast<double>(created_ms) / 1000.0},
                      {"LastModificationDate", static_cast<double>(modified_ms) / 1000.0}};
}

std::string Group::encode() const {
  json::array t;
  for (const auto& [k, v] : tags) t.push_back(json::object{{"Key", k}, {"Value", v}});
  return json::serialize(json::object{{"name", name},
                                      {"arn", arn},
                                      {"created_ms", created_ms},
                                      {"modified_ms", modified_ms},
                                      {"token", client_token},
                                      {"tags", std::move(t)}});
}

std::optional<Group> Group::decode(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "name").empty()) return std::nullopt;
  Group g;
  g.name = str(*o, "name");
  g.arn = str(*o, "arn");
  g.created_ms = integer(*o, "created_ms").value_or(0);
  g.modified_ms = integer(*o, "modified_ms").value_or(0);
  g.client_token = str(*o, "token");
  if (const auto* t = o->if_contains("tags"); t != nullptr && t->is_array()) {
    for (const auto& e : t->as_array()) {
      if (e.is_object())
        g.tags.emplace_back(str(e.as_object(), "Key"), str(e.as_object(), "Value"));
    }
  }
  return g;
}

Engine::Engine(Environment& env)
    : env_(env),
      random_(system_random()),
      queue_(*env.storage, env.scheduler, env.targets, env.metrics, "scheduler.deliveries",
             "scheduler") {
  // The schedule's role sends to its dead-letter queue too (Scheduler's
  // documented sqs:SendMessage on it); each attempt and each dead letter is
  // counted in AWS/Scheduler metrics.
  queue_.set_dead_letter_as_role(true);
  queue_.on_prepare([](const std::string&, ::nimbus::events::Delivery& d, int64_t attempt) {
    with_attempt(d, attempt);
  });
  queue_.on_attempt([this](const ::nimbus::events::QueuedDelivery& policy, int64_t,
                           const ::nimbus::events::Outcome& outcome, bool given_up) {
    publish_attempt(metrics_, policy, outcome, given_up, env_.clock.now_millis());
  });
  queue_.on_dead_letter(
      [this](const ::nimbus::events::QueuedDelivery& policy, const Error* failure) {
        publish_dead_letter(metrics_, policy, failure, env_.clock.now_millis());
      });
}

Engine::~Engine() {
  gate_->close();
  timers_.reset();
}

std::string Engine::group_arn(std::string_view name) const {
  return "arn:aws:scheduler:" + env_.settings.region + ":" + env_.settings.account_id +
         ":schedule-group/" + std::string(name);
}

std::string Engine::schedule_arn(std::string_view group, std::string_view name) const {
  return "arn:aws:scheduler:" + env_.settings.region + ":" + env_.settings.account_id +
         ":schedule/" + std::string(group) + "/" + std::string(name);
}

Status Engine::start() {
  auto records = env_.storage->records(kNs);
  Status bad = Status::ok();
  int64_t now_ms = env_.clock.now_millis();
  {
    MutexLock lock(mu_);
    groups_["default"] = Group{"default", group_arn("default"), now_ms, now_ms, {}, ""};
  }
  auto st = records.each(storage::encode_key(std::string_view("g")), [&](storage::Entry& e) {
    auto g = Group::decode(e.value);
    if (!g) {
      bad = Error::internal("scheduler: malformed group record");
      return;
    }
    MutexLock lock(mu_);
    std::string name = g->name;
    groups_[name] = std::move(*g);
  });
  if (!st) return st;
  std::vector<SchedulePtr> loaded;
  st = records.each(storage::encode_key(std::string_view("s")), [&](storage::Entry& e) {
    auto s = ScheduleDef::decode(e.value);
    if (!s) {
      bad = Error::internal("scheduler: malformed schedule record");
      return;
    }
    auto p = std::make_shared<const ScheduleDef>(std::move(*s));
    loaded.push_back(p);
    MutexLock lock(mu_);
    schedules_[p->group][p->name] = p;
  });
  if (!st) return st;
  if (!bad) return bad;
  if (auto qs = queue_.start(); !qs) return qs;
  storage::Timers::Options o;
  o.ns = "scheduler.timers";
  timers_ = std::make_unique<storage::Timers>(
      *env_.storage, env_.scheduler.clock(), env_.scheduler, [](std::function<void()> f) { f(); },
      o);
  timers_->on(kKind, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_timer(std::move(t), std::move(ack));
  });
  if (auto ts = timers_->start(); !ts) return ts;
  // An enabled schedule without a timer: the server stopped between storing
  // the schedule and arming it. Arm it now (a fired at() has no next firing).
  for (const auto& s : loaded) {
    if (s->state == "ENABLED" && !timers_->contains(kKind, timer_id(s->group, s->name))) {
      arm(*s, std::nullopt, [](Status) {});
    }
  }
  return Status::ok();
}

void Engine::commit(storage::WriteBatch b, Done done) {
  env_.storage->commit(std::move(b), std::move(done));
}

std::optional<Group> Engine::group(std::string_view name) const {
  MutexLock lock(mu_);
  auto it = groups_.find(name);
  if (it == groups_.end()) return std::nullopt;
  return it->second;
}

std::vector<Group> Engine::groups() const {
  MutexLock lock(mu_);
  std::vector<Group> out;
  for (const auto& [_, g] : groups_) out.push_back(g);
  return out;
}

void Engine::put_group(Group g, Done done) {
  storage::WriteBatch batch(g.name);
  batch.put(kNs, group_key(g.name), g.encode());
  {
    MutexLock lock(mu_);
    groups_[g.name] = g;
  }
  commit(std::move(batch), std::move(done));
}

void Engine::delete_group(const std::string& name, Done done) {
  storage::WriteBatch batch(name);
  batch.del(kNs, group_key(name));
  std::vector<std::string> names;
  {
    MutexLock lock(mu_);
    groups_.erase(name);
    if (auto it = schedules_.find(name); it != schedules_.end()) {
      for (const auto& [n, _] : it->second) {
        batch.del(kNs, schedule_key(name, n));
        names.push_back(n);
      }
      schedules_.erase(it);
    }
  }
  for (const auto& n : names) timers_->cancel(kKind, timer_id(name, n), [](Status) {});
  commit(std::move(batch), std::move(done));
}

SchedulePtr Engine::schedule(std::string_view group, std::string_view name) const {
  MutexLock lock(mu_);
  auto g = schedules_.find(group);
  if (g == schedules_.end()) return nullptr;
  auto s = g->second.find(name);
  return s == g->second.end() ? nullptr : s->second;
}

std::vector<SchedulePtr> Engine::schedules(std::string_view group) const {
  MutexLock lock(mu_);
  std::vector<SchedulePtr> out;
  for (const auto& [g, list] : schedules_) {
    if (!group.empty() && g != group) continue;
    for (const auto& [_, s] : list) out.push_back(s);
  }
  return out;
}

void Engine::put_schedule(ScheduleDef s, Done done) {
  storage::WriteBatch batch(s.group);
  batch.put(kNs, schedule_key(s.group, s.name), s.encode());
  auto stored = std::make_shared<const ScheduleDef>(std::move(s));
  {
    MutexLock lock(mu_);
    schedules_[stored->group][stored->name] = stored;
  }
  commit(std::move(batch), [this, stored, done = std::move(done)](Status st) mutable {
    if (!st) return done(st);
    if (stored->state == "ENABLED") return arm(*stored, std::nullopt, std::move(done));
    timers_->cancel(kKind, timer_id(stored->group, stored->name), std::move(done));
  });
}

void Engine::delete_schedule(const std::string& group, const std::string& name, Done done) {
  storage::WriteBatch batch(group);
  batch.del(kNs, schedule_key(group, name));
  {
    MutexLock lock(mu_);
    if (auto g = schedules_.find(group); g != schedules_.end()) g->second.erase(name);
  }
  timers_->cancel(kKind, timer_id(group, name), [](Status) {});
  commit(std::move(batch), std::move(done));
}

void Engine::arm(const ScheduleDef& s, std::optional<int64_t> after, Done done) {
  int64_t now = env_.clock.now_millis() / 1000;
  auto next = s.next_firing(after.value_or(now), now);
  std::string id = timer_id(s.group, s.name);
  if (!next) return timers_->cancel(kKind, id, std::move(done));
  int64_t delay = s.flexible ? random_(s.window_s()) : 0;
  timers_->schedule(kKind, id, at_seconds(*next + delay), std::to_string(*next), std::move(done));
}

void Engine::on_timer(storage::DueTimer t, storage::Timers::Ack ack) {
  auto slash = t.id.find('/');
  if (slash == std::string::npos) return ack(Status::ok());
  SchedulePtr s = schedule(t.id.substr(0, slash), t.id.substr(slash + 1));
  if (!s || s->state != "ENABLED") return ack(Status::ok());
  int64_t nominal = 0;
  auto r = std::from_chars(t.payload.data(), t.payload.data() + t.payload.size(), nominal);
  if (r.ec != std::errc()) {
    spdlog::error("scheduler: unreadable firing of {}", t.id);
    return ack(Status::ok());
  }
  fire(std::move(s), nominal, std::move(ack));
}

void Engine::fire(SchedulePtr s, int64_t nominal, storage::Timers::Ack ack) {
  std::string id = timer_id(s->group, s->name) + "/" + std::to_string(nominal);
  queue_.queue(id, delivery_for(*s, nominal, env_.settings),
               [this, held = gate_->hold(), s, nominal, ack = std::move(ack)](Status st) mutable {
                 if (!held) return;
                 if (!st) return ack(st);  // handed out again after retry_after
                 // Changed or deleted meanwhile: the change armed (or cancelled) its timer.
                 if (schedule(s->group, s->name) != s) return ack(Status::ok());
                 if (s->next_firing(nominal, env_.clock.now_millis() / 1000)) {
                   return arm(*s, nominal, std::move(ack));
                 }
                 if (s->after_completion != "DELETE") return ack(Status::ok());
                 delete_schedule(s->group, s->name, std::move(ack));
               });
}

}  // namespace nimbus::services::scheduler
