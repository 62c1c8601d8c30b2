// CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
// AbortMultipartUpload, ListParts, ListMultipartUploads.
#include <cctype>
#include <cstdlib>

#include "common/json_fields.h"
#include "common/text.h"
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

Result<int> part_number(const json::object& in) {
  auto n = integer(in, "PartNumber");
  if (!n || *n < 1 || *n > kMaxPartNumber) {
    return errors::invalid_argument("Part number must be an integer between 1 and 10000, inclusive",
                                    "partNumber", n ? std::to_string(*n) : "");
  }
  return static_cast<int>(*n);
}

json::object owner_of(const std::string& id) {
  return json::object{{"ID", id}, {"DisplayName", "nimbus"}};
}

}  // namespace

Result<Upload> S3Service::existing_upload(const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  std::string id = str(in, "UploadId");
  auto u = engine_.upload(b->name, str(in, "Key"), id);
  if (!u) return u.take_error();
  if (!*u) return errors::no_such_upload(id);
  return std::move(**u);
}

void S3Service::create_multipart_upload(const CallContext& ctx, json::object in, Respond respond) {
  std::string key = str(in, "Key");
  if (key.size() > kMaxKeyBytes) return respond(errors::key_too_long(key.size()));
  auto b = existing_bucket(in);
  if (!b) return respond(b.take_error());
  Upload u;
  u.bucket = b->name;
  u.key = key;
  u.initiated_ms = env_.clock.now_millis();
  u.owner = ctx.account_id;
  u.headers = stored_headers(in);
  if (const auto* m = in.if_contains("Metadata"); m && m->is_object()) u.metadata = m->as_object();
  auto tags = tags_from_header(str(in, "Tagging"));
  if (!tags) return respond(tags.take_error());
  u.tags = std::move(*tags);
  if (size_t n = metadata_bytes(u.metadata); n > kMaxMetadataBytes) {
    return respond(errors::metadata_too_large(n));
  }
  if (std::string named = str(in, "ChecksumAlgorithm"); !named.empty()) {
    auto a = checksum_algorithm(named);
    if (!a) {
      return respond(
          errors::invalid_request("Checksum algorithm provided is unsupported. Please "
                                  "try again with any of the valid types: [CRC32, "
                                  "CRC32C, SHA1, SHA256]"));
    }
    u.checksum_algorithm = std::string(auth::checksum_name(*a));
  }
  engine_.create_upload(std::move(u), [respond = std::move(respond)](Result<Upload> made) {
    if (!made) return respond(made.take_error());
    json::object out{{"Bucket", made->bucket}, {"Key", made->key}, {"UploadId", made->id}};
    if (!made->checksum_algorithm.empty()) out["ChecksumAlgorithm"] = made->checksum_algorithm;
    respond(std::move(out));
  });
}

void S3Service::upload_part(const CallContext& ctx, json::object in, Respond respond) {
  auto number = part_number(in);
  if (!number) return respond(number.take_error());
  auto u = existing_upload(in);  // before the body is asked for
  if (!u) return respond(u.take_error());
  auto checksum = checksum_request(in);
  if (!checksum) return respond(checksum.take_error());
  if (*checksum && !u->checksum_algorithm.empty() &&
      auth::checksum_name((*checksum)->algorithm) != u->checksum_algorithm) {
    return respond(errors::invalid_request(
        "Checksum Type mismatch occurred, expected checksum Type: " +
        ascii_lower(u->checksum_algorithm) + ", actual checksum Type: " +
        ascii_lower(std::string(auth::checksum_name((*checksum)->algorithm)))));
  }
  auto body =
      ctx.payload->request ? ctx.payload->request : http::memory_body(str(in, "Body"), 1 << 20);
  auto length = body->size();
  std::string algorithm = u->checksum_algorithm;
  if (*checksum) algorithm = std::string(auth::checksum_name((*checksum)->algorithm));
  engine_.upload_part(std::move(*u), *number, std::move(body), length, str(in, "ContentMD5"),
                      std::move(*checksum),
                      [respond = std::move(respond), algorithm](Result<PartInfo> p) {
                        if (!p) return respond(p.take_error());
                        json::object out{{"ETag", p->etag}};
                        if (!p->checksum.empty()) out[checksum_member(algorithm)] = p->checksum;
                        respond(std::move(out));
                      });
}

