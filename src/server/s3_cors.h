// S3's CORS at the edge: a browser's preflight (OPTIONS with Origin) for a
// bucket or object path is answered from the bucket's CORS configuration
// before signature checks (browsers never sign preflights), and the answer
// to a request that sends Origin gets the matching rule's
// Access-Control-* headers and Vary (services/s3/cors_api.h CorsRules decides).
//
// Only paths that name an existing bucket (path-style, or a virtual-hosted
// Host) are S3's here; anything else goes on to the router unchanged.
// Thread-safe (stateless beyond the rules it asks).
#pragma once

#include <optional>
#include <string>

#include "http/message.h"
#include "services/s3/cors_api.h"

namespace nimbus::server {

// The bucket and key a request addresses (virtual-hosted or path-style).
struct S3Target {
  std::string bucket;
  std::string key;
};
std::optional<S3Target> s3_target(const http::Request& request);

// The preflight's answer, or nullopt when `request` is not an S3 preflight.
std::optional<http::Response> s3_preflight(const services::s3::CorsRules& rules,
                                           const http::Request& request);

// The CORS headers the answer to `request` gets (none without Origin, for
// what is not S3, or when no rule matches).
services::s3::CorsRules::Headers s3_cors_headers(const services::s3::CorsRules& rules,
                                                 const http::Request& request);

}  // namespace nimbus::server
