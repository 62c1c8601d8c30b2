// The Scheduler operation table: each operation of the model, the named
// handler and the ARNs it touches.
#include "services/scheduler/scheduler_service.h"

#include "common/json_fields.h"
#include "services/scheduler/errors.h"

namespace nimbus::services::scheduler {

namespace json = boost::json;

namespace {

std::string arn_base(const CallContext& ctx) {
  return "arn:aws:scheduler:" + ctx.region + ":" + ctx.account_id + ":";
}
Resources by_schedule(const CallContext& ctx, const json::object& in) {
  std::string group = has(in, "GroupName") ? str(in, "GroupName") : "default";
  return {arn_base(ctx) + "schedule/" + group + "/" + str(in, "Name")};
}
Resources by_group(const CallContext& ctx, const json::object& in) {
  return {arn_base(ctx) + "schedule-group/" + str(in, "Name")};
}
Resources by_arn(const CallContext&, const json::object& in) {
  return {str(in, "ResourceArn")};
}

}  // namespace

const Operation<SchedulerService> SchedulerService::kOperations[] = {
    // schedule_handlers.cc
    {"CreateSchedule", &SchedulerService::create_schedule, by_schedule},
    {"UpdateSchedule", &SchedulerService::update_schedule, by_schedule},
    {"GetSchedule", &SchedulerService::get_schedule, by_schedule},
    {"DeleteSchedule", &SchedulerService::delete_schedule, by_schedule},
    {"ListSchedules", &SchedulerService::list_schedules, no_resources},
    // group_handlers.cc
    {"CreateScheduleGroup", &SchedulerService::create_schedule_group, by_group},
    {"GetScheduleGroup", &SchedulerService::get_schedule_group, by_group},
    {"DeleteScheduleGroup", &SchedulerService::delete_schedule_group, by_group},
    {"ListScheduleGroups", &SchedulerService::list_schedule_groups, no_resources},
    {"TagResource", &SchedulerService::tag_resource, by_arn},
    {"UntagResource", &SchedulerService::untag_resource, by_arn},
    {"ListTagsForResource", &SchedulerService::list_tags_for_resource, by_arn},
};

SchedulerService::SchedulerService(Environment& env, OperationCall call)
    : Service("scheduler"), env_(env), engine_(std::make_unique<Engine>(env)) {
  if (call) universal_ = std::make_unique<UniversalTarget>(env.settings, std::move(call));
  serve(*this, kOperations);
}

SchedulerService::~SchedulerService() {
  binding_.reset();
  engine_.reset();
}

void SchedulerService::bind(::nimbus::events::Targets& targets) {
  if (universal_) binding_ = targets.bind("scheduler", *universal_);
}

Status SchedulerService::start() {
  return engine_->start();
}

std::function<void(Status)> answer(Respond respond, json::object out) {
  return [respond = std::move(respond), out = std::move(out)](Status st) mutable {
    if (!st) return respond(errors::internal(st.error().message));
    respond(std::move(out));
  };
}

}  // namespace nimbus::services::scheduler
