// CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation.
#include <algorithm>

#include "common/json_fields.h"
#include "services/s3/errors.h"
#include "services/s3/names.h"
#include "services/s3/s3_service.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

// A bucket's region: its LocationConstraint, "" meaning us-east-1.
std::string region_of(const Bucket& b) {
  return b.region.empty() ? "us-east-1" : b.region;
}

}  // namespace

Result<Bucket> S3Service::existing_bucket(const json::object& in) const {
  std::string name = str(in, "Bucket");
  auto b = engine_.bucket(name);
  if (!b) return b.take_error();
  if (!*b) return errors::no_such_bucket(name);
  return std::move(**b);
}

void S3Service::create_bucket(const CallContext& ctx, json::object in, Respond respond) {
  std::string name = str(in, "Bucket");
  if (!valid_bucket_name(name)) return respond(errors::invalid_bucket_name(name));
  std::string constraint;
  if (const auto* c = in.if_contains("CreateBucketConfiguration"); c && c->is_object()) {
    constraint = str(c->as_object(), "LocationConstraint");
  }
  // As S3 answers a regional endpoint: the constraint must name the
  // request's region, and us-east-1 is named by leaving it out.
  if (constraint == "us-east-1") return respond(errors::invalid_location_constraint(constraint));
  std::string region = constraint.empty() ? "us-east-1" : constraint;
  if (region != ctx.region) {
    return respond(errors::illegal_location_constraint(constraint, ctx.region));
  }
  Bucket b;
  b.name = name;
  b.region = constraint;
  b.owner = ctx.account_id;
  b.created_ms = env_.clock.now_millis();
  json::object out;
  out["Location"] = "/" + name;
  engine_.create_bucket(std::move(b),
                        [respond = std::move(respond), out = std::move(out)](Status st) mutable {
                          if (!st) return respond(st.take_error());
                          respond(std::move(out));
                        });
}

void S3Service::delete_bucket(const CallContext&, json::object in, Respond respond) {
  engine_.delete_bucket(str(in, "Bucket"), [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(json::object{});
  });
}

Output S3Service::head_bucket(const CallContext&, const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  json::object out;
  out["BucketRegion"] = region_of(*b);
  out["BucketArn"] = "arn:aws:s3:::" + b->name;
  return out;
}

Output S3Service::get_bucket_location(const CallContext&, const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  json::object out;
  if (!b->region.empty()) out["LocationConstraint"] = b->region;
  return out;
}

Output S3Service::list_buckets(const CallContext& ctx, const json::object& in) const {
  auto all = engine_.buckets();
  if (!all) return all.take_error();
  std::string prefix = str(in, "Prefix");
  std::string region = str(in, "BucketRegion");
  std::string after = str(in, "ContinuationToken");
  int64_t max = integer(in, "MaxBuckets").value_or(10000);
  if (max < 1 || max > 10000) {
    return errors::invalid_argument("Argument max-buckets must be an integer between 1 and 10000.",
                                    "max-buckets", std::to_string(max));
  }
  json::array buckets;
  std::string last;
  bool more = false;
  for (const auto& b : *all) {  // in name order
    if (!b.name.starts_with(prefix) || (!after.empty() && b.name <= after)) continue;
    if (!region.empty() && region_of(b) != region) continue;
    if (static_cast<int64_t>(buckets.size()) == max) {
      more = true;
      break;
    }
    json::object e;
    e["Name"] = b.name;
    e["CreationDate"] = static_cast<double>(b.created_ms) / 1000.0;
    e["BucketRegion"] = region_of(b);
    buckets.push_back(std::move(e));
    last = b.name;
  }
  json::object out;
  out["Buckets"] = std::move(buckets);
  out["Owner"] = json::object{{"ID", ctx.account_id}, {"DisplayName", "nimbus"}};
  if (more) out["ContinuationToken"] = last;
  if (!prefix.empty()) out["Prefix"] = prefix;
  return out;
}

}  // namespace nimbus::services::s3
