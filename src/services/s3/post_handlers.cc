// Browser POST uploads (POST /BUCKET with a multipart/form-data body, the
// form of boto3's generate_presigned_post and the JS SDK's
// createPresignedPost): the form's fields, its signed policy and its
// conditions, then the file streamed into the object as a PutObject body.
#include <algorithm>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/s3/checksums.h"
#include "services/s3/config/post_policy.h"
#include "services/s3/config/tagging_xml.h"
#include "services/s3/errors.h"
#include "services/s3/names.h"
#include "services/s3/object_headers.h"
#include "services/s3/post_body.h"
#include "services/s3/s3_service.h"
#include "services/s3/tags.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

// Form fields that set what a PutObject's headers set, by input member.
constexpr std::pair<std::string_view, std::string_view> kHeaderFields[] = {
    {"content-type", "ContentType"},
    {"cache-control", "CacheControl"},
    {"content-disposition", "ContentDisposition"},
    {"content-encoding", "ContentEncoding"},
    {"content-language", "ContentLanguage"},
    {"x-amz-website-redirect-location", "WebsiteRedirectLocation"},
    {"x-amz-checksum-algorithm", "ChecksumAlgorithm"},
    {"x-amz-checksum-crc32", "ChecksumCRC32"},
    {"x-amz-checksum-crc32c", "ChecksumCRC32C"},
    {"x-amz-checksum-crc64nvme", "ChecksumCRC64NVME"},
    {"x-amz-checksum-sha1", "ChecksumSHA1"},
    {"x-amz-checksum-sha256", "ChecksumSHA256"},
};

// The form's fields as the members of a PutObject input.
json::object put_input(const std::map<std::string, std::string>& fields) {
  json::object in;
  for (auto [field, member] : kHeaderFields) {
    if (auto it = fields.find(std::string(field)); it != fields.end()) in[member] = it->second;
  }
  if (auto it = fields.find("expires"); it != fields.end()) {
    // Stored as PutObject's Expires header is: a timestamp.
    if (auto ms = s3config::parse_http_date(it->second)) in["Expires"] = *ms / 1000;
  }
  json::object metadata;
  for (const auto& [name, value] : fields) {
    if (name.starts_with("x-amz-meta-") && name.size() > 11) metadata[name.substr(11)] = value;
  }
  if (!metadata.empty()) in["Metadata"] = std::move(metadata);
  return in;
}

std::string field(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

// `${filename}` in the key stands for the uploaded file's name.
std::string key_for(std::string key, std::string_view filename) {
  constexpr std::string_view kVar = "${filename}";
  for (size_t at = key.find(kVar); at != std::string::npos;
       at = key.find(kVar, at + filename.size())) {
    key.replace(at, kVar.size(), filename);
  }
  return key;
}

// What S3 answers once the object is stored: a 303 to
// success_action_redirect (with bucket, key and etag added to its query),
// else the success_action_status (200, 201 with the PostResponse document,
// 204 by default).
json::object answer(const std::map<std::string, std::string>& fields, const CallContext& ctx,
                    const std::string& bucket, const std::string& key, const ObjectMeta& m) {
  json::object out;
  out["ETag"] = m.etag;
  if (m.version_id != "null" && !m.version_id.empty()) out["VersionId"] = m.version_id;
  std::string redirect = field(fields, "success_action_redirect");
  if (redirect.empty()) redirect = field(fields, "redirect");
  if (redirect.starts_with("http://") || redirect.starts_with("https://")) {
    redirect += redirect.find('?') == std::string::npos ? '?' : '&';
    redirect += "bucket=" + percent_encode(bucket) + "&key=" + percent_encode(key) +
                "&etag=" + percent_encode(m.etag);
    out["Status"] = 303;
    out["Location"] = std::move(redirect);
    return out;
  }
  // The object's URL in the style the form was posted in: virtual-hosted
  // when the host named the bucket (BUCKET.s3.localhost,
  // BUCKET.s3.REGION.localhost), else path-style. S3 encodes the key whole,
  // its slashes as %2F.
  std::string_view host = ctx.endpoint_url;
  host.remove_prefix(std::min(host.find("://") + 3, host.size()));
  bool virtual_hosted = host.starts_with(bucket + ".s3.");
  std::string location =
      ctx.endpoint_url + (virtual_hosted ? "" : "/" + bucket) + "/" + percent_encode(key);
  out["Location"] = location;
  std::string status = field(fields, "success_action_status");
  if (status == "200") {
    out["Status"] = 200;
  } else if (status == "201") {
    out["Status"] = 201;
    out["PostResponse"] =
        json::object{{"Location", location}, {"Bucket", bucket}, {"Key", key}, {"ETag", m.etag}};
  } else {
    out["Status"] = 204;
  }
  return out;
}

}  // namespace

