// Amazon EventBridge Scheduler (model scheduler/2021-06-30, restJson on the
// wire): schedule groups with tags, and schedules firing templated targets
// from durable timers. The handlers turn input values into calls on the
// Engine (engine.h). See README.md for what is implemented and how it differs.
#pragma once

#include <boost/json.hpp>
#include <memory>

#include "events/binding.h"
#include "services/scheduler/engine.h"
#include "services/scheduler/universal_target.h"
#include "services/service.h"

namespace nimbus::services::scheduler {

class SchedulerService final : public Service {
 public:
  // `call`: how the universal target reaches other services' operations
  // (empty: universal targets are not bound and fail as unsupported).
  explicit SchedulerService(Environment& env, OperationCall call = {});
  ~SchedulerService() override;

  void bind(::nimbus::events::Targets& targets) override;
  Status start() override;

  Engine& engine() { return *engine_; }

 private:
  using object = boost::json::object;
  static const Operation<SchedulerService> kOperations[];  // scheduler_service.cc

  // schedule_handlers.cc
  void create_schedule(const CallContext& ctx, object in, Respond respond);
  void update_schedule(const CallContext& ctx, object in, Respond respond);
  Output get_schedule(const CallContext& ctx, const object& in) const;
  void delete_schedule(const CallContext& ctx, object in, Respond respond);
  Output list_schedules(const CallContext& ctx, const object& in) const;
  // group_handlers.cc
  void create_schedule_group(const CallContext& ctx, object in, Respond respond);
  Output get_schedule_group(const CallContext& ctx, const object& in) const;
  void delete_schedule_group(const CallContext& ctx, object in, Respond respond);
  Output list_schedule_groups(const CallContext& ctx, const object& in) const;
  void tag_resource(const CallContext& ctx, object in, Respond respond);
  void untag_resource(const CallContext& ctx, object in, Respond respond);
  Output list_tags_for_resource(const CallContext& ctx, const object& in) const;

  Environment& env_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<UniversalTarget> universal_;
  std::unique_ptr<::nimbus::events::Binding> binding_;  // unbound before universal_ goes
};

// Answers `respond` with `out` once a change is durable (an
// InternalServerException when storage failed).
std::function<void(Status)> answer(Respond respond, boost::json::object out = {});

}  // namespace nimbus::services::scheduler
