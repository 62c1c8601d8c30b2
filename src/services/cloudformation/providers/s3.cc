// AWS::S3::Bucket (its configuration properties: s3_config.h) and
// AWS::S3::BucketPolicy.
#include <algorithm>
#include <cctype>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/s3_config.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::status_of;

// ---- AWS::S3::Bucket

// Generated bucket names are lower case, as S3 requires.
std::string bucket_name(const ResourceRequest& r) {
  std::string name = r.name_or_generated("BucketName", 63);
  if (!has(r.properties, "BucketName")) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return name;
}

// The website endpoint of `name` on this server: the host form nimbus
// serves (server/user_routes.h) with the port the stack's caller used.
std::string website_url(const ResourceRequest& r, const std::string& name) {
  std::string_view endpoint = r.ctx.endpoint_url;
  size_t scheme = endpoint.find("://");
  std::string_view authority =
      scheme == std::string_view::npos ? endpoint : endpoint.substr(scheme + 3);
  authority = authority.substr(0, authority.find('/'));
  size_t colon = authority.rfind(':');
  std::string port = colon == std::string_view::npos || authority.ends_with(']')
                         ? ""
                         : std::string(authority.substr(colon));
  return "http://" + name + ".s3-website.localhost" + port;
}

Provided bucket(const ResourceRequest& r, const std::string& name) {
  return {name, json::object{
                    {"Arn", "arn:aws:s3:::" + name},
                    {"DomainName", name + ".s3.amazonaws.com"},
                    {"RegionalDomainName", name + ".s3." + r.region + ".amazonaws.com"},
                    {"DualStackDomainName", name + ".s3.dualstack." + r.region + ".amazonaws.com"},
                    {"WebsiteURL", website_url(r, name)}}};
}

void create_bucket(const ResourceRequest& r, ProvideDone done) {
  std::string name = bucket_name(r);
  r.call("s3", "CreateBucket", json::object{{"Bucket", name}}, [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    // A configuration S3 refuses fails the create: the new bucket goes.
    provide::complete_or_undo(bucket_config_steps(r, name),
                              provide::call_step(r, "s3", "DeleteBucket", {{"Bucket", name}}),
                              [r, name, done](Status st) {
                                if (!st) return done(st.take_error());
                                done(bucket(r, name));
                              });
  });
}

void update_bucket(const ResourceRequest& r, ProvideDone done) {
  provide::in_order(bucket_config_steps(r, r.physical_id), [r, done](Status st) {
    if (!st) return done(st.take_error());
    done(bucket(r, r.physical_id));
  });
}

void delete_bucket(const ResourceRequest& r, RemoveDone done) {
  r.call("s3", "DeleteBucket", json::object{{"Bucket", r.physical_id}},
         [done = provide::ignoring({"NoSuchBucket"}, done)](Output out) { done(status_of(out)); });
}

// Resource import: the bucket named by BucketName, if S3 has it.
void read_bucket(const ResourceRequest& r, ProvideDone done) {
  r.call("s3", "HeadBucket", json::object{{"Bucket", r.physical_id}}, [r, done](Output out) {
    if (!out) return done(out.take_error());
    done(bucket(r, r.physical_id));
  });
}

// ---- AWS::S3::BucketPolicy (physical id: the bucket's name)

void put_policy(const ResourceRequest& r, ProvideDone done) {
  std::string name = str(r.properties, "Bucket");
  const auto* doc = r.properties.if_contains("PolicyDocument");
  std::string policy = doc == nullptr     ? ""
                       : doc->is_string() ? str(r.properties, "PolicyDocument")
                                          : json::serialize(*doc);
  r.call("s3", "PutBucketPolicy", {{"Bucket", name}, {"Policy", policy}}, [name, done](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{name, {}});
  });
}

void delete_policy(const ResourceRequest& r, RemoveDone done) {
  r.call("s3", "DeleteBucketPolicy", json::object{{"Bucket", r.physical_id}},
         [done = provide::ignoring({"NoSuchBucket"}, done)](Output out) { done(status_of(out)); });
}

std::string policy_bucket(const ResourceRequest& r) {
  return str(r.properties, "Bucket");
}

}  // namespace

const Importer kBucketImport{"AWS::S3::Bucket", "BucketName", read_bucket};
const Provider kBucket{"AWS::S3::Bucket", create_bucket,  update_bucket,
                       delete_bucket,     {"BucketName"}, bucket_name};
const Provider kBucketPolicy{"AWS::S3::BucketPolicy", put_policy, put_policy,
                             delete_policy,           {"Bucket"}, policy_bucket};

}  // namespace nimbus::services::cloudformation::providers