void S3Service::upload_part_copy(const CallContext& ctx, json::object in, Respond respond) {
  auto number = part_number(in);
  if (!number) return respond(number.take_error());
  auto u = existing_upload(in);
  if (!u) return respond(u.take_error());
  auto source = resolve_copy_source(in);
  if (!source) return respond(source.take_error());
  ObjectMeta meta = std::move(*source);
  uint64_t offset = 0;
  uint64_t length = meta.size;
  if (std::string range = str(in, "CopySourceRange"); !range.empty()) {
    ByteRange r = parse_range(range, meta.size);
    // The whole range must lie in the source (no clipping, no suffix).
    auto dash = range.find('-');
    bool inside = dash != std::string::npos &&
                  std::strtoull(range.c_str() + dash + 1, nullptr, 10) < meta.size;
    if (r.kind != ByteRange::kPart || range.find("=-") != std::string::npos || !inside) {
      return respond(errors::invalid_argument(
          "The x-amz-copy-source-range value must be of the form bytes=first-last where first "
          "and last are the zero-based offsets of the first and last bytes to copy",
          "x-amz-copy-source-range", range));
    }
    offset = r.offset;
    length = r.length;
  }
  std::string source_version = meta.version_id;
  auto h = engine_.hold();
  if (!h) return respond(errors::stopping());
  env_.workers.post([this, h, meta = std::move(meta), u = std::move(*u), number = *number, offset,
                     length, source_version, respond = std::move(respond)]() mutable {
    auto stream = engine_.open(meta, offset, length);
    if (!stream) {
      if (stream.error().code == "NoSuchFile") return respond(errors::no_such_key(meta.key));
      return respond(stream.take_error());
    }
    engine_.upload_part(std::move(u), number, std::move(*stream), length, "", std::nullopt,
                        [respond = std::move(respond), source_version](Result<PartInfo> p) {
                          if (!p) return respond(p.take_error());
                          json::object out;
                          out["CopyPartResult"] = json::object{
                              {"ETag", p->etag},
                              {"LastModified", static_cast<double>(p->modified_ms) / 1000.0}};
                          if (source_version != "null") out["CopySourceVersionId"] = source_version;
                          respond(std::move(out));
                        });
  });
}

void S3Service::complete_multipart_upload(const CallContext& ctx, json::object in,
                                          Respond respond) {
  auto u = existing_upload(in);
  if (!u) return respond(u.take_error());
  std::vector<CompletedPart> asked;
  if (const auto* mu = in.if_contains("MultipartUpload"); mu && mu->is_object()) {
    if (const auto* ps = mu->as_object().if_contains("Parts"); ps && ps->is_array()) {
      for (const auto& p : ps->as_array()) {
        if (!p.is_object()) continue;
        CompletedPart part{static_cast<int>(integer(p.as_object(), "PartNumber").value_or(0)),
                           str(p.as_object(), "ETag"), ""};
        if (!u->checksum_algorithm.empty()) {
          part.checksum = str(p.as_object(), checksum_member(u->checksum_algorithm));
        }
        asked.push_back(std::move(part));
      }
    }
  }
  PutRequest put;
  put.if_match = str(in, "IfMatch");
  put.if_none_match = str(in, "IfNoneMatch");
  put.caller =
      Caller{ctx.request_id, ctx.access_key_id.empty() ? ctx.account_id : ctx.access_key_id};
  std::string location = ctx.endpoint_url + "/" + u->bucket + "/" + u->key;
  engine_.complete_upload(std::move(*u), std::move(asked), std::move(put),
                          [respond = std::move(respond), location](Result<ObjectMeta> m) {
                            if (!m) return respond(m.take_error());
                            json::object out;
                            out["Location"] = location;
                            out["Bucket"] = m->bucket;
                            out["Key"] = m->key;
                            out["ETag"] = m->etag;
                            if (m->version_id != "null") out["VersionId"] = m->version_id;
                            if (!m->checksum_algorithm.empty()) {
                              out[checksum_member(m->checksum_algorithm)] = m->checksum;
                            }
                            respond(std::move(out));
                          });
}

