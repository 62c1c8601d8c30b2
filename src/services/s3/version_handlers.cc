// PutBucketVersioning, GetBucketVersioning, ListObjectVersions.
#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/s3/errors.h"
#include "services/s3/list_params.h"
#include "services/s3/names.h"
#include "services/s3/s3_service.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

void S3Service::put_bucket_versioning(const CallContext&, json::object in, Respond respond) {
  if (auto b = existing_bucket(in); !b) return respond(b.take_error());
  const json::object* config = nullptr;
  if (const auto* c = in.if_contains("VersioningConfiguration"); c && c->is_object()) {
    config = &c->as_object();
  }
  std::string status = config != nullptr ? str(*config, "Status") : "";
  if (status != "Enabled" && status != "Suspended") return respond(errors::malformed_xml());
  std::string mfa = config != nullptr ? str(*config, "MFADelete") : "";
  if (!mfa.empty() && mfa != "Disabled" && mfa != "Enabled") {
    return respond(errors::malformed_xml());
  }
  if (mfa == "Enabled") {
    // MFA delete needs the root account's MFA device (x-amz-mfa), which
    // this server has no notion of.
    return respond(errors::invalid_request("MFA delete is not supported on this server."));
  }
  engine_.set_versioning(str(in, "Bucket"), std::move(status),
                         [respond = std::move(respond)](Status st) {
                           if (!st) return respond(st.take_error());
                           respond(json::object{});
                         });
}

Output S3Service::get_bucket_versioning(const CallContext&, const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  json::object out;
  if (!b->versioning.empty()) {
    out["Status"] = b->versioning;
    out["MFADelete"] = "Disabled";
  }
  return out;
}

Output S3Service::list_object_versions(const CallContext&, const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  auto params = list_params(in);
  if (!params) return params.take_error();
  auto& [prefix, delimiter, encoding, max_keys, limit] = *params;
  std::string key_marker = str(in, "KeyMarker");
  std::string version_marker = str(in, "VersionIdMarker");
  if (!version_marker.empty() && key_marker.empty()) {
    return errors::invalid_argument("A version-id marker cannot be specified without a key marker.",
                                    "version-id-marker", version_marker);
  }
  if (!version_marker.empty() && !valid_version_id(version_marker)) {
    return errors::invalid_version_id(version_marker);
  }
  bool encode = encoding == "url";
  auto enc = [&](std::string_view s) { return encode ? percent_encode(s, true) : std::string(s); };
  json::object owner{{"ID", b->owner}, {"DisplayName", "nimbus"}};

  json::array versions, markers, prefixes;
  std::string next_key, next_version;
  bool truncated = false;
  size_t count = 0;
  std::string cursor = key_marker;
  std::string cursor_version = version_marker;
  // A key marker that is a common prefix continues after all its keys.
  if (!delimiter.empty() && key_marker.starts_with(prefix) && key_marker.size() > prefix.size() &&
      key_marker.find(delimiter, prefix.size()) + delimiter.size() == key_marker.size()) {
    cursor = past(key_marker);
    cursor_version.clear();
  }
  bool done = limit == 0;
  while (!done) {
    auto page = engine_.versions(b->name, prefix, cursor, cursor_version, limit - count + 1);
    if (!page) return page.take_error();
    bool restarted = false;
    for (auto& v : page->entries) {
      const ObjectMeta& m = v.meta;
      if (count == limit) {
        truncated = true;
        done = true;
        break;
      }
      if (!delimiter.empty()) {
        auto at = m.key.find(delimiter, prefix.size());
        if (at != std::string::npos) {
          std::string cp = m.key.substr(0, at + delimiter.size());
          prefixes.push_back(json::object{{"Prefix", enc(cp)}});
          ++count;
          next_key = cp;
          next_version.clear();
          cursor = past(cp);  // the prefix's other keys roll into it
          cursor_version.clear();
          restarted = true;
          break;
        }
      }
      json::object e;
      e["Key"] = enc(m.key);
      e["VersionId"] = m.version_id;
      e["IsLatest"] = v.latest;
      e["LastModified"] = static_cast<double>(m.modified_ms) / 1000.0;
      e["Owner"] = owner;
      if (m.delete_marker) {
        markers.push_back(std::move(e));
      } else {
        e["ETag"] = m.etag;
        e["Size"] = m.size;
        e["StorageClass"] = "STANDARD";
        versions.push_back(std::move(e));
      }
      ++count;
      next_key = m.key;
      next_version = m.version_id;
      cursor = m.key;
      cursor_version = m.version_id;
    }
    if (!restarted && !page->truncated) done = true;
  }

  json::object out;
  out["Name"] = b->name;
  out["Prefix"] = enc(prefix);
  if (!delimiter.empty()) out["Delimiter"] = enc(delimiter);
  out["MaxKeys"] = max_keys;
  if (!encoding.empty()) out["EncodingType"] = encoding;
  out["KeyMarker"] = enc(key_marker);
  out["VersionIdMarker"] = version_marker;
  out["IsTruncated"] = truncated;
  if (truncated) {
    out["NextKeyMarker"] = enc(next_key);
    if (!next_version.empty()) out["NextVersionIdMarker"] = next_version;
  }
  if (!versions.empty()) out["Versions"] = std::move(versions);
  if (!markers.empty()) out["DeleteMarkers"] = std::move(markers);
  if (!prefixes.empty()) out["CommonPrefixes"] = std::move(prefixes);
  return out;
}

}  // namespace nimbus::services::s3
