// Object and bucket tags: the x-amz-tagging header, TagSet documents, and
// S3's limits (10 tags per object, 50 per bucket; keys up to 128 characters,
// values up to 256; no key twice).
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "common/result.h"

namespace nimbus::services::s3 {

// "k1=v1&k2=v2" (URL-encoded) -> {k1: v1, k2: v2}; InvalidTag / BadRequest.
Result<boost::json::object> tags_from_header(std::string_view header);
// A TagSet ([{Key, Value}]) -> {key: value}, checked; `limit` tags at most.
Result<boost::json::object> tags_from_set(const boost::json::value* tag_set, size_t limit);
// {key: value} -> [{Key, Value}] in key order.
boost::json::array tag_set(const boost::json::object& tags);

}  // namespace nimbus::services::s3
