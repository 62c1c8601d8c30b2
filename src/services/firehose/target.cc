#include "services/firehose/target.h"

namespace nimbus::services::firehose {

namespace {

using events::Failure;
using events::Outcome;

constexpr size_t kMaxRecord = 1000 * 1024;  // Firehose's record limit

// "arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME" -> NAME.
std::string stream_name(const std::string& arn) {
  auto slash = arn.find(":deliverystream/");
  return slash == std::string::npos ? std::string() : arn.substr(slash + 16);
}

Error no_stream(const std::string& arn, const std::string& account) {
  return Error::make("ResourceNotFoundException",
                     "Firehose " + stream_name(arn) + " under account " + account + " not found.");
}

class DeliveryStreamTarget final : public events::Target {
 public:
  explicit DeliveryStreamTarget(Engine& engine) : engine_(engine) {}

  Status check(const std::string& arn) const override {
    if (!engine_.find(stream_name(arn))) return no_stream(arn, account_of(arn));
    return Status::ok();
  }

  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override {
    std::string name = stream_name(arn);
    std::string account = account_of(arn);
    if (!engine_.find(name)) {
      return done(Outcome::failed(Failure::kNotFound, no_stream(arn, account)));
    }
    if (d.body.size() > kMaxRecord) {
      return done(Outcome::failed(
          Failure::kRejected,
          Error::make("ValidationException", "The record is over Firehose's 1,000 KiB limit.")));
    }
    std::vector<std::string> records;
    records.push_back(std::move(d.body));
    engine_.put(name, account, std::move(records), [done = std::move(done)](Result<uint64_t> r) {
      if (r) return done(Outcome::ok());
      auto kind = r.error().code == "ResourceNotFoundException" ? Failure::kNotFound
                                                                : Failure::kUnavailable;
      done(Outcome::failed(kind, r.take_error()));
    });
  }

 private:
  static std::string account_of(const std::string& arn) {
    auto parsed = events::Arn::parse(arn);
    return parsed ? parsed->account : std::string();
  }
  Engine& engine_;
};

class Bound final : public events::Binding {
 public:
  Bound(Engine& engine, events::Targets& targets)
      : target_(engine), binding_(targets.bind("firehose", target_)) {}

 private:
  DeliveryStreamTarget target_;
  std::unique_ptr<events::Binding> binding_;
};

}  // namespace

std::unique_ptr<events::Binding> bind_target(Engine& engine, events::Targets& targets) {
  return std::make_unique<Bound>(engine, targets);
}

}  // namespace nimbus::services::firehose
