// PutObjectTagging, GetObjectTagging, DeleteObjectTagging and the bucket's
// (PutBucketTagging, GetBucketTagging, DeleteBucketTagging: a configuration
// document "tagging" kept with the bucket).
#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/s3/errors.h"
#include "services/s3/s3_service.h"
#include "services/s3/tags.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

// A requester's TagSet keeps the bucket's system tags (the aws: ones
// CloudFormation adds) as they are: S3 refuses to add, change or drop one,
// except for CloudFormation itself (services::takes_aws_tags).
Status keeps_system_tags(const json::object& now, const json::object& next) {
  for (const auto& [k, v] : next) {
    if (!reserved_tag_key(k)) continue;
    const auto* was = now.if_contains(k);
    if (was == nullptr || *was != v) {
      return errors::make("InvalidTag", "System tags cannot be added/updated by requester", 400);
    }
  }
  for (const auto& [k, v] : now) {
    if (reserved_tag_key(k) && !next.contains(k)) {
      return errors::make("InvalidTag", "System Tags cannot be removed by requester", 400);
    }
  }
  return Status::ok();
}

}  // namespace

void S3Service::put_object_tagging(const CallContext& ctx, json::object in, Respond respond) {
  if (auto b = existing_bucket(in); !b) return respond(b.take_error());
  const json::value* set = nullptr;
  if (const auto* t = in.if_contains("Tagging"); t && t->is_object()) {
    set = t->as_object().if_contains("TagSet");
  }
  auto tags = tags_from_set(set, 10);
  if (!tags) return respond(tags.take_error());
  engine_.set_tags(str(in, "Bucket"), str(in, "Key"), str(in, "VersionId"), std::move(*tags),
                   "ObjectTagging:Put", caller_of(ctx),
                   [respond = std::move(respond)](Result<ObjectMeta> m) {
                     if (!m) return respond(m.take_error());
                     json::object out;
                     if (m->version_id != "null") out["VersionId"] = m->version_id;
                     respond(std::move(out));
                   });
}

void S3Service::delete_object_tagging(const CallContext& ctx, json::object in, Respond respond) {
  if (auto b = existing_bucket(in); !b) return respond(b.take_error());
  engine_.set_tags(str(in, "Bucket"), str(in, "Key"), str(in, "VersionId"), json::object{},
                   "ObjectTagging:Delete", caller_of(ctx),
                   [respond = std::move(respond)](Result<ObjectMeta> m) {
                     if (!m) return respond(m.take_error());
                     json::object out;
                     if (m->version_id != "null") out["VersionId"] = m->version_id;
                     respond(std::move(out));
                   });
}

Output S3Service::get_object_tagging(const CallContext&, const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  auto m = engine_.head(b->name, str(in, "Key"), str(in, "VersionId"));
  if (!m) return m.take_error();
  if (!*m || (*m)->delete_marker) return errors::no_such_key(str(in, "Key"));
  json::object out;
  out["TagSet"] = tag_set((*m)->tags);
  if ((*m)->version_id != "null") out["VersionId"] = (*m)->version_id;
  return out;
}

void S3Service::put_bucket_tagging(const CallContext& ctx, json::object in, Respond respond) {
  auto b = existing_bucket(in);
  if (!b) return respond(b.take_error());
  const json::value* set = nullptr;
  if (const auto* t = in.if_contains("Tagging"); t && t->is_object()) {
    set = t->as_object().if_contains("TagSet");
  }
  auto tags = tags_from_set(set, 50);
  if (!tags) return respond(tags.take_error());
  if (!takes_aws_tags(ctx)) {
    auto doc = engine_.config(b->name, "tagging");
    if (!doc) return respond(doc.take_error());
    auto now = *doc ? parse_object(**doc) : std::nullopt;
    if (auto st = keeps_system_tags(now.value_or(json::object{}), *tags); !st) {
      return respond(st.take_error());
    }
  }
  engine_.put_config(str(in, "Bucket"), "tagging", json::serialize(*tags),
                     [respond = std::move(respond)](Status st) {
                       if (!st) return respond(st.take_error());
                       respond(json::object{});
                     });
}

Output S3Service::get_bucket_tagging(const CallContext&, const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  auto doc = engine_.config(b->name, "tagging");
  if (!doc) return doc.take_error();
  auto tags = *doc ? parse_object(**doc) : std::nullopt;
  if (!tags) {
    return errors::make("NoSuchTagSet", "The TagSet does not exist", 404)
        .with("BucketName", b->name);
  }
  return json::object{{"TagSet", tag_set(*tags)}};
}

void S3Service::delete_bucket_tagging(const CallContext&, json::object in, Respond respond) {
  if (auto b = existing_bucket(in); !b) return respond(b.take_error());
  engine_.put_config(str(in, "Bucket"), "tagging", std::nullopt,
                     [respond = std::move(respond)](Status st) {
                       if (!st) return respond(st.take_error());
                       respond(json::object{});
                     });
}

}  // namespace nimbus::services::s3
