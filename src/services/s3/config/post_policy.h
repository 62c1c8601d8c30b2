// Browser POST uploads: the policy document (base64 JSON with expiration and
// conditions) and its conditions checked against the form's fields, with
// S3's errors: InvalidPolicyDocument for a policy S3 cannot read,
// AccessDenied "Invalid according to Policy: ..." for one the form breaks,
// EntityTooSmall / EntityTooLarge for content-length-range.
//
// Signatures are not checked here (the service verifies the form's
// x-amz-signature over the policy text with the caller's key).
//
// Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::s3config {

namespace json = boost::json;

struct PostPolicy {
  int64_t expiration_ms = 0;
  json::array conditions;
  std::optional<int64_t> min_length, max_length;  // content-length-range
};

// Decodes and checks the form's `policy` field.
Result<PostPolicy> parse_post_policy(std::string_view base64_policy);

// The form's fields, names lower-cased (S3 compares them case-insensitively),
// the "file" part excluded.
using FormFields = std::map<std::string, std::string>;

// Checks `fields` against `policy` for an upload into `bucket` at `now_ms`:
// not expired, every condition met, every field (but policy, the signature
// and x-ignore-*) named by a condition.
Status check_post_policy(const PostPolicy& policy, const FormFields& fields,
                         std::string_view bucket, int64_t now_ms);
// The uploaded file's size against content-length-range.
Status check_post_length(const PostPolicy& policy, int64_t size);

// An ISO 8601 UTC time (2026-12-04T10:00:00Z, .fff optional) in epoch ms.
std::optional<int64_t> parse_iso8601(std::string_view text);
// An HTTP date (RFC 9110's IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"), as
// a form's Expires field carries it, in epoch ms.
std::optional<int64_t> parse_http_date(std::string_view text);

}  // namespace nimbus::s3config
