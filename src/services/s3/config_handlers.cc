// The bucket configuration operations: one table row per configuration
// (its operations, payload member, check, default and missing error), and
// the generic put / get / remove that serve them.
#include <array>
#include <string_view>

#include "common/json_fields.h"
#include "services/s3/config/errors.h"
#include "services/s3/config/lifecycle.h"
#include "services/s3/config/policy_status.h"
#include "services/s3/config/validate.h"
#include "services/s3/config/website.h"
#include "services/s3/config_ops.h"
#include "services/s3/lifecycle_sweep.h"
#include "services/s3/notify.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

using Check = Status (*)(const json::object& doc, const std::string& bucket);

// One kind of bucket configuration.
struct Config {
  const char* kind;  // the engine's document name
  const char* put;   // operations
  const char* get;
  const char* del;      // "" when S3 has no Delete for it
  const char* payload;  // the Put input's payload member
  // How Get answers: "" spreads the document's members into the output;
  // else the output member (the Get output's payload) that holds it.
  const char* wrap;
  Check check;
  // Get of a bucket that never set it: this document ("" = the error below).
  const char* fallback;
  const char* missing_code;
  const char* missing_message;
};

Status cors(const json::object& d, const std::string&) {
  return s3config::validate_cors(d);
}
Status lifecycle(const json::object& d, const std::string&) {
  return s3config::validate_lifecycle(d);
}
Status website(const json::object& d, const std::string&) {
  return s3config::validate_website(d);
}
Status ownership(const json::object& d, const std::string&) {
  return s3config::validate_ownership_controls(d);
}
Status encryption(const json::object& d, const std::string&) {
  return s3config::validate_encryption(d);
}
Status accelerate(const json::object& d, const std::string& bucket) {
  return s3config::validate_accelerate(d, bucket);
}
Status payment(const json::object& d, const std::string&) {
  return s3config::validate_request_payment(d);
}
Status anything(const json::object&, const std::string&) {
  return Status::ok();
}

// S3's defaults: since April 2023 a new bucket has SSE-S3 default
// encryption, BucketOwnerEnforced ownership and every public access block
// on; Delete of the last two leaves the bucket without them (404).
constexpr std::array<Config, 10> kConfigs{{
    {"cors", "PutBucketCors", "GetBucketCors", "DeleteBucketCors", "CORSConfiguration", "", cors,
     "", "NoSuchCORSConfiguration", "The CORS configuration does not exist"},
    {"policy", "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy", "Policy", "Policy",
     nullptr, "", "NoSuchBucketPolicy", "The bucket policy does not exist"},
    {"lifecycle", "PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration",
     "DeleteBucketLifecycle", "LifecycleConfiguration", "", lifecycle, "",
     "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"},
    {"website", "PutBucketWebsite", "GetBucketWebsite", "DeleteBucketWebsite",
     "WebsiteConfiguration", "", website, "", "NoSuchWebsiteConfiguration",
     "The specified bucket does not have a website configuration"},
    {"notification", "PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration", "",
     "NotificationConfiguration", "", anything, "{}", "", ""},
    {"ownershipControls", "PutBucketOwnershipControls", "GetBucketOwnershipControls",
     "DeleteBucketOwnershipControls", "OwnershipControls", "OwnershipControls", ownership,
     R"({"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]})", "OwnershipControlsNotFoundError",
     "The bucket ownership controls were not found"},
    {"encryption", "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption",
     "ServerSideEncryptionConfiguration", "ServerSideEncryptionConfiguration", encryption,
     R"({"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":false}]})",
     "", ""},
    {"publicAccessBlock", "PutPublicAccessBlock", "GetPublicAccessBlock", "DeletePublicAccessBlock",
     "PublicAccessBlockConfiguration", "PublicAccessBlockConfiguration", anything,
     R"({"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true})",
     "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"},
    {"accelerate", "PutBucketAccelerateConfiguration", "GetBucketAccelerateConfiguration", "",
     "AccelerateConfiguration", "", accelerate, "{}", "", ""},
    {"requestPayment", "PutBucketRequestPayment", "GetBucketRequestPayment", "",
     "RequestPaymentConfiguration", "", payment, R"({"Payer":"BucketOwner"})", "", ""},
}};

// A stored empty document: Delete of a configuration whose default is
// "present" (ownership controls, public access block), so that Get answers
// its 404 rather than the default again.
constexpr std::string_view kDeleted = "";

const Config* by_operation(std::string_view op) {
  for (const auto& c : kConfigs) {
    if (op == c.put || op == c.get || op == c.del) return &c;
  }
  return nullptr;
}

Resources by_bucket(const CallContext&, const json::object& in) {
  return {"arn:aws:s3:::" + str(in, "Bucket")};
}

Error missing(const Config& c, const std::string& bucket) {
  return Error::make(c.missing_code, c.missing_message, 404).with("BucketName", bucket);
}

Error no_such_bucket(const std::string& bucket) {
  return Error::make("NoSuchBucket", "The specified bucket does not exist", 404)
      .with("BucketName", bucket);
}

// The bucket's existence: NoSuchBucket, or the engine's read error.
Status check_bucket(const Objects& objects, const std::string& bucket) {
  auto b = objects.bucket(bucket);
  if (!b) return b.take_error();
  if (!*b) return no_such_bucket(bucket);
  return Status::ok();
}

}  // namespace

