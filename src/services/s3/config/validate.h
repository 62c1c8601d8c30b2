// Checks of bucket configuration documents as S3 makes them on Put*, with
// S3's error codes and messages. A document is the operation's payload
// member as the protocol engine parsed it (PutBucketCors: the
// CORSConfiguration object); ok means it may be stored and returned as is.
// Lifecycle, website and notification documents are checked by their own
// headers (lifecycle.h, website.h, notification.h), which also apply them.
//
// Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace nimbus::s3config {

namespace json = boost::json;

// CORSConfiguration: 1 to 100 rules, methods GET/PUT/HEAD/POST/DELETE, at
// most one '*' per origin and per header.
Status validate_cors(const json::object& cors);

// Tagging (bucket: at most 50 tags) or an object's (at most 10): keys of 1 to
// 128 characters and values of at most 256, unique keys, no "aws:" keys.
Status validate_tag_set(const json::object& tagging, std::size_t max_tags);
inline Status validate_bucket_tagging(const json::object& tagging) {
  return validate_tag_set(tagging, 50);
}

// A bucket policy document (JSON text) for `bucket`: Version, Statement with
// Effect, Principal, Action (s3:...), Resource (this bucket's ARNs).
Status validate_bucket_policy(std::string_view policy, std::string_view bucket);

// OwnershipControls: one rule, ObjectOwnership one of S3's three values.
Status validate_ownership_controls(const json::object& controls);
// ServerSideEncryptionConfiguration: rules with a known SSEAlgorithm.
Status validate_encryption(const json::object& config);
// AccelerateConfiguration: Status Enabled or Suspended; no dots in the name.
Status validate_accelerate(const json::object& config, std::string_view bucket);
// RequestPaymentConfiguration: Payer Requester or BucketOwner.
Status validate_request_payment(const json::object& config);

}  // namespace nimbus::s3config
