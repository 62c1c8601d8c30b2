// Alarms (alarms.h): ticks, state changes and their actions.
#include "services/cloudwatch/alarms.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "common/countdown.h"
#include "common/json_fields.h"
#include "common/request_id.h"
#include "common/time_format.h"
#include "events/subject.h"
#include "events/target.h"
#include "services/cloudwatch/alarm_rule.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

constexpr const char* kKind = "a";

// What a change's notice tells of the state it leaves.
void remember_old(StateChange& change, const Alarm& a) {
  change.old_state = a.state;
  change.old_reason = a.state_reason;
  change.old_reason_data = a.state_reason_data;
  change.old_updated_ms = a.state_updated_ms;
  change.old_suppressed_by = a.suppressed_by;
  change.old_suppressed_reason = a.suppressed_reason;
}
constexpr int64_t kMaxAgeMs = 24LL * 3600 * 1000;

std::chrono::milliseconds interval_of(const Settings& settings) {
  auto it = settings.service_options.find("cloudwatch.alarm-interval");
  int64_t seconds = 10;
  if (it != settings.service_options.end()) {
    try {
      seconds = std::clamp<int64_t>(std::stoll(it->second), 1, 60);
    } catch (...) {
    }
  }
  return std::chrono::seconds(seconds);
}

int64_t retry_delay_ms(int64_t failures) {
  return std::min<int64_t>(300'000, 1'000LL << std::min<int64_t>(failures - 1, 20));
}

// A JSON string literal.
std::string quoted(const std::string& s) {
  return json::serialize(json::value(s));
}

// The StateUpdate history item's HistoryData.
std::string state_history(const std::string& old_state, const std::string& old_reason,
                          const std::string& old_data, const Alarm& a) {
  auto state = [](const std::string& value, const std::string& reason, const std::string& data) {
    std::string s = "{\"stateValue\":" + quoted(value) + ",\"stateReason\":" + quoted(reason);
    if (!data.empty() && parse_object(data)) s += ",\"stateReasonData\":" + data;
    return s + "}";
  };
  return "{\"version\":\"1.0\",\"oldState\":" + state(old_state, old_reason, old_data) +
         ",\"newState\":" + state(a.state, a.state_reason, a.state_reason_data) + "}";
}

const Alarm* find_alarm(const std::vector<Alarm>& all, const std::string& ref) {
  for (const auto& a : all) {
    if (a.name == ref || a.arn == ref) return &a;
  }
  return nullptr;
}

// Whether composite `c` is part of a cycle: a composite reachable through
// the children of the rules names it again.
bool in_cycle(const Alarm& c, const std::vector<Alarm>& all) {
  std::vector<const Alarm*> stack{&c};
  std::vector<std::string> seen;
  while (!stack.empty()) {
    const Alarm* at = stack.back();
    stack.pop_back();
    for (const auto& ref : rule_children(at->rule)) {
      const Alarm* child = find_alarm(all, ref);
      if (child == nullptr || !child->composite()) continue;
      if (child->name == c.name) return true;
      if (std::find(seen.begin(), seen.end(), child->name) != seen.end()) continue;
      seen.push_back(child->name);
      stack.push_back(child);
    }
  }
  return false;
}

constexpr std::string_view kByAlarm = "Alarm";
constexpr std::string_view kByWait = "WaitPeriod";
constexpr std::string_view kByExtension = "ExtensionPeriod";

bool timed(const Alarm& c) {
  return c.suppressed_by == kByWait || c.suppressed_by == kByExtension;
}

void suppress(Alarm& c, std::string_view by, int64_t until_ms) {
  c.suppressed_by = std::string(by);
  c.suppressed_reason = by == kByAlarm ? "Alarm " + c.suppressor + " is in ALARM state"
                                       : "Actions suppressed by " + std::string(by);
  c.suppressed_until_ms = until_ms;
}

void unsuppress(Alarm& c) {
  c.suppressed_by.clear();
  c.suppressed_reason.clear();
  c.suppressed_until_ms = 0;
}

