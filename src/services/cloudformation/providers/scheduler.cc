// AWS::Scheduler::Schedule (physical id: the schedule's name, as AWS's),
// what SAM's ScheduleV2 events generate; created through EventBridge
// Scheduler's own operations.
#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

const std::vector<std::string_view> kScheduleSettings = {"GroupName",
                                                         "ScheduleExpression",
                                                         "ScheduleExpressionTimezone",
                                                         "FlexibleTimeWindow",
                                                         "Target",
                                                         "State",
                                                         "Description",
                                                         "StartDate",
                                                         "EndDate",
                                                         "KmsKeyArn",
                                                         "ActionAfterCompletion"};

std::string schedule_name(const ResourceRequest& r) {
  return r.name_or_generated("Name", 64);
}

void put_schedule(const ResourceRequest& r, std::string_view operation, std::string name,
                  ProvideDone done) {
  json::object in{{"Name", name}};
  provide::copy(r.properties, in, kScheduleSettings);
  r.call("scheduler", operation, std::move(in), [done, name](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{name, json::object{{"Arn", str(*out, "ScheduleArn")}}});
  });
}

void create_schedule(const ResourceRequest& r, ProvideDone done) {
  put_schedule(r, "CreateSchedule", schedule_name(r), std::move(done));
}

void update_schedule(const ResourceRequest& r, ProvideDone done) {
  put_schedule(r, "UpdateSchedule", r.physical_id, std::move(done));
}

void delete_schedule(const ResourceRequest& r, RemoveDone done) {
  json::object in{{"Name", r.physical_id}};
  provide::copy(r.properties, in, {"GroupName"});
  r.call("scheduler", "DeleteSchedule", std::move(in),
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

}  // namespace

const Provider kSchedule{
    "AWS::Scheduler::Schedule", create_schedule, update_schedule, delete_schedule,
    {"Name", "GroupName"},      schedule_name};

}  // namespace nimbus::services::cloudformation::providers