void S3Service::abort_multipart_upload(const CallContext&, json::object in, Respond respond) {
  auto u = existing_upload(in);
  if (!u) return respond(u.take_error());
  engine_.abort_upload(std::move(*u), [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(json::object{});
  });
}

Output S3Service::list_parts(const CallContext&, const json::object& in) const {
  auto u = existing_upload(in);
  if (!u) return u.take_error();
  int64_t max = std::clamp<int64_t>(integer(in, "MaxParts").value_or(1000), 0, 1000);
  int after = static_cast<int>(integer(in, "PartNumberMarker").value_or(0));
  auto parts = engine_.parts(u->id, after, static_cast<size_t>(max) + 1);
  if (!parts) return parts.take_error();
  bool truncated = parts->size() > static_cast<size_t>(max);
  if (truncated) parts->resize(static_cast<size_t>(max));
  json::array out_parts;
  for (const auto& p : *parts) {
    json::object part{{"PartNumber", p.number},
                      {"LastModified", static_cast<double>(p.modified_ms) / 1000.0},
                      {"ETag", p.etag},
                      {"Size", p.size}};
    if (!p.checksum.empty() && !u->checksum_algorithm.empty()) {
      part[checksum_member(u->checksum_algorithm)] = p.checksum;
    }
    out_parts.push_back(std::move(part));
  }
  json::object out;
  out["Bucket"] = u->bucket;
  out["Key"] = u->key;
  out["UploadId"] = u->id;
  out["PartNumberMarker"] = after;
  if (!parts->empty()) out["NextPartNumberMarker"] = parts->back().number;
  out["MaxParts"] = max;
  out["IsTruncated"] = truncated;
  if (!out_parts.empty()) out["Parts"] = std::move(out_parts);
  out["Initiator"] = owner_of(u->owner);
  out["Owner"] = owner_of(u->owner);
  out["StorageClass"] = "STANDARD";
  return out;
}

Output S3Service::list_multipart_uploads(const CallContext&, const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  int64_t max = std::clamp<int64_t>(integer(in, "MaxUploads").value_or(1000), 0, 1000);
  std::string prefix = str(in, "Prefix");
  std::string key_marker = str(in, "KeyMarker");
  std::string id_marker = str(in, "UploadIdMarker");
  auto all = engine_.uploads(b->name, prefix, key_marker, id_marker, static_cast<size_t>(max) + 1);
  if (!all) return all.take_error();
  bool truncated = all->size() > static_cast<size_t>(max);
  if (truncated) all->resize(static_cast<size_t>(max));
  json::array uploads;
  for (const auto& u : *all) {
    uploads.push_back(json::object{{"UploadId", u.id},
                                   {"Key", u.key},
                                   {"Initiated", static_cast<double>(u.initiated_ms) / 1000.0},
                                   {"StorageClass", "STANDARD"},
                                   {"Owner", owner_of(u.owner)},
                                   {"Initiator", owner_of(u.owner)}});
  }
  json::object out;
  out["Bucket"] = b->name;
  out["KeyMarker"] = key_marker;
  out["UploadIdMarker"] = id_marker;
  if (truncated && !all->empty()) {
    out["NextKeyMarker"] = all->back().key;
    out["NextUploadIdMarker"] = all->back().id;
  }
  if (!prefix.empty()) out["Prefix"] = prefix;
  out["MaxUploads"] = max;
  out["IsTruncated"] = truncated;
  if (!uploads.empty()) out["Uploads"] = std::move(uploads);
  return out;
}

}  // namespace nimbus::services::s3
