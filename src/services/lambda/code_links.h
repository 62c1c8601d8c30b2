// Download links for deployment packages: GetFunction's Code.Location and
// GetLayerVersion's Content.Location. AWS answers a presigned S3 URL that
// is valid for ten minutes; nimbus answers a link to itself,
//
//   {endpoint}/_aws/lambda-code/{sha256 hex}?Expires={unix seconds}&Signature={hex}
//
// signed with HMAC-SHA256 under a key made when the process starts (a link
// outlives neither its ten minutes nor the process, as short-lived links
// may), and serves the zip from the code's durable blob
// (server/user_routes.h routes the path; code_download.cc answers).
//
// Thread-safe: immutable after construction.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"

namespace nimbus::services::lambda {

class CodeLinks {
 public:
  static constexpr int64_t kValidSeconds = 600;

  // A random key.
  explicit CodeLinks(const Clock& clock);
  CodeLinks(const Clock& clock, std::string key) : clock_(clock), key_(std::move(key)) {}

  // The link to code `sha` (a SHA-256 hex), valid from now for kValidSeconds.
  std::string link(std::string_view endpoint, std::string_view sha) const;

  enum class Check { kValid, kExpired, kBadSignature };
  // Whether `query` (the link's query string) signs `sha` and has not expired.
  Check check(std::string_view sha, std::string_view query) const;

 private:
  std::string signature(std::string_view sha, int64_t expires) const;

  const Clock& clock_;
  std::string key_;
};

}  // namespace nimbus::services::lambda
