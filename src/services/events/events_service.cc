// The EventBridge operation table: each operation of the model that nimbus
// serves, the named handler and the ARNs it touches.
#include "services/events/events_service.h"

#include "common/json_fields.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

std::string arn_base(const CallContext& ctx) {
  return "arn:aws:events:" + ctx.region + ":" + ctx.account_id + ":";
}
Resources by_bus_name(const CallContext& ctx, const json::object& in) {
  return {arn_base(ctx) + "event-bus/" + Engine::bus_name(str(in, "Name"))};
}
Resources by_rule(const CallContext& ctx, const json::object& in) {
  std::string bus = Engine::bus_name(str(in, "EventBusName"));
  std::string rule = str(in, "Name");
  if (rule.empty()) rule = str(in, "Rule");
  return {arn_base(ctx) + "rule/" + (bus == "default" ? "" : bus + "/") + rule};
}
Resources by_bus_field(const CallContext& ctx, const json::object& in) {
  return {arn_base(ctx) + "event-bus/" + Engine::bus_name(str(in, "EventBusName"))};
}
Resources by_resource_arn(const CallContext&, const json::object& in) {
  return {str(in, "ResourceARN")};
}
Resources by_archive(const CallContext& ctx, const json::object& in) {
  return {arn_base(ctx) + "archive/" + str(in, "ArchiveName")};
}
Resources by_replay(const CallContext& ctx, const json::object& in) {
  return {arn_base(ctx) + "replay/" + str(in, "ReplayName")};
}
Resources by_connection(const CallContext& ctx, const json::object& in) {
  return {arn_base(ctx) + "connection/" + str(in, "Name")};
}
Resources by_api_destination(const CallContext& ctx, const json::object& in) {
  return {arn_base(ctx) + "api-destination/" + str(in, "Name")};
}
Resources by_entries_buses(const CallContext& ctx, const json::object& in) {
  Resources out;
  if (const auto* list = in.if_contains("Entries"); list != nullptr && list->is_array()) {
    for (const auto& e : list->as_array()) {
      if (!e.is_object()) continue;
      auto arn =
          arn_base(ctx) + "event-bus/" + Engine::bus_name(str(e.as_object(), "EventBusName"));
      if (std::find(out.begin(), out.end(), arn) == out.end()) out.push_back(arn);
    }
  }
  return out;
}

}  // namespace

const Operation<EventsService> EventsService::kOperations[] = {
    // bus_handlers.cc
    {"CreateEventBus", &EventsService::create_event_bus, by_bus_name},
    {"UpdateEventBus", &EventsService::update_event_bus, by_bus_name},
    {"DeleteEventBus", &EventsService::delete_event_bus, by_bus_name},
    {"DescribeEventBus", &EventsService::describe_event_bus, by_bus_name},
    {"ListEventBuses", &EventsService::list_event_buses, no_resources},
    // rule_handlers.cc
    {"PutRule", &EventsService::put_rule, by_rule},
    {"DescribeRule", &EventsService::describe_rule, by_rule},
    {"DeleteRule", &EventsService::delete_rule, by_rule},
    {"ListRules", &EventsService::list_rules, no_resources},
    {"EnableRule", &EventsService::enable_rule, by_rule},
    {"DisableRule", &EventsService::disable_rule, by_rule},
    // target_handlers.cc
    {"PutTargets", &EventsService::put_targets, by_rule},
    {"RemoveTargets", &EventsService::remove_targets, by_rule},
    {"ListTargetsByRule", &EventsService::list_targets_by_rule, by_rule},
    {"ListRuleNamesByTarget", &EventsService::list_rule_names_by_target, no_resources},
    // permission_handlers.cc
    {"PutPermission", &EventsService::put_permission, by_bus_field},
    {"RemovePermission", &EventsService::remove_permission, by_bus_field},
    // archive_handlers.cc
    {"CreateArchive", &EventsService::create_archive, by_archive},
    {"DescribeArchive", &EventsService::describe_archive, by_archive},
    {"ListArchives", &EventsService::list_archives, no_resources},
    {"UpdateArchive", &EventsService::update_archive, by_archive},
    {"DeleteArchive", &EventsService::delete_archive, by_archive},
    {"StartReplay", &EventsService::start_replay, by_replay},
    {"DescribeReplay", &EventsService::describe_replay, by_replay},
    {"ListReplays", &EventsService::list_replays, no_resources},
    {"CancelReplay", &EventsService::cancel_replay, by_replay},
    // tag_handlers.cc
    {"TagResource", &EventsService::tag_resource, by_resource_arn},
    {"UntagResource", &EventsService::untag_resource, by_resource_arn},
    {"ListTagsForResource", &EventsService::list_tags_for_resource, by_resource_arn},
    // connection_handlers.cc
    {"CreateConnection", &EventsService::create_connection, by_connection},
    {"DescribeConnection", &EventsService::describe_connection, by_connection},
    {"UpdateConnection", &EventsService::update_connection, by_connection},
    {"DeleteConnection", &EventsService::delete_connection, by_connection},
    {"ListConnections", &EventsService::list_connections, no_resources},
    {"DeauthorizeConnection", &EventsService::deauthorize_connection, by_connection},
    // api_destination_handlers.cc
    {"CreateApiDestination", &EventsService::create_api_destination, by_api_destination},
    {"DescribeApiDestination", &EventsService::describe_api_destination, by_api_destination},
    {"UpdateApiDestination", &EventsService::update_api_destination, by_api_destination},
    {"DeleteApiDestination", &EventsService::delete_api_destination, by_api_destination},
    {"ListApiDestinations", &EventsService::list_api_destinations, no_resources},
    // put_events_handlers.cc
    {"PutEvents", &EventsService::put_events, by_entries_buses},
    {"TestEventPattern", &EventsService::test_event_pattern, no_resources},
};

EventsService::EventsService(Environment& env)
    : Service("events"),
      env_(env),
      engine_(std::make_unique<Engine>(env)),
      invoker_(std::make_unique<ApiInvoker>(env, engine_->destinations())) {
  serve(*this, kOperations);
}

EventsService::~EventsService() {
  binding_.reset();
  invoker_.reset();
  engine_.reset();
}

Status EventsService::start() {
  return engine_->start();
}

}  // namespace nimbus::services::eventbridge
