// The S3 operation table: each operation of the model, the handler that
// serves it (bucket_handlers.cc, object_handlers.cc) and the ARNs it touches.
#include "services/s3/s3_service.h"

#include "common/json_fields.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

// arn:aws:s3:::BUCKET, as the service authorization reference names it.
Resources by_bucket(const CallContext&, const json::object& in) {
  return {"arn:aws:s3:::" + str(in, "Bucket")};
}

// arn:aws:s3:::BUCKET/KEY.
Resources by_object(const CallContext&, const json::object& in) {
  return {"arn:aws:s3:::" + str(in, "Bucket") + "/" + str(in, "Key")};
}

}  // namespace

const Operation<S3Service> S3Service::kOperations[] = {
    {"CreateBucket", &S3Service::create_bucket, by_bucket},
    {"DeleteBucket", &S3Service::delete_bucket, by_bucket},
    {"HeadBucket", &S3Service::head_bucket, by_bucket},
    {"ListBuckets", &S3Service::list_buckets, no_resources},
    {"GetBucketLocation", &S3Service::get_bucket_location, by_bucket},
    {"PutObject", &S3Service::put_object, by_object},
    {"PostObject", &S3Service::post_object, by_bucket},
    {"GetObject", &S3Service::get_object, by_object},
    {"HeadObject", &S3Service::head_object, by_object},
    {"GetObjectAttributes", &S3Service::get_object_attributes, by_object},
    {"DeleteObject", &S3Service::delete_object, by_object},
    {"CopyObject", &S3Service::copy_object, by_object},
    {"DeleteObjects", &S3Service::delete_objects, by_bucket},
    {"CreateMultipartUpload", &S3Service::create_multipart_upload, by_object},
    {"UploadPart", &S3Service::upload_part, by_object},
    {"UploadPartCopy", &S3Service::upload_part_copy, by_object},
    {"CompleteMultipartUpload", &S3Service::complete_multipart_upload, by_object},
    {"AbortMultipartUpload", &S3Service::abort_multipart_upload, by_object},
    {"ListParts", &S3Service::list_parts, by_object},
    {"ListMultipartUploads", &S3Service::list_multipart_uploads, by_bucket},
    {"PutObjectTagging", &S3Service::put_object_tagging, by_object},
    {"GetObjectTagging", &S3Service::get_object_tagging, by_object},
    {"DeleteObjectTagging", &S3Service::delete_object_tagging, by_object},
    {"PutBucketTagging", &S3Service::put_bucket_tagging, by_bucket},
    {"GetBucketTagging", &S3Service::get_bucket_tagging, by_bucket},
    {"DeleteBucketTagging", &S3Service::delete_bucket_tagging, by_bucket},
    {"ListObjectsV2", &S3Service::list_objects_v2, by_bucket},
    {"ListObjects", &S3Service::list_objects_v1, by_bucket},
    {"PutBucketVersioning", &S3Service::put_bucket_versioning, by_bucket},
    {"GetBucketVersioning", &S3Service::get_bucket_versioning, by_bucket},
    {"ListObjectVersions", &S3Service::list_object_versions, by_bucket},
};

S3Service::S3Service(Environment& env)
    : Service("s3"), env_(env), engine_(env), features_(env, engine_) {
  serve(*this, kOperations);
  serve(features_.ops(), ConfigOps::kOperations);
}

// arn:aws:s3:::BUCKET or arn:aws:s3:::BUCKET/KEY -> the bucket's policy.
std::string S3Service::resource_policy(const std::string& arn) const {
  constexpr std::string_view kPrefix = "arn:aws:s3:::";
  if (!arn.starts_with(kPrefix)) return {};
  std::string_view rest = std::string_view(arn).substr(kPrefix.size());
  std::string_view bucket = rest.substr(0, rest.find('/'));
  if (bucket.empty()) return {};
  auto policy = engine_.config(bucket, "policy");
  if (!policy || !*policy) return {};
  return std::move(**policy);
}

Status S3Service::start() {
  NIMBUS_TRY(engine_.start());
  website_.start();
  return features_.start();
}

}  // namespace nimbus::services::s3
