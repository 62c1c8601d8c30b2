// The SNS operation table: each operation of the model that nimbus serves,
// the named handler (topic_handlers.cc, ...) and the ARNs it touches.
#include "services/sns/sns_service.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "common/json_fields.h"
#include "services/sns/mail.h"
#include "storage/key_codec.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

// The resource each operation names, as the service authorization reference
// lists it: the topic (arn:aws:sns:REGION:ACCOUNT:NAME).
Resources by_topic_arn(const CallContext&, const json::object& in) {
  return {str(in, "TopicArn")};
}
Resources by_resource_arn(const CallContext&, const json::object& in) {
  return {str(in, "ResourceArn")};
}
// Publish names the topic (or endpoint) it publishes to.
Resources by_publish_target(const CallContext&, const json::object& in) {
  std::string arn = str(in, "TopicArn");
  if (arn.empty()) arn = str(in, "TargetArn");
  // An SMS to a phone number names no resource (AWS authorizes "*").
  if (arn.empty() && in.contains("PhoneNumber")) arn = "*";
  return {arn};
}
// A subscription's ARN is its topic's ARN and an id: the topic.
Resources by_subscription_arn(const CallContext&, const json::object& in) {
  std::string arn = str(in, "SubscriptionArn");
  auto colon = arn.rfind(':');
  return {colon == std::string::npos ? arn : arn.substr(0, colon)};
}
Resources by_name(const CallContext& ctx, const json::object& in) {
  return {"arn:aws:sns:" + ctx.region + ":" + ctx.account_id + ":" + str(in, "Name")};
}

}  // namespace

const Operation<SnsService> SnsService::kOperations[] = {
    // topic_handlers.cc
    {"CreateTopic", &SnsService::create_topic, by_name},
    {"DeleteTopic", &SnsService::delete_topic, by_topic_arn},
    {"ListTopics", &SnsService::list_topics, no_resources},
    {"GetTopicAttributes", &SnsService::get_topic_attributes, by_topic_arn},
    {"SetTopicAttributes", &SnsService::set_topic_attributes, by_topic_arn},
    {"AddPermission", &SnsService::add_permission, by_topic_arn},
    {"RemovePermission", &SnsService::remove_permission, by_topic_arn},
    {"TagResource", &SnsService::tag_resource, by_resource_arn},
    {"UntagResource", &SnsService::untag_resource, by_resource_arn},
    {"ListTagsForResource", &SnsService::list_tags_for_resource, by_resource_arn},
    {"PutDataProtectionPolicy", &SnsService::put_data_protection_policy, by_resource_arn},
    {"GetDataProtectionPolicy", &SnsService::get_data_protection_policy, by_resource_arn},
    // subscription_handlers.cc
    {"Subscribe", &SnsService::subscribe, by_topic_arn},
    {"ConfirmSubscription", &SnsService::confirm_subscription, by_topic_arn},
    {"Unsubscribe", &SnsService::unsubscribe, by_subscription_arn},
    {"GetSubscriptionAttributes", &SnsService::get_subscription_attributes, by_subscription_arn},
    {"SetSubscriptionAttributes", &SnsService::set_subscription_attributes, by_subscription_arn},
    {"ListSubscriptions", &SnsService::list_subscriptions, no_resources},
    {"ListSubscriptionsByTopic", &SnsService::list_subscriptions_by_topic, by_topic_arn},
    // publish_handlers.cc
    {"Publish", &SnsService::publish, by_publish_target},
    {"PublishBatch", &SnsService::publish_batch, by_topic_arn},
};

SnsService::SnsService(Environment& env, logs::LogWriter* logs)
    : Service("sns"),
      env_(env),
      logs_(logs),
      topics_(std::make_unique<Topics>(env)),
      deliveries_(std::make_unique<Deliveries>(env, *topics_, logs)) {
  serve(*this, kOperations);
}

SnsService::~SnsService() {
  bound_.reset();       // no delivery arrives from producers
  signer_.reset();      // the work deferred on a key being made runs first
  deliveries_.reset();  // no delivery runs once the topics go
}

// A topic without a Policy attribute has AWS's default policy, which names
// the account only with an AWS:SourceOwner condition: it allows no signed
// caller by itself, so it is not consulted.
std::string SnsService::resource_policy(const std::string& arn) const {
  auto topic = topics_->find(arn);
  if (!topic) return {};
  const auto* policy = topic->attribute("Policy");
  return policy ? *policy : std::string();
}

Status SnsService::start() {
  auto signer = Signer::open(env_.settings.data_dir);
  if (!signer) return signer.take_error();
  signer_ = std::move(*signer);
  if (auto st = topics_->recover(); !st) return st;
  if (auto st = load_fifo_window(); !st) return st;
  return deliveries_->start();
}

Status SnsService::load_fifo_window() {
  int64_t now_ms = env_.clock.now_millis();
  std::vector<FifoWindow::Record> window;
  std::vector<std::pair<std::string, uint64_t>> last;
  storage::WriteBatch expired(Deliveries::kPartition);
  Status st = env_.storage->records(kFifoWindowNs).each("", [&](storage::Entry& e) {
    auto r = FifoWindow::decode(e.key, e.value);
    if (!r || r->entry.expires_ms <= now_ms) return expired.del(kFifoWindowNs, e.key);
    window.push_back(std::move(*r));
  });
  if (!st) return st;
  st = env_.storage->records(kFifoSequenceNs).each("", [&last](storage::Entry& e) {
    uint64_t n = 0;
    const char* end = e.value.data() + e.value.size();
    if (auto r = std::from_chars(e.value.data(), end, n); r.ec == std::errc() && r.ptr == end) {
      last.emplace_back(std::move(e.key), n);
    }
  });
  if (!st) return st;
  {
    MutexLock lock(fifo_mu_);
    for (auto& r : window) fifo_.restore(r.topic, r.key, std::move(r.entry), now_ms);
    for (const auto& [topic, n] : last) fifo_.restore_last(topic, n);
  }
  if (expired.empty()) return Status::ok();
  return env_.storage->commit_sync(std::move(expired));
}

void SnsService::forget_fifo_window(const std::string& topic_arn) {
  storage::WriteBatch batch(Deliveries::kPartition);
  // Every key "<arn>\n<deduplication key>".
  std::string prefix = topic_arn + "\n";
  batch.del_range(kFifoWindowNs, prefix, storage::prefix_successor(prefix));
  batch.del(kFifoSequenceNs, topic_arn);
  MutexLock lock(fifo_mu_);
  fifo_.forget(topic_arn);
  env_.storage->commit(std::move(batch), [](Status st) {
    if (!st) spdlog::warn("sns: could not drop a FIFO topic's window: {}", st.error().message);
  });
}

Rendering SnsService::rendering(const std::string& endpoint_url,
                                const std::string& topic_arn) const {
  Rendering r{endpoint_url};
  r.signer = signer_.get();
  auto topic = topics_->find(topic_arn);
  const std::string* v = topic ? topic->attribute("SignatureVersion") : nullptr;
  r.signature_version = v != nullptr && *v == "2" ? 2 : 1;
  const std::string* name = topic ? topic->attribute("DisplayName") : nullptr;
  if (name != nullptr) r.display_name = *name;
  r.mail_from = mail_sender(env_.settings);
  return r;
}

}  // namespace nimbus::services::sns
