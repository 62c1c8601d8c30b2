// Amazon EventBridge (model events/2015-10-07, awsJson1_1 on the wire): event
// buses, rules with event patterns or schedules, targets, PutEvents and
// TestEventPattern. The handlers turn input values into calls on the Engine
// (engine.h). See README.md for what is implemented and how it differs.
#pragma once

#include <boost/json.hpp>
#include <memory>

#include "events/binding.h"
#include "services/events/api_invoker.h"
#include "services/events/engine.h"
#include "services/events/errors.h"
#include "services/service.h"

namespace nimbus::services::eventbridge {

class EventsService final : public Service {
 public:
  explicit EventsService(Environment& env);
  ~EventsService() override;

  void bind(::nimbus::events::Targets& targets) override;
  Status start() override;

  Engine& engine() { return *engine_; }
  ApiInvoker& invoker() { return *invoker_; }
  // A bus's policy (PutPermission) by its ARN (Service::resource_policy).
  std::string resource_policy(const std::string& arn) const override;

 private:
  using object = boost::json::object;
  static const Operation<EventsService> kOperations[];  // events_service.cc

  // bus_handlers.cc
  void create_event_bus(const CallContext& ctx, object in, Respond respond);
  void update_event_bus(const CallContext& ctx, object in, Respond respond);
  void delete_event_bus(const CallContext& ctx, object in, Respond respond);
  Output describe_event_bus(const CallContext& ctx, const object& in) const;
  Output list_event_buses(const CallContext& ctx, const object& in) const;
  // rule_handlers.cc
  void put_rule(const CallContext& ctx, object in, Respond respond);
  Output describe_rule(const CallContext& ctx, const object& in) const;
  void delete_rule(const CallContext& ctx, object in, Respond respond);
  Output list_rules(const CallContext& ctx, const object& in) const;
  void enable_rule(const CallContext& ctx, object in, Respond respond);
  void disable_rule(const CallContext& ctx, object in, Respond respond);
  void set_state(const object& in, const char* state, Respond respond);
  // target_handlers.cc
  void put_targets(const CallContext& ctx, object in, Respond respond);
  void remove_targets(const CallContext& ctx, object in, Respond respond);
  Output list_targets_by_rule(const CallContext& ctx, const object& in) const;
  Output list_rule_names_by_target(const CallContext& ctx, const object& in) const;
  // permission_handlers.cc
  void put_permission(const CallContext& ctx, object in, Respond respond);
  void remove_permission(const CallContext& ctx, object in, Respond respond);
  // archive_handlers.cc
  void create_archive(const CallContext& ctx, object in, Respond respond);
  Output describe_archive(const CallContext& ctx, const object& in) const;
  Output list_archives(const CallContext& ctx, const object& in) const;
  void update_archive(const CallContext& ctx, object in, Respond respond);
  void delete_archive(const CallContext& ctx, object in, Respond respond);
  void start_replay(const CallContext& ctx, object in, Respond respond);
  Output describe_replay(const CallContext& ctx, const object& in) const;
  Output list_replays(const CallContext& ctx, const object& in) const;
  void cancel_replay(const CallContext& ctx, object in, Respond respond);
  // tag_handlers.cc
  void tag_resource(const CallContext& ctx, object in, Respond respond);
  void untag_resource(const CallContext& ctx, object in, Respond respond);
  Output list_tags_for_resource(const CallContext& ctx, const object& in) const;
  // connection_handlers.cc
  void create_connection(const CallContext& ctx, object in, Respond respond);
  Output describe_connection(const CallContext& ctx, const object& in) const;
  void update_connection(const CallContext& ctx, object in, Respond respond);
  void delete_connection(const CallContext& ctx, object in, Respond respond);
  Output list_connections(const CallContext& ctx, const object& in) const;
  void deauthorize_connection(const CallContext& ctx, object in, Respond respond);
  void store_connection(Connection c, Respond respond);
  // api_destination_handlers.cc
  void create_api_destination(const CallContext& ctx, object in, Respond respond);
  Output describe_api_destination(const CallContext& ctx, const object& in) const;
  void update_api_destination(const CallContext& ctx, object in, Respond respond);
  void delete_api_destination(const CallContext& ctx, object in, Respond respond);
  Output list_api_destinations(const CallContext& ctx, const object& in) const;
  Status apply(const object& in, ApiDestination& d) const;
  // put_events_handlers.cc
  void put_events(const CallContext& ctx, object in, Respond respond);
  Output test_event_pattern(const CallContext& ctx, const object& in) const;

  void authorize(const std::string& connection) { invoker_->authorize(connection); }
  void forget_token(const std::string& connection) { invoker_->forget(connection); }

  Environment& env_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ApiInvoker> invoker_;                 // API destinations' requests
  std::unique_ptr<::nimbus::events::Binding> binding_;  // unbound before invoker_, engine_ go
};

// A store write's continuation: `out` (by default {}) once written, else
// InternalException (the store failed).
inline std::function<void(Status)> answer(Respond respond, boost::json::object out = {}) {
  return [respond = std::move(respond), out = std::move(out)](Status st) mutable {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(std::move(out));
  };
}

}  // namespace nimbus::services::eventbridge
