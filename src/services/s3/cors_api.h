// The edge's view of S3's CORS (server/s3_cors.h): an interface of its
// own rather than part of api.h, which other services include.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::services::s3 {

// CORS as S3 applies a bucket's CORSConfiguration to browsers' requests,
// for the edge: preflights (OPTIONS, unsigned) and the headers of the
// answer to a request that sends Origin. Implemented by the s3 service
// (cors_rules.cc). Any thread; one committed read, never blocks.
class CorsRules {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  struct Answer {
    int status = 200;
    Headers headers;
    std::string body;  // S3's XML error when refused
    // The refusal's parts, for endpoints that answer errors in another
    // form (the website endpoint's HTML pages): Code, Message, and the
    // extra items (Method, ResourceType).
    std::string code;
    std::string message;
    Headers items;
  };
  virtual ~CorsRules() = default;
  // Whether `bucket` exists: requests for other paths are not S3's.
  virtual bool has_bucket(std::string_view bucket) const = 0;
  // OPTIONS on the bucket (`key` empty) or an object: 200 with the matching
  // rule's Access-Control-Allow-* headers, 403 when no rule allows it (or
  // the bucket has no CORS configuration), 400 without Origin or
  // Access-Control-Request-Method.
  virtual Answer preflight(std::string_view bucket, std::string_view key, std::string_view origin,
                           std::string_view method, std::string_view request_headers) const = 0;
  // The headers of the answer to `method` from `origin`: the matching
  // rule's (Access-Control-Allow-Origin, -Expose-Headers, Vary, ...), none
  // when no rule matches.
  virtual Headers actual(std::string_view bucket, std::string_view origin,
                         std::string_view method) const = 0;
};

}  // namespace nimbus::services::s3
