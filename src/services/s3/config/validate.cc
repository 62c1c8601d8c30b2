#include "services/s3/config/validate.h"

#include <algorithm>
#include <array>
#include <set>
#include <string>

#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/s3/config/errors.h"

namespace nimbus::s3config {

namespace {

const json::array* array_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

Status check_wildcards(const json::array* values, const char* what) {
  if (values == nullptr) return Status::ok();
  for (const auto& v : *values) {
    if (!v.is_string()) return malformed_xml();
    std::string_view s = v.get_string();
    if (std::count(s.begin(), s.end(), '*') > 1) {
      return invalid_request(std::string(what) + " \"" + std::string(s) +
                             "\" can not have more than one wildcard.");
    }
  }
  return Status::ok();
}

}  // namespace

Status validate_cors(const json::object& cors) {
  const auto* rules = array_at(cors, "CORSRules");
  if (rules == nullptr || rules->empty()) return malformed_xml();
  if (rules->size() > 100) {
    return invalid_request(
        "The number of CORS rules should not exceed allowed limit of 100 rules.");
  }
  for (const auto& r : *rules) {
    if (!r.is_object()) return malformed_xml();
    const auto& rule = r.get_object();
    const auto* methods = array_at(rule, "AllowedMethods");
    const auto* origins = array_at(rule, "AllowedOrigins");
    if (methods == nullptr || methods->empty() || origins == nullptr || origins->empty()) {
      return malformed_xml();
    }
    for (const auto& m : *methods) {
      if (!m.is_string()) return malformed_xml();
      if (!one_of(m.get_string(), {"GET", "PUT", "HEAD", "POST", "DELETE"})) {
        return invalid_request(
            "Found unsupported HTTP method in CORS config. Unsupported method is " +
            std::string(m.get_string()));
      }
    }
    NIMBUS_TRY(check_wildcards(origins, "AllowedOrigin"));
    NIMBUS_TRY(check_wildcards(array_at(rule, "AllowedHeaders"), "AllowedHeader"));
    if (str(rule, "ID").size() > 255) {
      return invalid_argument("ID length should not exceed allowed limit of 255", "ID",
                              str(rule, "ID"));
    }
    auto age = integer(rule, "MaxAgeSeconds");
    if (has(rule, "MaxAgeSeconds") && (!age || *age < 0)) return malformed_xml();
  }
  return Status::ok();
}

Status validate_tag_set(const json::object& tagging, std::size_t max_tags) {
  const auto* tags = array_at(tagging, "TagSet");
  if (tags == nullptr) return malformed_xml();
  if (tags->size() > max_tags) {
    return invalid_tag(max_tags == 50
                           ? "Bucket tag count cannot be greater than 50"
                           : "Object tags cannot be greater than " + std::to_string(max_tags));
  }
  std::set<std::string> keys;
  for (const auto& t : *tags) {
    if (!t.is_object() || !t.get_object().contains("Key") || !t.get_object().contains("Value")) {
      return malformed_xml();
    }
    std::string key = str(t.get_object(), "Key");
    std::string value = str(t.get_object(), "Value");
    if (key.empty() || key.size() > 128) {
      return invalid_tag("The TagKey you have provided is invalid");
    }
    if (value.size() > 256) return invalid_tag("The TagValue you have provided is invalid");
    if (reserved_tag_key(key)) {
      return invalid_tag("System tags cannot be added/updated by requester");
    }
    if (!keys.insert(key).second) {
      return invalid_tag("Cannot provide multiple Tags with the same key");
    }
  }
  return Status::ok();
}

Status validate_ownership_controls(const json::object& controls) {
  const auto* rules = array_at(controls, "Rules");
  if (rules == nullptr || rules->size() != 1 || !(*rules)[0].is_object()) return malformed_xml();
  std::string owner = str((*rules)[0].get_object(), "ObjectOwnership");
  if (!one_of(owner, {"BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"})) {
    return malformed_xml();
  }
  return Status::ok();
}

Status validate_encryption(const json::object& config) {
  const auto* rules = array_at(config, "Rules");
  if (rules == nullptr || rules->empty()) return malformed_xml();
  for (const auto& r : *rules) {
    if (!r.is_object()) return malformed_xml();
    const auto* by_default = r.get_object().if_contains("ApplyServerSideEncryptionByDefault");
    if (by_default == nullptr) continue;  // BucketKeyEnabled alone
    if (!by_default->is_object()) return malformed_xml();
    std::string algorithm = str(by_default->get_object(), "SSEAlgorithm");
    if (!one_of(algorithm, {"AES256", "aws:kms", "aws:kms:dsse"})) return malformed_xml();
    if (algorithm == "AES256" && has(by_default->get_object(), "KMSMasterKeyID")) {
      return invalid_argument(
          "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or "
          "aws:kms:dsse",
          "ApplyServerSideEncryptionByDefault", "");
    }
  }
  return Status::ok();
}

Status validate_accelerate(const json::object& config, std::string_view bucket) {
  if (!one_of(str(config, "Status"), {"Enabled", "Suspended"})) return malformed_xml();
  if (bucket.find('.') != std::string_view::npos) {
    return invalid_request(
        "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names");
  }
  return Status::ok();
}

Status validate_request_payment(const json::object& config) {
  if (!one_of(str(config, "Payer"), {"Requester", "BucketOwner"})) return malformed_xml();
  return Status::ok();
}

}  // namespace nimbus::s3config
