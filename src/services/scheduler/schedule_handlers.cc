// Scheduler handlers for schedules: create (idempotent by ClientToken),
// update (a full replacement, as Scheduler documents), get, delete, list.
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "services/scheduler/errors.h"
#include "services/scheduler/scheduler_service.h"

namespace nimbus::services::scheduler {

namespace json = boost::json;

namespace {

std::string group_of(const json::object& in) {
  return has(in, "GroupName") ? str(in, "GroupName") : "default";
}

// The checks of a schedule's dates against the current time (recurring
// schedules only: a one-time schedule ignores StartDate and EndDate).
Status check_dates(const ScheduleDef& d, int64_t now_s) {
  if (d.schedule->kind() == ::nimbus::events::Schedule::Kind::kAt) return Status::ok();
  if (d.start_s && *d.start_s < now_s - 300) {
    return errors::validation("The StartDate you specify cannot be earlier than 5 minutes ago.");
  }
  if (d.end_s && *d.end_s <= now_s) {
    return errors::validation("The EndDate you specify cannot be earlier than the current time.");
  }
  return Status::ok();
}

}  // namespace

void SchedulerService::create_schedule(const CallContext&, object in, Respond respond) {
  std::string group = group_of(in);
  auto d = ScheduleDef::parse(in);
  if (!d) return respond(d.error());
  if (!engine_->group(group)) return respond(errors::group_not_found(group));
  std::string token = str(in, "ClientToken");
  if (auto old = engine_->schedule(group, d->name)) {
    if (!token.empty() && token == old->client_token) {
      return respond(json::object{{"ScheduleArn", old->arn}});
    }
    return respond(errors::conflict("Schedule " + d->name + " already exists."));
  }
  int64_t now_ms = env_.clock.now_millis();
  if (auto st = check_dates(*d, now_ms / 1000); !st) return respond(st.error());
  d->arn = engine_->schedule_arn(group, d->name);
  d->client_token = token;
  d->created_ms = d->modified_ms = now_ms;
  d->anchor_s = d->start_s.value_or(now_ms / 1000);
  std::string arn = d->arn;
  engine_->put_schedule(std::move(*d), answer(std::move(respond), {{"ScheduleArn", arn}}));
}

void SchedulerService::update_schedule(const CallContext&, object in, Respond respond) {
  std::string group = group_of(in);
  auto d = ScheduleDef::parse(in);
  if (!d) return respond(d.error());
  if (!engine_->group(group)) return respond(errors::group_not_found(group));
  auto old = engine_->schedule(group, d->name);
  if (!old) return respond(errors::schedule_not_found(d->name));
  int64_t now_ms = env_.clock.now_millis();
  if (auto st = check_dates(*d, now_ms / 1000); !st) return respond(st.error());
  d->arn = old->arn;
  d->client_token = str(in, "ClientToken");
  d->created_ms = old->created_ms;
  d->modified_ms = now_ms;
  bool same_timing = d->expression == old->expression && d->start_s == old->start_s;
  d->anchor_s = same_timing ? old->anchor_s : d->start_s.value_or(now_ms / 1000);
  std::string arn = d->arn;
  engine_->put_schedule(std::move(*d), answer(std::move(respond), {{"ScheduleArn", arn}}));
}

Output SchedulerService::get_schedule(const CallContext&, const object& in) const {
  std::string group = group_of(in);
  std::string name = str(in, "Name");
  if (!engine_->group(group)) return errors::group_not_found(group);
  auto s = engine_->schedule(group, name);
  if (!s) return errors::schedule_not_found(name);
  return s->describe();
}

void SchedulerService::delete_schedule(const CallContext&, object in, Respond respond) {
  std::string group = group_of(in);
  std::string name = str(in, "Name");
  if (!engine_->group(group)) return respond(errors::group_not_found(group));
  if (!engine_->schedule(group, name)) return respond(errors::schedule_not_found(name));
  engine_->delete_schedule(group, name, answer(std::move(respond)));
}

Output SchedulerService::list_schedules(const CallContext&, const object& in) const {
  std::string group = str(in, "GroupName");
  if (!group.empty() && !engine_->group(group)) return errors::group_not_found(group);
  std::string prefix = str(in, "NamePrefix");
  std::string state = str(in, "State");
  int64_t limit = integer(in, "MaxResults").value_or(100);
  std::string after = str(in, "NextToken");
  json::array list;
  std::string next;
  for (const auto& s : engine_->schedules(group)) {
    std::string key = s->group + "/" + s->name;
    if (!after.empty() && key <= after) continue;
    if (s->name.rfind(prefix, 0) != 0 || (!state.empty() && s->state != state)) continue;
    if (static_cast<int64_t>(list.size()) == limit) {
      const auto& last = list.back().as_object();
      next = str(last, "GroupName") + "/" + str(last, "Name");
      break;
    }
    list.push_back(s->summary());
  }
  json::object out{{"Schedules", std::move(list)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

}  // namespace nimbus::services::scheduler
