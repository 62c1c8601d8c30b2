// ListObjectsV2 and ListObjects (V1): prefix, delimiter and common prefixes,
// MaxKeys, StartAfter / Marker / ContinuationToken, EncodingType=url,
// FetchOwner, in UTF-8 binary order of the key.
#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/s3/errors.h"
#include "services/s3/list_params.h"
#include "services/s3/names.h"
#include "services/s3/s3_service.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

struct Listing {
  json::array contents;
  json::array prefixes;
  bool truncated = false;
  std::string last;  // the last key or common prefix returned
};

}  // namespace

Result<json::object> S3Service::list_objects(const CallContext&, const json::object& in,
                                             bool v2) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  auto params = list_params(in);
  if (!params) return params.take_error();
  auto& [prefix, delimiter, encoding, max_keys, limit] = *params;
  std::string after = v2 ? str(in, "StartAfter") : str(in, "Marker");
  std::string token = str(in, "ContinuationToken");
  if (v2 && has(in, "ContinuationToken")) {
    auto decoded = base64_decode(token);
    if (!decoded || decoded->empty()) {
      return errors::invalid_argument("The continuation token provided is incorrect",
                                      "continuation-token", token);
    }
    after = std::move(*decoded);
  }
  bool owner = !v2 || boolean(in, "FetchOwner").value_or(false);
  bool encode = encoding == "url";
  auto enc = [&](std::string_view s) { return encode ? percent_encode(s, true) : std::string(s); };

  Listing l;
  std::string cursor = after;
  // A marker that is a common prefix (the last entry of a page) continues
  // after every key it stands for.
  if (!delimiter.empty() && after.starts_with(prefix) && after.size() > prefix.size() &&
      after.find(delimiter, prefix.size()) + delimiter.size() == after.size()) {
    cursor = past(after);
  }
  bool done = limit == 0;
  while (!done) {
    auto page = engine_.list(b->name, prefix, cursor, std::max<size_t>(limit + 1, 100));
    if (!page) return page.take_error();
    bool restarted = false;
    for (auto& o : page->objects) {
      if (o.delete_marker) {  // a key whose latest version is a marker is not listed
        cursor = o.key;
        continue;
      }
      std::string cp;
      if (!delimiter.empty()) {
        auto at = o.key.find(delimiter, prefix.size());
        if (at != std::string::npos) cp = o.key.substr(0, at + delimiter.size());
      }
      if (l.contents.size() + l.prefixes.size() == limit) {
        l.truncated = true;
        done = true;
        break;
      }
      if (!cp.empty()) {
        l.prefixes.push_back(json::object{{"Prefix", enc(cp)}});
        l.last = cp;
        cursor = past(cp);  // the prefix's other keys roll into it
        restarted = true;
        break;
      }
      json::object e;
      e["Key"] = enc(o.key);
      e["LastModified"] = static_cast<double>(o.modified_ms) / 1000.0;
      e["ETag"] = o.etag;
      e["Size"] = o.size;
      e["StorageClass"] = "STANDARD";
      if (owner) e["Owner"] = json::object{{"ID", b->owner}, {"DisplayName", "nimbus"}};
      l.contents.push_back(std::move(e));
      l.last = o.key;
      cursor = o.key;
    }
    if (!restarted && !page->truncated) done = true;
  }

  json::object out;
  out["Name"] = b->name;
  out["Prefix"] = enc(prefix);
  if (!delimiter.empty()) out["Delimiter"] = enc(delimiter);
  out["MaxKeys"] = max_keys;
  if (!encoding.empty()) out["EncodingType"] = encoding;
  out["IsTruncated"] = l.truncated;
  size_t count = l.contents.size() + l.prefixes.size();
  if (!l.contents.empty()) out["Contents"] = std::move(l.contents);
  if (!l.prefixes.empty()) out["CommonPrefixes"] = std::move(l.prefixes);
  if (v2) {
    out["KeyCount"] = count;
    if (has(in, "ContinuationToken")) out["ContinuationToken"] = token;
    if (has(in, "StartAfter")) out["StartAfter"] = enc(str(in, "StartAfter"));
    if (l.truncated) out["NextContinuationToken"] = base64_encode(l.last);
  } else {
    out["Marker"] = enc(str(in, "Marker"));
    if (l.truncated && !delimiter.empty()) out["NextMarker"] = enc(l.last);
  }
  return out;
}

Output S3Service::list_objects_v2(const CallContext& ctx, const json::object& in) const {
  return list_objects(ctx, in, true);
}

Output S3Service::list_objects_v1(const CallContext& ctx, const json::object& in) const {
  return list_objects(ctx, in, false);
}

}  // namespace nimbus::services::s3