// What holds back composite `c`'s actions as it goes into `state` at
// `now`: its suppressor in ALARM; an ExtensionPeriod still running; for
// ALARM, a WaitPeriod for the suppressor to follow; else nothing.
void suppress_at(Alarm& c, const Alarm* suppressor, std::string_view state, int64_t now) {
  if (c.suppressor.empty()) return unsuppress(c);
  if (suppressor != nullptr && suppressor->state == kAlarm) return suppress(c, kByAlarm, 0);
  if (c.suppressed_by == kByExtension && c.suppressed_until_ms > now) return;
  if (state == kAlarm && c.suppressor_wait > 0) {
    return suppress(c, kByWait, now + c.suppressor_wait * 1000);
  }
  unsuppress(c);
}

struct Pending {
  std::string target;
  std::string alarm;
  int64_t state_ms = 0;
  std::string body;
  std::string subject;
  int64_t first_ms = 0;
  int64_t failures = 0;

  std::string encode() const {
    return json::serialize(json::object{{"target", target},
                                        {"alarm", alarm},
                                        {"state", state_ms},
                                        {"body", body},
                                        {"subject", subject},
                                        {"first", first_ms},
                                        {"failures", failures}});
  }
  static std::optional<Pending> decode(std::string_view text) {
    auto o = parse_object(text);
    if (!o) return std::nullopt;
    return Pending{str(*o, "target"),
                   str(*o, "alarm"),
                   integer(*o, "state").value_or(0),
                   str(*o, "body"),
                   str(*o, "subject"),
                   integer(*o, "first").value_or(0),
                   integer(*o, "failures").value_or(0)};
  }
};

}  // namespace

Alarms::Alarms(Environment& env, MetricStore& metrics, AlarmStore& store)
    : env_(env), metrics_(metrics), store_(store), interval_(interval_of(env.settings)) {}

Alarms::~Alarms() {
  stop();
  timers_.reset();
}

void Alarms::stop() {
  gate_->close();
}

Status Alarms::start() {
  storage::Timers::Options o;
  o.ns = "cloudwatch.actions";
  // Handed out inline on the scheduler's thread: the handler only calls
  // Targets::deliver, which never blocks.
  timers_ = std::make_unique<storage::Timers>(
      *env_.storage, env_.scheduler.clock(), env_.scheduler, [](std::function<void()> f) { f(); },
      o);
  timers_->on(kKind, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_timer(std::move(t), std::move(ack));
  });
  if (auto st = timers_->start(); !st) return st;
  arm();
  return Status::ok();
}

void Alarms::arm() {
  env_.scheduler.after(interval_, [this, gate = gate_] {
    auto in = gate->hold();
    if (!in) return;
    env_.workers.post([this, in] {
      evaluate_all();
      arm();
    });
  });
}

std::vector<PeriodValue> Alarms::periods(const Alarm& a, int64_t now_ms) const {
  std::vector<PeriodValue> out;
  if (a.period <= 0 || a.evaluation_periods <= 0) return out;
  const int64_t period_ms = a.period * 1000;
  const int64_t end = now_ms - ((now_ms % period_ms) + period_ms) % period_ms;
  const int64_t start = end - a.evaluation_periods * period_ms;
  std::vector<Stats> stats(static_cast<size_t>(a.evaluation_periods));
  for (const auto& d : metrics_.points(metric_id(a.metric), start, end)) {
    if (!a.unit.empty() && d.unit != a.unit) continue;
    stats[static_cast<size_t>((d.timestamp_ms - start) / period_ms)].add(d);
  }
  for (size_t i = 0; i < stats.size(); ++i) {
    PeriodValue p;
    p.start_ms = start + static_cast<int64_t>(i) * period_ms;
    if (!stats[i].empty()) {
      p.value = stats[i].get(a.stat());
      p.sample_count = stats[i].sample_count();
    }
    out.push_back(p);
  }
  return out;
}

