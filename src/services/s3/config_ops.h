// ConfigOps: the bucket configuration operations of S3 (Put/Get/Delete of
// CORS, policy, lifecycle, website, notification, ownership
// controls, default encryption, public access block, accelerate and
// request payment). Each configuration is one document per bucket, kept by
// the engine with its bucket (Objects::config / put_config) in the form the
// protocol engine parses it (a policy as its own text), checked by
// config/ before it is stored, returned as stored.
//
// The S3 service serves ConfigOps::kOperations beside its own table; one
// pair of generic handlers serves every configuration, told apart by the
// operation's name (kConfigs in config_handlers.cc).
//
// Threads: handlers run on event loops; lookups are committed reads (cheap),
// writes answer from the storage committer. Destination checks of
// notification configurations go through events::Targets (never blocks).
#pragma once

#include <boost/json.hpp>
#include <cstddef>

#include "services/s3/objects.h"
#include "services/service.h"

namespace nimbus::services::s3 {

class Notifier;
class LifecycleSweep;

class ConfigOps {
 public:
  ConfigOps(Environment& env, Objects& objects, Notifier& notifier, LifecycleSweep& lifecycle)
      : env_(env), objects_(objects), notifier_(notifier), lifecycle_(lifecycle) {}

  // PutBucketCors, PutBucketPolicy, ...: checks and stores the document.
  void put(const CallContext& ctx, boost::json::object in, Respond respond);
  // GetBucketCors, ...: the stored document, S3's default, or its error.
  Output get(const CallContext& ctx, const boost::json::object& in) const;
  // DeleteBucketCors, ...: removes it (S3 answers 204 whether or not it was set).
  void remove(const CallContext& ctx, boost::json::object in, Respond respond);

  // GetBucketPolicyStatus: IsPublic from the stored policy
  // (config/policy_status.h); NoSuchBucketPolicy without one.
  Output policy_status(const CallContext& ctx, const boost::json::object& in) const;

  static constexpr std::size_t kOperationCount = 28;
  static const Operation<ConfigOps> kOperations[kOperationCount];

 private:
  // PutBucketNotificationConfiguration: ids, destinations checked, then
  // s3:TestEvent to each queue once stored.
  void put_notification(const CallContext& ctx, boost::json::object in, Respond respond);

  Environment& env_;
  Objects& objects_;
  Notifier& notifier_;
  LifecycleSweep& lifecycle_;
};

}  // namespace nimbus::services::s3
