// The events::Target for event-bus ARNs: a rule's target that is another bus
// receives the event as it is and routes it to that bus's rules.
#include <boost/json.hpp>

#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace {

using ::nimbus::events::Failure;
using ::nimbus::events::Outcome;

class BusTarget final : public ::nimbus::events::Target {
 public:
  explicit BusTarget(Engine& engine) : engine_(engine) {}

  Status check(const std::string& arn) const override {
    if (!engine_.bus(name(arn))) return errors::bus_not_found(name(arn));
    return Status::ok();
  }

  void deliver(const std::string& arn, ::nimbus::events::Delivery d,
               ::nimbus::events::DeliverDone done) override {
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
  Engine& engine_;
};

class Bound final : public ::nimbus::events::Binding {
 public:
  Bound(Engine& engine, ::nimbus::events::Targets& targets)
      : target_(engine), binding_(targets.bind("events", target_)) {}

 private:
  BusTarget target_;
  std::unique_ptr<::nimbus::events::Binding> binding_;
};

}  // namespace

void EventsService::bind(::nimbus::events::Targets& targets) {
  binding_ = std::make_unique<Bound>(*engine_, targets);
}

}  // namespace nimbus::services::eventbridge
