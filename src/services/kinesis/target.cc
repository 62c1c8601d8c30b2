#include "services/kinesis/target.h"

#include "common/request_id.h"

namespace nimbus::services::kinesis {

namespace {

using events::Failure;
using events::Outcome;

// "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME" -> NAME ("" for another form).
std::string stream_name(const std::string& arn) {
  auto slash = arn.find(":stream/");
  return slash == std::string::npos ? std::string() : arn.substr(slash + 8);
}

Error no_stream(const std::string& arn) {
  return Error::make("ResourceNotFoundException",
                     "Stream " + stream_name(arn) + " under account " +
                         events::Arn::parse(arn).value_or(events::Arn{}).account + " not found.");
}

class StreamTarget final : public events::Target {
 public:
  explicit StreamTarget(Engine& engine) : engine_(engine) {}

  Status check(const std::string& arn) const override {
    if (!engine_.find(stream_name(arn))) return no_stream(arn);
    return Status::ok();
  }

  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override {
    std::string name = stream_name(arn);
    if (!engine_.find(name)) return done(Outcome::failed(Failure::kNotFound, no_stream(arn)));
    std::string key = !d.group_id.empty() ? d.group_id : !d.id.empty() ? d.id : new_request_id();
    if (key.size() > 256) key.resize(256);
    std::vector<PutEntry> entries;
    entries.push_back(PutEntry::of(std::move(key), d.body));
    engine_.put(
        name, std::move(entries), [done = std::move(done)](Result<std::vector<PutResult>> r) {
          if (!r) return done(Outcome::failed(Failure::kUnavailable, r.take_error()));
          const auto& one = r->front();
          if (!one.error) return done(Outcome::ok(one.sequence));
          bool throttled = one.error->code == "ProvisionedThroughputExceededException";
          done(Outcome::failed(throttled ? Failure::kThrottled : Failure::kRejected, *one.error));
        });
  }

 private:
  Engine& engine_;
};

class Bound final : public events::Binding {
 public:
  Bound(Engine& engine, events::Targets& targets)
      : target_(engine), binding_(targets.bind("kinesis", target_)) {}

 private:
  StreamTarget target_;
  std::unique_ptr<events::Binding> binding_;
};

}  // namespace

std::unique_ptr<events::Binding> bind_target(Engine& engine, events::Targets& targets) {
  return std::make_unique<Bound>(engine, targets);
}

}  // namespace nimbus::services::kinesis
