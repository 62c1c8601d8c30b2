// PutObject, GetObject, HeadObject, DeleteObject.
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

void S3Service::put_object(const CallContext& ctx, json::object in, Respond respond) {
  std::string key = str(in, "Key");
  if (key.size() > kMaxKeyBytes) return respond(errors::key_too_long(key.size()));
  // The headers decide before the body is asked for (no 100 Continue).
  if (auto b = existing_bucket(in); !b) return respond(b.take_error());
  PutRequest put;
  if (const auto* m = in.if_contains("Metadata"); m && m->is_object()) {
    put.metadata = m->as_object();
  }
  if (size_t n = metadata_bytes(put.metadata); n > kMaxMetadataBytes) {
    return respond(errors::metadata_too_large(n));
  }
  put.bucket = str(in, "Bucket");
  put.key = std::move(key);
  put.headers = stored_headers(in);
  if (auto tags = tags_from_header(str(in, "Tagging")); !tags) {
    return respond(tags.take_error());
  } else {
    put.tags = std::move(*tags);
  }
  put.content_md5 = str(in, "ContentMD5");
  if (auto checksum = checksum_request(in); !checksum) {
    return respond(checksum.take_error());
  } else {
    put.checksum = std::move(*checksum);
  }
  put.if_match = str(in, "IfMatch");
  put.if_none_match = str(in, "IfNoneMatch");
  if (!put.if_none_match.empty() && put.if_none_match != "*") {
    return respond(errors::not_implemented_header("If-None-Match"));
  }
  // Checked again before the commit; a write that fails now does not send
  // its body.
  auto current = engine_.head(put.bucket, put.key);
  if (!current) return respond(current.take_error());
  if (auto failed = check_write_conditions(put, *current)) return respond(std::move(*failed));
  put.caller =
      Caller{ctx.request_id, ctx.access_key_id.empty() ? ctx.account_id : ctx.access_key_id};
  if (ctx.payload->request) {
    put.body = ctx.payload->request;
  } else {
    put.body = http::memory_body(str(in, "Body"), 1 << 20);
  }
  put.length = put.body->size();
  engine_.put_object(std::move(put), [respond = std::move(respond)](Result<ObjectMeta> m) {
    if (!m) return respond(m.take_error());
    json::object out;
    out["ETag"] = m->etag;
    if (m->version_id != "null") out["VersionId"] = m->version_id;
    if (!m->checksum_algorithm.empty()) out[checksum_member(m->checksum_algorithm)] = m->checksum;
    respond(std::move(out));
  });
}

void S3Service::get_object(const CallContext& ctx, json::object in, Respond respond) {
  read_object(ctx.payload, std::move(in), std::move(respond), true, 0);
}

void S3Service::head_object(const CallContext& ctx, json::object in, Respond respond) {
  read_object(ctx.payload, std::move(in), std::move(respond), false, 0);
}

void S3Service::read_object(std::shared_ptr<Payload> payload, json::object in, Respond respond,
                            bool body, int attempt) {
  std::string bucket = str(in, "Bucket");
  std::string key = str(in, "Key");
  std::string version = str(in, "VersionId");
  if (!version.empty() && !valid_version_id(version)) {
    return respond(errors::invalid_version_id(version));
  }
  auto found = engine_.head(bucket, key, version);
  if (!found) return respond(found.take_error());
  if (!*found || (*found)->delete_marker) {
    if (auto b = existing_bucket(in); !b) return respond(b.take_error());
    if (*found && !version.empty()) {
      return respond(errors::method_not_allowed_marker(body ? "GET" : "HEAD", version));
    }
    if (*found) return respond(errors::no_such_key_marker(key, (*found)->version_id));
    if (!version.empty()) return respond(errors::no_such_version(key, version));
    return respond(errors::no_such_key(key));
  }
  ObjectMeta meta = std::move(**found);
  if (auto failed = check_read_conditions(in, meta.etag, meta.modified_ms)) {
    return respond(std::move(*failed));
  }
  json::object out = object_output(meta, in);
  ByteRange range = parse_range(str(in, "Range"), meta.size);
  if (range.kind == ByteRange::kUnsatisfiable) {
    return respond(errors::invalid_range(str(in, "Range"), meta.size));
  }
  uint64_t offset = 0;
  uint64_t length = meta.size;
  if (range.kind == ByteRange::kPart) {
    offset = range.offset;
    length = range.length;
    out["ContentRange"] = "bytes " + std::to_string(offset) + "-" +
                          std::to_string(offset + length - 1) + "/" + std::to_string(meta.size);
  } else if (str(in, "ChecksumMode") == "ENABLED" && !meta.checksum_algorithm.empty()) {
    // The stored checksum is of the whole object: a range is answered without it.
    out[checksum_member(meta.checksum_algorithm)] = meta.checksum;
    out["ChecksumType"] = checksum_type(meta.checksum);
  }
  out["ContentLength"] = length;
  if (!body) return respond(std::move(out));
  if (meta.inline_body) {
    // A body kept in its record is in memory already: no file to open.
    auto stream = engine_.open(meta, offset, length);
    if (!stream) return respond(stream.take_error());
    payload->response = std::move(*stream);
    return respond(std::move(out));
  }
  // Opening the file blocks: on a worker. Once open, the file is read
  // whole even if the object is replaced; a body replaced between the
  // record read and the open is gone, and the read starts over.
  auto h = engine_.hold();
  if (!h) return respond(errors::stopping());
  env_.workers.post([this, h, payload = std::move(payload), meta = std::move(meta),
                     out = std::move(out), offset, length, in = std::move(in),
                     respond = std::move(respond), attempt]() mutable {
    auto stream = engine_.open(meta, offset, length);
    if (!stream && stream.error().code == "NoSuchFile" && attempt < 3) {
      return read_object(std::move(payload), std::move(in), std::move(respond), true, attempt + 1);
    }
    if (!stream) return respond(stream.take_error());
    payload->response = std::move(*stream);
    respond(std::move(out));
  });
}

void S3Service::delete_object(const CallContext& ctx, json::object in, Respond respond) {
  if (auto b = existing_bucket(in); !b) return respond(b.take_error());
  std::string version = str(in, "VersionId");
  if (!version.empty() && !valid_version_id(version)) {
    return respond(errors::invalid_version_id(version));
  }
  engine_.remove_object(str(in, "Bucket"), str(in, "Key"), std::move(version),
                        "ObjectRemoved:Delete", caller_of(ctx),
                        [respond = std::move(respond)](Result<Removed> r) {
                          if (!r) return respond(r.take_error());
                          json::object out;
                          if (r->delete_marker) out["DeleteMarker"] = true;
                          if (!r->version_id.empty()) out["VersionId"] = r->version_id;
                          respond(std::move(out));
                        });
}

}  // namespace nimbus::services::s3