void Alarms::evaluate_all() {
  const int64_t now = env_.clock.now_millis();
  for (const auto& a : store_.list()) {
    if (!a.evaluated()) continue;
    auto v = evaluate(a, periods(a, now), now);
    if (!v || v->state == a.state) continue;
    set_state(a.name, *v, false, [](Status) {});
  }
  // Composites follow their children as they change; the tick catches
  // what a change could not (a child deleted, a restart in between). One
  // snapshot serves every composite until one of them changes (its
  // parents change with it), then it is taken again.
  auto all = store_.list();
  std::vector<std::string> composites;
  for (const auto& a : all) {
    if (a.composite()) composites.push_back(a.name);
  }
  for (const auto& name : composites) {
    if (evaluate_composite(name, all, [](Status) {})) all = store_.list();
  }
  // Wait and extension periods that have ended (also those a restart
  // interrupted: their end is stored).
  for (const auto& a : store_.list()) {
    if (timed(a) && a.suppressed_until_ms <= now) {
      release(a.name,
              [](const Alarm& c, int64_t at) { return timed(c) && c.suppressed_until_ms <= at; });
    }
  }
}

void Alarms::follow_suppressor(const Alarm& changed, const std::string& old_state) {
  const bool into = changed.state == kAlarm;
  if (!into && old_state != kAlarm) return;
  const int64_t now = env_.clock.now_millis();
  for (const auto& c : store_.list()) {
    if (!c.composite() || c.suppressor.empty() ||
        (c.suppressor != changed.name && c.suppressor != changed.arn)) {
      continue;
    }
    if (into) {
      // The suppressor came: the actions wait for it to leave ALARM.
      store_.edit(
          c.name,
          [&](Alarm& a, std::vector<HistoryItem>&) {
            if (!timed(a)) return false;
            suppress(a, kByAlarm, 0);
            return true;
          },
          [](Status) {});
    } else if (c.suppressed_by == kByAlarm && c.suppressor_extension > 0) {
      store_.edit(
          c.name,
          [&](Alarm& a, std::vector<HistoryItem>&) {
            if (a.suppressed_by != kByAlarm) return false;
            suppress(a, kByExtension, now + a.suppressor_extension * 1000);
            return true;
          },
          [](Status) {});
    } else if (c.suppressed_by == kByAlarm) {
      release(c.name, [](const Alarm& a, int64_t) { return a.suppressed_by == kByAlarm; });
    }
  }
}

void Alarms::release(const std::string& name,
                     const std::function<bool(const Alarm&, int64_t)>& due) {
  const int64_t now = env_.clock.now_millis();
  auto change = std::make_shared<StateChange>();
  change->account = env_.settings.account_id;
  change->region = env_.settings.region;
  bool released = false;
  store_.edit(
      name,
      [&](Alarm& a, std::vector<HistoryItem>& history) {
        if (!a.composite() || !due(a, now)) return false;
        // AWS performs the held-back actions as a state update into the
        // same state, the previous one saying why they were held back.
        remember_old(*change, a);
        unsuppress(a);
        a.state_updated_ms = now;
        history.push_back(
            {a.name, now, 0, "StateUpdate", "Alarm updated from " + a.state + " to " + a.state,
             state_history(change->old_state, change->old_reason, change->old_reason_data, a)});
        change->alarm = a;
        released = true;
        return true;
      },
      [](Status) {});
  if (released) act(*change);
}

void Alarms::evaluate_composite(const std::string& name, std::function<void(Status)> done) {
  evaluate_composite(name, store_.list(), std::move(done));
}

bool Alarms::evaluate_composite(const std::string& name, const std::vector<Alarm>& all,
                                std::function<void(Status)> done) {
  auto it = std::find_if(all.begin(), all.end(), [&](const Alarm& a) { return a.name == name; });
  auto unchanged = [&] {
    done(Status::ok());
    return false;
  };
  if (it == all.end() || !it->composite()) return unchanged();
  auto v = composite_verdict(*it, all, nullptr);
  if (!v || v->state == it->state) return unchanged();
  if (!set_state(name, *v, false, done)) return unchanged();
  return true;
}

