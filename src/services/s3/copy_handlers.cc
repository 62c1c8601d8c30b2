// CopyObject: the source's body streamed from its file into a new blob
// (MetadataDirective COPY or REPLACE, copy-source conditions, the
// destination's write conditions), then committed as a PutObject is.
#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/s3/checksums.h"
#include "services/s3/conditions.h"
#include "services/s3/errors.h"
#include "services/s3/names.h"
#include "services/s3/object_headers.h"
#include "services/s3/s3_service.h"
#include "services/s3/tags.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

// The x-amz-copy-source-if-* headers, with S3's answer when one fails: 412
// naming the header (never 304).
std::optional<Error> check_copy_conditions(const json::object& in, const ObjectMeta& source) {
  json::object as_read;
  for (auto [from, to] : {std::pair{"CopySourceIfMatch", "IfMatch"},
                          std::pair{"CopySourceIfNoneMatch", "IfNoneMatch"},
                          std::pair{"CopySourceIfModifiedSince", "IfModifiedSince"},
                          std::pair{"CopySourceIfUnmodifiedSince", "IfUnmodifiedSince"}}) {
    if (const auto* v = in.if_contains(from); v != nullptr && !v->is_null()) as_read[to] = *v;
  }
  auto failed = check_read_conditions(as_read, source.etag, source.modified_ms);
  if (!failed) return std::nullopt;
  std::string condition;
  if (failed->code == "NotModified") {
    condition = as_read.contains("IfNoneMatch") ? "If-None-Match" : "If-Modified-Since";
  } else {
    condition = *failed->field("Condition");
  }
  return errors::precondition_failed("x-amz-copy-source-" + condition);
}

}  // namespace

Result<ObjectMeta> S3Service::resolve_copy_source(const json::object& in) const {
  auto source = parse_copy_source(str(in, "CopySource"));
  if (!source) {
    return errors::invalid_argument("Invalid copy source object key", "x-amz-copy-source",
                                    str(in, "CopySource"));
  }
  if (!source->version_id.empty() && !valid_version_id(source->version_id)) {
    return errors::invalid_version_id(source->version_id);
  }
  auto found = engine_.head(source->bucket, source->key, source->version_id);
  if (!found) return found.take_error();
  if (!*found || (*found)->delete_marker) {
    if (auto b = engine_.bucket(source->bucket); b && !*b) {
      return errors::no_such_bucket(source->bucket);
    }
    if (*found && !source->version_id.empty()) {
      return errors::invalid_request(
          "The source of a copy request may not specifically refer to a delete marker by version "
          "id.");
    }
    if (!source->version_id.empty()) {
      return errors::no_such_version(source->key, source->version_id);
    }
    return errors::no_such_key(source->key);
  }
  if (auto failed = check_copy_conditions(in, **found)) return std::move(*failed);
  return std::move(**found);
}

void S3Service::copy_object(const CallContext& ctx, json::object in, Respond respond) {
  std::string key = str(in, "Key");
  if (key.size() > kMaxKeyBytes) return respond(errors::key_too_long(key.size()));
  auto dest = existing_bucket(in);
  if (!dest) return respond(dest.take_error());
  std::string directive = str(in, "MetadataDirective");
  if (!directive.empty() && directive != "COPY" && directive != "REPLACE") {
    return respond(errors::invalid_argument("Unknown metadata directive.",
                                            "x-amz-metadata-directive", directive));
  }
  bool replace = directive == "REPLACE";
  auto resolved = resolve_copy_source(in);
  if (!resolved) return respond(resolved.take_error());
  ObjectMeta meta = std::move(*resolved);
  if (meta.size > Engine::kMaxPutBytes) {
    return respond(errors::invalid_request(
        "The specified copy source is larger than the maximum allowable size for a copy source: " +
        std::to_string(Engine::kMaxPutBytes)));
  }
  bool self = meta.bucket == dest->name && meta.key == key;
  if (self && !replace && !has(in, "WebsiteRedirectLocation") && !has(in, "StorageClass")) {
    return respond(errors::invalid_request(
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or encryption "
        "attributes."));
  }
  PutRequest put;
  put.bucket = dest->name;
  put.key = std::move(key);
  if (replace) {
    put.headers = stored_headers(in);
    if (const auto* m = in.if_contains("Metadata"); m && m->is_object()) {
      put.metadata = m->as_object();
    }
    if (size_t n = metadata_bytes(put.metadata); n > kMaxMetadataBytes) {
      return respond(errors::metadata_too_large(n));
    }
  } else {
    put.headers = meta.headers;
    put.metadata = meta.metadata;
    if (const auto* w = in.if_contains("WebsiteRedirectLocation"); w && !w->is_null()) {
      put.headers["WebsiteRedirectLocation"] = *w;
    }
  }
  std::string tagging = str(in, "TaggingDirective");
  if (!tagging.empty() && tagging != "COPY" && tagging != "REPLACE") {
    return respond(
        errors::invalid_argument("Unknown tagging directive.", "x-amz-tagging-directive", tagging));
  }
  if (tagging == "REPLACE") {
    auto tags = tags_from_header(str(in, "Tagging"));
    if (!tags) return respond(tags.take_error());
    put.tags = std::move(*tags);
  } else {
    put.tags = meta.tags;
  }
  put.if_match = str(in, "IfMatch");
  put.if_none_match = str(in, "IfNoneMatch");
  if (auto current = engine_.head(put.bucket, put.key); !current) {
    return respond(current.take_error());
  } else if (auto failed = check_write_conditions(put, *current)) {
    return respond(std::move(*failed));
  }
  // The copy keeps the source's checksum (checked again over the bytes
  // copied), or takes the algorithm the request names.
  if (auto checksum = checksum_request(in); !checksum) {
    return respond(checksum.take_error());
  } else if (*checksum) {
    put.checksum = ChecksumRequest{(*checksum)->algorithm, ""};
  } else if (auto a = checksum_algorithm(meta.checksum_algorithm);
             a && meta.checksum.find('-') == std::string::npos) {
    put.checksum = ChecksumRequest{*a, meta.checksum};
  }
  put.length = meta.size;
  put.event_name = "ObjectCreated:Copy";
  put.caller =
      Caller{ctx.request_id, ctx.access_key_id.empty() ? ctx.account_id : ctx.access_key_id};
  std::string source_version = meta.version_id;
  // The source file is opened on a worker; from then on the copy reads
  // what it opened, whatever happens to the source.
  auto h = engine_.hold();
  if (!h) return respond(errors::stopping());
  env_.workers.post([this, h, meta = std::move(meta), put = std::move(put), source_version,
                     respond = std::move(respond)]() mutable {
    auto stream = engine_.open(meta, 0, std::nullopt);
    if (!stream) {
      if (stream.error().code == "NoSuchFile") return respond(errors::no_such_key(meta.key));
      return respond(stream.take_error());
    }
    put.body = std::move(*stream);
    engine_.put_object(
        std::move(put), [respond = std::move(respond), source_version](Result<ObjectMeta> m) {
          if (!m) return respond(m.take_error());
          json::object out;
          out["CopyObjectResult"] = json::object{
              {"ETag", m->etag}, {"LastModified", static_cast<double>(m->modified_ms) / 1000.0}};
          if (source_version != "null") out["CopySourceVersionId"] = source_version;
          if (m->version_id != "null") out["VersionId"] = m->version_id;
          respond(std::move(out));
        });
  });
}

}  // namespace nimbus::services::s3
