// GetObjectAttributes: ETag, Checksum, ObjectParts, StorageClass and
// ObjectSize of a version, only those asked for (x-amz-object-attributes).
#include <set>

#include "common/json_fields.h"
#include "services/s3/checksums.h"
#include "services/s3/errors.h"
#include "services/s3/s3_service.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

const std::set<std::string, std::less<>> kAttributes = {"ETag", "Checksum", "ObjectParts",
                                                        "StorageClass", "ObjectSize"};

// The ObjectParts page of a multipart object: parts numbered above
// PartNumberMarker, at most MaxParts (1000 by default).
Result<json::object> object_parts(const ObjectMeta& m, const json::object& in) {
  int64_t max_parts = integer(in, "MaxParts").value_or(1000);
  int64_t marker = integer(in, "PartNumberMarker").value_or(0);
  if (max_parts < 0) {
    return errors::invalid_argument("Argument max-parts must be an integer between 0 and 1000",
                                    "max-parts", std::to_string(max_parts));
  }
  json::object out;
  out["TotalPartsCount"] = m.pieces.size();
  out["PartNumberMarker"] = marker;
  out["MaxParts"] = max_parts;
  json::array parts;
  int64_t last = marker;
  bool truncated = false;
  for (size_t i = 0; i < m.pieces.size(); ++i) {
    const Piece& p = m.pieces[i];
    int64_t number = p.number > 0 ? p.number : static_cast<int64_t>(i + 1);
    if (number <= marker) continue;
    if (static_cast<int64_t>(parts.size()) == std::min<int64_t>(max_parts, 1000)) {
      truncated = true;
      break;
    }
    json::object part{{"PartNumber", number}, {"Size", p.size}};
    if (!p.checksum.empty() && !m.checksum_algorithm.empty()) {
      part[checksum_member(m.checksum_algorithm)] = p.checksum;
    }
    parts.push_back(std::move(part));
    last = number;
  }
  out["IsTruncated"] = truncated;
  out["NextPartNumberMarker"] = last;
  if (!parts.empty()) out["Parts"] = std::move(parts);
  return out;
}

}  // namespace

Output S3Service::get_object_attributes(const CallContext&, const json::object& in) const {
  auto b = existing_bucket(in);
  if (!b) return b.take_error();
  std::string key = str(in, "Key");
  std::string version = str(in, "VersionId");
  std::set<std::string, std::less<>> asked;
  if (const auto* a = in.if_contains("ObjectAttributes"); a && a->is_array()) {
    for (const auto& v : a->as_array()) {
      std::string name = v.is_string() ? std::string(v.as_string()) : "";
      // A header list may come as one comma-separated value.
      size_t at = 0;
      while (at <= name.size()) {
        size_t comma = name.find(',', at);
        std::string one =
            name.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        while (!one.empty() && one.front() == ' ') one.erase(0, 1);
        while (!one.empty() && one.back() == ' ') one.pop_back();
        if (!kAttributes.contains(one)) {
          return errors::invalid_argument("Invalid attribute name specified.",
                                          "x-amz-object-attributes", one);
        }
        asked.insert(one);
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    }
  }
  if (asked.empty()) {
    return errors::invalid_argument("Empty Object Attributes", "x-amz-object-attributes", "");
  }
  if (!version.empty() && !valid_version_id(version)) return errors::invalid_version_id(version);
  auto found = engine_.head(b->name, key, version);
  if (!found) return found.take_error();
  if (!*found) {
    if (!version.empty()) return errors::no_such_version(key, version);
    return errors::no_such_key(key);
  }
  const ObjectMeta& m = **found;
  if (m.delete_marker) {
    if (!version.empty()) return errors::method_not_allowed_marker("GET", version);
    return errors::no_such_key_marker(key, m.version_id);
  }
  json::object out;
  out["LastModified"] = static_cast<double>(m.modified_ms / 1000);
  if (m.version_id != "null") out["VersionId"] = m.version_id;
  if (asked.contains("ETag")) out["ETag"] = m.etag.substr(1, m.etag.size() - 2);
  if (asked.contains("StorageClass")) out["StorageClass"] = "STANDARD";
  if (asked.contains("ObjectSize")) out["ObjectSize"] = m.size;
  if (asked.contains("Checksum") && !m.checksum_algorithm.empty()) {
    // A multipart object's checksum is given without its "-N" here.
    std::string value = m.checksum.substr(0, m.checksum.find('-'));
    out["Checksum"] = json::object{{checksum_member(m.checksum_algorithm), value},
                                   {"ChecksumType", checksum_type(m.checksum)}};
  }
  if (asked.contains("ObjectParts") && !m.pieces.empty()) {
    auto parts = object_parts(m, in);
    if (!parts) return parts.take_error();
    out["ObjectParts"] = std::move(*parts);
  }
  return out;
}

}  // namespace nimbus::services::s3