std::optional<Verdict> Alarms::composite_verdict(const Alarm& c, const std::vector<Alarm>& all,
                                                 const Alarm* trigger) const {
  auto rule = AlarmRule::parse(c.rule);
  if (!rule) return std::nullopt;
  if (in_cycle(c, all)) return std::nullopt;
  bool holds = rule->holds([&](const std::string& ref) {
    const Alarm* a = find_alarm(all, ref);
    return a == nullptr ? std::string() : a->state;
  });
  Verdict v;
  v.state = holds ? kAlarm : kOk;
  // The reason names the child whose change decided (or every child, when
  // nothing changed: at creation, on a tick).
  json::array triggering;
  auto add = [&](const Alarm& a) {
    triggering.push_back(json::object{
        {"arn", a.arn},
        {"state", json::object{{"value", a.state},
                               {"timestamp", utc_millis(a.state_updated_ms, "+0000")}}}});
  };
  if (trigger != nullptr) {
    add(*trigger);
    v.reason = trigger->arn + " transitioned to " + trigger->state + " at " +
               utc_millis(trigger->state_updated_ms, "+0000");
  } else {
    for (const auto& ref : rule->children()) {
      if (const Alarm* a = find_alarm(all, ref)) add(*a);
    }
    v.reason = std::string("Composite alarm rule evaluated to ") + (holds ? "TRUE" : "FALSE");
  }
  v.reason_data = json::serialize(json::object{{"triggeringAlarms", std::move(triggering)}});
  return v;
}

void Alarms::evaluate_parents(const Alarm& changed) {
  auto all = store_.list();
  for (const auto& c : all) {
    if (!c.composite()) continue;
    auto refs = rule_children(c.rule);
    if (std::find(refs.begin(), refs.end(), changed.name) == refs.end() &&
        std::find(refs.begin(), refs.end(), changed.arn) == refs.end()) {
      continue;
    }
    auto v = composite_verdict(c, all, &changed);
    if (v && v->state != c.state) set_state(c.name, *v, false, [](Status) {});
  }
}

bool Alarms::set_state(const std::string& name, const Verdict& v, bool forced,
                       std::function<void(Status)> done) {
  const int64_t now = env_.clock.now_millis();
  // A composite's suppressor, as it is now (read outside the store's lock).
  std::optional<Alarm> suppressor;
  if (auto a = store_.get(name); a && a->composite() && !a->suppressor.empty()) {
    auto all = store_.list();
    if (const Alarm* s = find_alarm(all, a->suppressor)) suppressor = *s;
  }
  // `done` runs once the change is durable and the composites above it
  // have been evaluated too, so a SetAlarmState answered means its parents
  // already show their new state.
  auto arrive = countdown(2, std::move(done));
  auto change = std::make_shared<StateChange>();
  change->account = env_.settings.account_id;
  change->region = env_.settings.region;
  bool transition = false;
  auto edited = store_.edit(
      name,
      [&](Alarm& a, std::vector<HistoryItem>& history) {
        if (!forced && a.state == v.state) return false;
        remember_old(*change, a);
        transition = a.state != v.state;
        a.state = v.state;
        a.state_reason = v.reason;
        a.state_reason_data = v.reason_data;
        a.state_updated_ms = now;
        if (transition) a.state_transitioned_ms = now;
        if (a.composite() && transition) {
          suppress_at(a, suppressor ? &*suppressor : nullptr, a.state, now);
        }
        history.push_back(
            {a.name, now, 0, "StateUpdate",
             "Alarm updated from " + change->old_state + " to " + a.state,
             state_history(change->old_state, change->old_reason, change->old_reason_data, a)});
        change->alarm = a;
        return true;
      },
      arrive);
  if (!edited) return false;
  if (transition) {
    // The change is applied in memory (alarm_store.h) and its commit is
    // queued ahead of the actions' timers, so they never outrun it.
    act(*change);
    evaluate_parents(change->alarm);
    follow_suppressor(change->alarm, change->old_state);
  }
  arrive(Status::ok());
  return true;
}