const Operation<ConfigOps> ConfigOps::kOperations[kOperationCount] = {
    {"PutBucketCors", &ConfigOps::put, by_bucket},
    {"GetBucketCors", &ConfigOps::get, by_bucket},
    {"DeleteBucketCors", &ConfigOps::remove, by_bucket},
    {"PutBucketPolicy", &ConfigOps::put, by_bucket},
    {"GetBucketPolicy", &ConfigOps::get, by_bucket},
    {"DeleteBucketPolicy", &ConfigOps::remove, by_bucket},
    {"GetBucketPolicyStatus", &ConfigOps::policy_status, by_bucket},
    {"PutBucketLifecycleConfiguration", &ConfigOps::put, by_bucket},
    {"GetBucketLifecycleConfiguration", &ConfigOps::get, by_bucket},
    {"DeleteBucketLifecycle", &ConfigOps::remove, by_bucket},
    {"PutBucketWebsite", &ConfigOps::put, by_bucket},
    {"GetBucketWebsite", &ConfigOps::get, by_bucket},
    {"DeleteBucketWebsite", &ConfigOps::remove, by_bucket},
    {"PutBucketNotificationConfiguration", &ConfigOps::put, by_bucket},
    {"GetBucketNotificationConfiguration", &ConfigOps::get, by_bucket},
    {"PutBucketOwnershipControls", &ConfigOps::put, by_bucket},
    {"GetBucketOwnershipControls", &ConfigOps::get, by_bucket},
    {"DeleteBucketOwnershipControls", &ConfigOps::remove, by_bucket},
    {"PutBucketEncryption", &ConfigOps::put, by_bucket},
    {"GetBucketEncryption", &ConfigOps::get, by_bucket},
    {"DeleteBucketEncryption", &ConfigOps::remove, by_bucket},
    {"PutPublicAccessBlock", &ConfigOps::put, by_bucket},
    {"GetPublicAccessBlock", &ConfigOps::get, by_bucket},
    {"DeletePublicAccessBlock", &ConfigOps::remove, by_bucket},
    {"PutBucketAccelerateConfiguration", &ConfigOps::put, by_bucket},
    {"GetBucketAccelerateConfiguration", &ConfigOps::get, by_bucket},
    {"PutBucketRequestPayment", &ConfigOps::put, by_bucket},
    {"GetBucketRequestPayment", &ConfigOps::get, by_bucket},
};

void ConfigOps::put(const CallContext& ctx, json::object in, Respond respond) {
  const Config* c = by_operation(ctx.operation);
  std::string bucket = str(in, "Bucket");
  if (auto st = check_bucket(objects_, bucket); !st) return respond(st.take_error());
  if (c->kind == std::string_view("notification")) {
    return put_notification(ctx, std::move(in), std::move(respond));
  }
  std::string document;
  if (c->check == nullptr) {  // the policy: its own text
    document = str(in, c->payload);
    if (auto st = s3config::validate_bucket_policy(document, bucket); !st) {
      return respond(st.take_error());
    }
  } else {
    const auto* doc = in.if_contains(c->payload);
    if (doc == nullptr || !doc->is_object()) return respond(s3config::malformed_xml());
    if (auto st = c->check(doc->get_object(), bucket); !st) return respond(st.take_error());
    document = json::serialize(*doc);
  }
  bool sweep = c->kind == std::string_view("lifecycle");
  objects_.put_config(bucket, c->kind, std::move(document),
                      [this, bucket, sweep, respond = std::move(respond)](Status st) mutable {
                        if (!st) return respond(st.take_error());
                        if (!sweep) return respond(json::object{});
                        lifecycle_.schedule(bucket, [respond = std::move(respond)](Status s) {
                          if (!s) return respond(s.take_error());
                          respond(json::object{});
                        });
                      });
}

Output ConfigOps::get(const CallContext& ctx, const json::object& in) const {
  const Config* c = by_operation(ctx.operation);
  std::string bucket = str(in, "Bucket");
  NIMBUS_TRY(check_bucket(objects_, bucket));
  auto stored = objects_.config(bucket, c->kind);
  if (!stored) return stored.take_error();
  std::string text = stored->value_or(c->fallback);
  if (text.empty()) return missing(*c, bucket);
  if (c->check == nullptr) return json::object{{c->wrap, text}};
  auto doc = parse_object(text);
  if (!doc) return Error::internal("s3: unreadable " + std::string(c->kind) + " document");
  if (*c->wrap != '\0') return json::object{{c->wrap, std::move(*doc)}};
  return std::move(*doc);
}

Output ConfigOps::policy_status(const CallContext& ctx, const json::object& in) const {
  std::string bucket = str(in, "Bucket");
  NIMBUS_TRY(check_bucket(objects_, bucket));
  const Config* c = by_operation("GetBucketPolicy");
  auto stored = objects_.config(bucket, c->kind);
  if (!stored) return stored.take_error();
  if (!*stored || (*stored)->empty()) return missing(*c, bucket);
  return json::object{
      {"PolicyStatus", json::object{{"IsPublic", s3config::bucket_policy_is_public(**stored)}}}};
}

void ConfigOps::remove(const CallContext& ctx, json::object in, Respond respond) {
  const Config* c = by_operation(ctx.operation);
  std::string bucket = str(in, "Bucket");
  if (auto st = check_bucket(objects_, bucket); !st) return respond(st.take_error());
  // A configuration S3 has by default and can be without is stored empty.
  bool default_present = *c->fallback != '\0' && *c->missing_code != '\0';
  std::optional<std::string> document;
  if (default_present) document = std::string(kDeleted);
  objects_.put_config(bucket, c->kind, std::move(document),
                      [respond = std::move(respond)](Status st) {
                        if (!st) return respond(st.take_error());
                        respond(json::object{});
                      });
}

}  // namespace nimbus::services::s3