void S3Service::post_object(const CallContext& ctx, json::object in, Respond respond) {
  if (auto b = existing_bucket(in); !b) return respond(b.take_error());
  auto boundary = s3config::form_boundary(str(in, "ContentType"));
  if (!boundary) {
    return respond(errors::precondition_failed(
        "Bucket POST must be of the enclosure-type multipart/form-data"));
  }
  auto h = engine_.hold();
  if (!h) return respond(errors::stopping());
  auto body = ctx.payload->request ? ctx.payload->request : http::memory_body(str(in, "Body"));
  auto form = PostBody::make(std::move(body), std::move(*boundary));
  form->read_fields([this, h, form, ctx, bucket = str(in, "Bucket"),
                     respond = std::move(respond)](Result<PostFields> read) mutable {
    if (!read) return respond(read.take_error());
    upload_form(ctx, std::move(bucket), std::move(*read), std::move(form), std::move(respond));
  });
}

void S3Service::upload_form(const CallContext& ctx, std::string bucket, PostFields form,
                            std::shared_ptr<PostBody> body, Respond respond) {
  const auto& fields = form.fields;
  if (!fields.contains("key")) {
    return respond(errors::invalid_argument(
        "Bucket POST must contain a field named 'key'.  If it is specified, please check the "
        "order of the fields.",
        "key", ""));
  }
  PostSigner signer;
  if (post_auth_ != nullptr) {
    auto signed_by = post_auth_->authenticate(fields);
    if (!signed_by) return respond(signed_by.take_error());
    signer = std::move(*signed_by);
  }
  std::optional<s3config::PostPolicy> policy;
  if (auto it = fields.find("policy"); it != fields.end()) {
    auto parsed = s3config::parse_post_policy(it->second);
    if (!parsed) return respond(parsed.take_error());
    if (auto met = s3config::check_post_policy(*parsed, fields, bucket, env_.clock.now_millis());
        !met) {
      return respond(met.take_error());
    }
    policy = std::move(*parsed);
  }
  std::string key = key_for(field(fields, "key"), form.file.filename);
  if (key.size() > kMaxKeyBytes) return respond(errors::key_too_long(key.size()));
  if (key.empty()) {
    return respond(
        errors::invalid_argument("User key must have a length greater than 0.", "key", ""));
  }
  json::object in = put_input(fields);
  PutRequest put;
  if (const auto* m = in.if_contains("Metadata"); m && m->is_object())
    put.metadata = m->as_object();
  if (size_t n = metadata_bytes(put.metadata); n > kMaxMetadataBytes) {
    return respond(errors::metadata_too_large(n));
  }
  put.headers = stored_headers(in);
  if (auto checksum = checksum_request(in); !checksum) {
    return respond(checksum.take_error());
  } else {
    put.checksum = std::move(*checksum);
  }
  if (auto it = fields.find("tagging"); it != fields.end()) {
    auto set = s3config::parse_tagging_xml(it->second);
    if (!set) return respond(set.take_error());
    json::value tag_set = std::move(*set);
    auto tags = tags_from_set(&tag_set, 10);  // an object's limit
    if (!tags) return respond(tags.take_error());
    put.tags = std::move(*tags);
  }
  if (post_auth_ != nullptr) {
    if (auto allowed = post_auth_->authorize(signer, ctx, bucket, key); !allowed) {
      return respond(allowed.take_error());
    }
  }
  put.bucket = bucket;
  put.key = key;
  put.event_name = "ObjectCreated:Post";
  put.caller =
      Caller{ctx.request_id, signer.access_key_id.empty() ? ctx.account_id : signer.access_key_id};
  // content-length-range is checked as the file streams in: past the
  // maximum the read fails at once; under the minimum at its end. Either
  // way nothing is committed.
  put.body = body->file([policy](uint64_t size, bool end) -> Status {
    if (!policy) return Status::ok();
    if (!end && (!policy->max_length || size <= static_cast<uint64_t>(*policy->max_length))) {
      return Status::ok();
    }
    return s3config::check_post_length(*policy, static_cast<int64_t>(size));
  });
  engine_.put_object(std::move(put), [ctx, fields = std::move(form.fields), bucket, key,
                                      respond = std::move(respond)](Result<ObjectMeta> m) {
    if (!m) return respond(m.take_error());
    respond(answer(fields, ctx, bucket, key, *m));
  });
}

}  // namespace nimbus::services::s3
