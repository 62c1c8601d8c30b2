// CorsRules (cors_api.h) over the buckets' stored CORS configurations
// (config/cors.h decides which rule matches).
#pragma once

#include "services/s3/cors_api.h"
#include "services/s3/objects.h"

namespace nimbus::services::s3 {

class BucketCors final : public CorsRules {
 public:
  explicit BucketCors(const Objects& objects) : objects_(objects) {}
  bool has_bucket(std::string_view bucket) const override;
  Answer preflight(std::string_view bucket, std::string_view key, std::string_view origin,
                   std::string_view method, std::string_view request_headers) const override;
  Headers actual(std::string_view bucket, std::string_view origin,
                 std::string_view method) const override;

 private:
  // The bucket's CORSConfiguration; nullopt when it has none.
  std::optional<boost::json::object> configuration(std::string_view bucket) const;

  const Objects& objects_;
};

}  // namespace nimbus::services::s3
