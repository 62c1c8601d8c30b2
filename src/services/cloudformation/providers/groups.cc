// AWS::Events::EventBus and AWS::Scheduler::ScheduleGroup: the containers
// rules and schedules live in (physical id: the name, as AWS's).
#include "common/json_fields.h"
#include "common/time_format.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::call_step;
using provide::Step;

// ---- AWS::Events::EventBus (Fn::GetAtt Arn, Name)

// The steps taking a bus's Description, Policy and Tags from `was` to
// `now` (a create's `was` is empty; its Description and Tags went with
// CreateEventBus).
std::vector<Step> bus_steps(const ResourceRequest& r, const std::string& name,
                            const std::string& arn, const json::object& was,
                            const json::object& now, bool created) {
  std::vector<Step> steps;
  auto differs = [&](std::string_view key) {
    const auto* a = was.if_contains(key);
    const auto* b = now.if_contains(key);
    return (a == nullptr) != (b == nullptr) || (a != nullptr && *a != *b);
  };
  if (!created && differs("Description")) {
    steps.push_back(call_step(r, "events", "UpdateEventBus",
                              {{"Name", name}, {"Description", str(now, "Description")}}));
  }
  if (differs("Policy")) {
    if (const auto* p = now.if_contains("Policy"); p != nullptr && !p->is_null()) {
      steps.push_back(call_step(r, "events", "PutPermission",
                                {{"EventBusName", name}, {"Policy", provide::text(*p)}}));
    } else {
      steps.push_back(call_step(r, "events", "RemovePermission",
                                {{"EventBusName", name}, {"RemoveAllPermissions", true}},
                                {"ResourceNotFoundException"}));
    }
  }
  if (!created && differs("Tags")) {
    auto tags = provide::tag_map(now.if_contains("Tags"));
    json::array removed;
    for (const auto& [k, v] : provide::tag_map(was.if_contains("Tags"))) {
      if (!tags.contains(k)) removed.emplace_back(k);
    }
    if (!removed.empty()) {
      steps.push_back(call_step(r, "events", "UntagResource",
                                {{"ResourceARN", arn}, {"TagKeys", std::move(removed)}}));
    }
    if (const auto* t = now.if_contains("Tags"); t != nullptr && !tags.empty()) {
      steps.push_back(call_step(r, "events", "TagResource", {{"ResourceARN", arn}, {"Tags", *t}}));
    }
  }
  return steps;
}

void create_bus(const ResourceRequest& r, ProvideDone done) {
  std::string name = str(r.properties, "Name");
  json::object in{{"Name", name}};
  provide::copy(r.properties, in, {"EventSourceName", "Description", "Tags"});
  r.call("events", "CreateEventBus", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(*out, "EventBusArn");
    // A policy EventBridge refuses fails the create: the bus goes again.
    provide::complete_or_undo(bus_steps(r, name, arn, json::object(), r.properties, true),
                              call_step(r, "events", "DeleteEventBus", {{"Name", name}}),
                              [name, arn, done](Status st) {
                                if (!st) return done(st.take_error());
                                done(Provided{name, {{"Arn", arn}, {"Name", name}}});
                              });
  });
}

// Description, Policy and Tags change in place (UpdateEventBus,
// PutPermission / RemovePermission, TagResource / UntagResource).
void update_bus(const ResourceRequest& r, ProvideDone done) {
  std::string arn = str(r.attributes, "Arn");
  provide::in_order(bus_steps(r, r.physical_id, arn, r.old_properties, r.properties, false),
                    [r, done](Status st) {
                      if (!st) return done(st.take_error());
                      done(Provided{r.physical_id, r.attributes});
                    });
}

void delete_bus(const ResourceRequest& r, RemoveDone done) {
  call_step(r, "events", "DeleteEventBus", {{"Name", r.physical_id}},
            {"ResourceNotFoundException"})(std::move(done));
}

std::string bus_name(const ResourceRequest& r) {
  return str(r.properties, "Name");
}

// ---- AWS::Scheduler::ScheduleGroup (Fn::GetAtt Arn, CreationDate,
// LastModificationDate, State)

std::string group_name(const ResourceRequest& r) {
  return r.name_or_generated("Name", 64);
}

void describe_group(const ResourceRequest& r, const std::string& name, ProvideDone done) {
  r.call("scheduler", "GetScheduleGroup", {{"Name", name}}, [name, done](Output out) {
    if (!out) return done(out.take_error());
    json::object atts{{"Arn", str(*out, "Arn")}, {"State", str(*out, "State")}};
    for (auto key : {"CreationDate", "LastModificationDate"}) {
      if (const auto* v = out->if_contains(key); v != nullptr && v->is_number()) {
        atts[key] = utc_millis(static_cast<int64_t>(v->to_number<double>() * 1000));
      }
    }
    done(Provided{name, std::move(atts)});
  });
}

void create_group(const ResourceRequest& r, ProvideDone done) {
  std::string name = group_name(r);
  json::object in{{"Name", name}};
  provide::copy(r.properties, in, {"Tags"});
  r.call("scheduler", "CreateScheduleGroup", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    describe_group(r, name, done);
  });
}

// Only Tags change in place.
void update_group(const ResourceRequest& r, ProvideDone done) {
  std::string arn = str(r.attributes, "Arn");
  auto tags = provide::tag_map(r.properties.if_contains("Tags"));
  json::array removed;
  for (const auto& [k, v] : provide::tag_map(r.old_properties.if_contains("Tags"))) {
    if (!tags.contains(k)) removed.emplace_back(k);
  }
  std::vector<Step> steps;
  if (!removed.empty()) {
    steps.push_back(call_step(r, "scheduler", "UntagResource",
                              {{"ResourceArn", arn}, {"TagKeys", std::move(removed)}}));
  }
  if (const auto* t = r.properties.if_contains("Tags"); t != nullptr && !tags.empty()) {
    steps.push_back(call_step(r, "scheduler", "TagResource", {{"ResourceArn", arn}, {"Tags", *t}}));
  }
  provide::in_order(std::move(steps), [r, done](Status st) {
    if (!st) return done(st.take_error());
    describe_group(r, r.physical_id, done);
  });
}

void delete_group(const ResourceRequest& r, RemoveDone done) {
  call_step(r, "scheduler", "DeleteScheduleGroup", {{"Name", r.physical_id}},
            {"ResourceNotFoundException"})(std::move(done));
}

}  // namespace

const Provider kEventBus{"AWS::Events::EventBus",     create_bus, update_bus, delete_bus,
                         {"Name", "EventSourceName"}, bus_name};
const Provider kScheduleGroup{"AWS::Scheduler::ScheduleGroup",
                              create_group,
                              update_group,
                              delete_group,
                              {"Name"},
                              group_name};

}  // namespace nimbus::services::cloudformation::providers
