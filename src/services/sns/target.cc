// Topics as delivery targets (events/target.h): EventBridge rules, Scheduler
// schedules, S3 notifications and Lambda destinations publish to a topic
// through the same checks (read_message) and the same durable fan-out
// (SnsService::accept) as Publish.
#include "events/subject.h"
#include "iam/service_principal.h"
#include "services/sns/errors.h"
#include "services/sns/sns_service.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

// Where the UnsubscribeURL of a message no client published points (a
// producer's delivery has no request host): the server's own address, or its
// default one where no server runs (unit tests).
std::string server_endpoint(const Settings& settings) {
  auto it = settings.service_options.find("server.endpoint_url");
  return it != settings.service_options.end() ? it->second : "http://localhost:4566";
}

// The Publish input a delivery stands for: its body as Message, its
// attributes as MessageAttributes (but the one named kSubjectAttribute,
// which is the Subject: CloudWatch alarm notifications), its FIFO ids.
json::object publish_input(const events::Delivery& d) {
  json::object in{{"Message", d.body}};
  json::object attrs;
  for (const auto& a : d.attributes) {
    if (a.name == events::kSubjectAttribute) {
      in["Subject"] = a.value;
      continue;
    }
    attrs[a.name] =
        json::object{{"DataType", a.type}, {a.binary ? "BinaryValue" : "StringValue", a.value}};
  }
  if (!attrs.empty()) in["MessageAttributes"] = std::move(attrs);
  if (!d.group_id.empty()) in["MessageGroupId"] = d.group_id;
  if (!d.dedup_id.empty()) in["MessageDeduplicationId"] = d.dedup_id;
  return in;
}

class TopicTarget final : public events::Target {
 public:
  TopicTarget(SnsService& sns, const Settings& settings) : sns_(sns), settings_(settings) {}

  Status check(const std::string& arn) const override {
    if (!sns_.topics().find(arn)) return errors::topic_not_found();
    return Status::ok();
  }

  // A FIFO topic needs the delivery's group id (AWS refuses EventBridge
  // events for FIFO topics, which carry none): read_message's
  // InvalidParameter, as a Publish without MessageGroupId gets.
  void deliver(const std::string& arn, events::Delivery d, events::DeliverDone done) override {
    auto topic = sns_.topics().find(arn);
    if (!topic) {
      return done(events::Outcome::failed(events::Failure::kNotFound, errors::topic_not_found()));
    }
    if (auto allowed = permits(*topic, d.source_arn); !allowed) {
      return done(events::Outcome::failed(events::Failure::kRejected, allowed.take_error()));
    }
    auto m = read_message(publish_input(d), *topic);
    if (!m) return done(events::Outcome::failed(events::Failure::kRejected, m.take_error()));
    sns_.accept(Rendering{server_endpoint(settings_)}, *topic, std::move(*m),
                [done = std::move(done)](Result<Message> r) {
                  if (r) return done(events::Outcome::ok(r->id));
                  // Storing the deliveries failed: it may pass later.
                  done(events::Outcome::failed(events::Failure::kUnavailable, r.take_error()));
                });
  }

 private:
  // Under --iam enforce a service publishing for a producer (an EventBridge
  // rule, an S3 bucket) needs the topic policy to allow its service
  // principal sns:Publish, as on AWS.
  Status permits(const Topic& topic, const std::string& source_arn) const {
    auto mode = settings_.service_options.find("iam.mode");
    if (mode == settings_.service_options.end() || mode->second != "enforce") return Status::ok();
    std::string principal = nimbus::iam::service_principal_of(source_arn);
    if (principal.empty()) return Status::ok();  // acts through a role
    std::optional<nimbus::iam::Policy> policy;
    if (const auto* document = topic.attribute("Policy"); document != nullptr) {
      auto parsed = nimbus::iam::parse_policy(*document, nimbus::iam::PolicyKind::kResource);
      if (parsed) policy = std::move(*parsed);
    }
    return nimbus::iam::service_allowed(policy ? &*policy : nullptr, principal, "sns:Publish",
                                        topic.arn, source_arn, settings_.account_id);
  }

  SnsService& sns_;
  const Settings& settings_;
};

}  // namespace

void SnsService::bind(events::Targets& targets) {
  target_ = std::make_unique<TopicTarget>(*this, env_.settings);
  bound_ = targets.bind("sns", *target_);
}

}  // namespace nimbus::services::sns