void Alarms::act(const StateChange& c) {
  const Alarm& a = c.alarm;
  if (a.actions_enabled && a.suppressed_by.empty()) {
    for (const auto& target : a.actions_for(a.state)) {
      auto kind = events::target_kind(target);
      if (kind == "sns") {
        queue(target, a.name, a.state_updated_ms, sns_message(c), sns_subject(c));
      } else if (kind == "lambda") {
        queue(target, a.name, a.state_updated_ms, lambda_event(c), "");
      } else {
        // Auto Scaling, EC2 and Systems Manager actions have nothing to act
        // on here: recorded as failed.
        HistoryItem h{a.name,
                      env_.clock.now_millis(),
                      0,
                      "Action",
                      "Failed to execute action " + target,
                      "{\"actionState\":\"Failed\",\"notificationResource\":" + quoted(target) +
                          ",\"stateUpdateTimestamp\":" + std::to_string(a.state_updated_ms) +
                          ",\"error\":\"nimbus does not carry out this kind of action\"}"};
        store_.add_history({std::move(h)}, [](Status) {});
      }
    }
  }
  if (env_.targets.has("events")) {
    std::string bus = "arn:aws:events:" + c.region + ":" + c.account + ":event-bus/default";
    queue(bus, "", a.state_updated_ms, eventbridge_event(c, new_request_id()), "");
  }
}

void Alarms::queue(const std::string& target, const std::string& alarm, int64_t state_ms,
                   std::string body, std::string subject) {
  if (!timers_) return;
  char id[48];
  std::snprintf(id, sizeof id, "%013lld-%08llx", static_cast<long long>(env_.clock.now_millis()),
                static_cast<unsigned long long>(++next_));
  Pending p{target, alarm, state_ms, std::move(body), std::move(subject), env_.clock.now_millis(),
            0};
  timers_->schedule(kKind, id, env_.scheduler.clock().now(), p.encode(), [target](Status st) {
    if (!st)
      spdlog::warn("cloudwatch: could not store an alarm action for {}: {}", target,
                   st.error().message);
  });
}

void Alarms::on_timer(storage::DueTimer t, storage::Timers::Ack ack) {
  auto p = Pending::decode(t.payload);
  if (!p) {
    spdlog::error("cloudwatch: dropping an unreadable alarm action {}", t.id);
    return ack(Status::ok());
  }
  events::Delivery d;
  d.body = p->body;
  if (!p->subject.empty()) {
    d.attributes.push_back({std::string(events::kSubjectAttribute), "String", p->subject});
  }
  d.source_arn = p->alarm.empty() ? std::string()
                                  : "arn:aws:cloudwatch:" + env_.settings.region + ":" +
                                        env_.settings.account_id + ":alarm:" + p->alarm;
  std::string target = p->target;
  env_.targets.deliver(
      target, std::move(d),
      [this, held = gate_->hold(), p = std::move(*p), id = t.id,
       ack = std::move(ack)](events::Outcome o) mutable {
        if (!held) return;
        ++p.failures;
        if (!o && o.retryable() && env_.clock.now_millis() - p.first_ms < kMaxAgeMs) {
          auto due =
              env_.scheduler.clock().now() + std::chrono::milliseconds(retry_delay_ms(p.failures));
          return timers_->schedule(kKind, id, due, p.encode(), std::move(ack));
        }
        if (p.alarm.empty()) {
          // The EventBridge event: no history item.
          if (!o) spdlog::warn("cloudwatch: alarm event not delivered: {}", o.error().message);
          return ack(Status::ok());
        }
        std::string data = "{\"actionState\":" + quoted(o ? "Succeeded" : "Failed") +
                           ",\"stateUpdateTimestamp\":" + std::to_string(p.state_ms) +
                           ",\"notificationResource\":" + quoted(p.target);
        if (o) {
          data += ",\"publishedMessage\":" + quoted(p.body) + "}";
        } else {
          data += ",\"error\":" + quoted(o.error().message) + "}";
        }
        HistoryItem h{p.alarm,
                      env_.clock.now_millis(),
                      0,
                      "Action",
                      o ? "Successfully executed action " + p.target
                        : "Failed to execute action " + p.target + ". Received error: \"" +
                              o.error().message + "\"",
                      std::move(data)};
        if (h.summary.size() > 255) h.summary.resize(255);
        store_.add_history({std::move(h)}, [ack = std::move(ack)](Status st) { ack(st); });
      });
}

}  // namespace nimbus::services::cloudwatch
