// The events::Target for EventBridge's ARNs: a rule's target that is another
// bus receives the event as it is and routes it to that bus's rules; an API
// destination's goes to the ApiInvoker (api_invoker.h).
#include <boost/json.hpp>

#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace {

using ::nimbus::events::Failure;
using ::nimbus::events::Outcome;

class BusTarget final : public ::nimbus::events::Target {
 public:
  BusTarget(Engine& engine, ApiInvoker& invoker) : engine_(engine), invoker_(invoker) {}

  Status check(const std::string& arn) const override {
    if (is_api_destination(arn)) return invoker_.check(arn);
    if (!engine_.bus(name(arn))) return errors::bus_not_found(name(arn));
    return Status::ok();
  }

  void deliver(const std::string& arn, ::nimbus::events::Delivery d,
               ::nimbus::events::DeliverDone done) override {
    if (is_api_destination(arn)) return invoker_.deliver(arn, std::move(d), std::move(done));
    std::string bus = name(arn);
    if (!engine_.bus(bus))
      return done(Outcome::failed(Failure::kNotFound, errors::bus_not_found(bus)));
    boost::system::error_code ec;
    auto event = boost::json::parse(d.body, ec);
    if (ec || !event.is_object()) {
      return done(Outcome::failed(Failure::kRejected,
                                  errors::validation("The event is not a JSON object.")));
    }
    engine_.route(bus, event, [done = std::move(done)](Status st) {
      if (!st) return done(Outcome::failed(Failure::kUnavailable, st.error()));
      done(Outcome::ok());
    });
  }

 private:
  static std::string name(const std::string& arn) {
    auto slash = arn.find(":event-bus/");
    return slash == std::string::npos ? std::string() : arn.substr(slash + 11);
  }
  static bool is_api_destination(const std::string& arn) {
    return arn.find(":api-destination/") != std::string::npos;
  }
  Engine& engine_;
  ApiInvoker& invoker_;
};

class Bound final : public ::nimbus::events::Binding {
 public:
  Bound(Engine& engine, ApiInvoker& invoker, ::nimbus::events::Targets& targets)
      : target_(engine, invoker), binding_(targets.bind("events", target_)) {}

 private:
  BusTarget target_;
  std::unique_ptr<::nimbus::events::Binding> binding_;
};

}  // namespace

void EventsService::bind(::nimbus::events::Targets& targets) {
  binding_ = std::make_unique<Bound>(*engine_, *invoker_, targets);
}

}  // namespace nimbus::services::eventbridge
