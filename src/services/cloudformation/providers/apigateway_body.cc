// The OpenAPI document of an API resource: inline (Body) or in nimbus's S3
// (BodyS3Location), read through S3's own GetObject.
#include <memory>

#include "common/json_fields.h"
#include "http/body.h"
#include "services/cloudformation/providers/apigateway_util.h"

namespace nimbus::services::cloudformation::providers::apigw {

namespace {

constexpr size_t kMaxDocument = 6 * 1024 * 1024;

}  // namespace

void api_body(const ResourceRequest& r, std::function<void(Result<std::string>)> done) {
  if (const auto* body = r.properties.if_contains("Body")) {
    return done(body->is_string() ? std::string(body->as_string()) : json::serialize(*body));
  }
  const auto* at = r.properties.if_contains("BodyS3Location");
  if (at == nullptr || !at->is_object()) {
    return done(Error::make("ValidationError", "BodyS3Location must be an object"));
  }
  const auto& loc = at->as_object();
  json::object in{{"Bucket", str(loc, "Bucket")}, {"Key", str(loc, "Key")}};
  if (has(loc, "Version")) in["VersionId"] = provide::text(loc.at("Version"));
  // A context of its own: the object's bytes come back as its payload.
  CallContext ctx = r.ctx;
  ctx.payload = std::make_shared<Payload>();
  auto payload = ctx.payload;
  r.calls->call(
      "s3", "GetObject", std::move(ctx), std::move(in),
      [payload, loc, done = std::move(done)](Output out) {
        if (!out) {
          Error e = out.take_error();
          return done(Error::make(
              "ValidationError", "Unable to read the API definition at s3://" + str(loc, "Bucket") +
                                     "/" + str(loc, "Key") + ": " + e.code + ": " + e.message));
        }
        if (payload->response == nullptr) {
          const auto* b = out->if_contains("Body");
          return done(b != nullptr && b->is_string() ? std::string(b->as_string()) : std::string());
        }
        http::read_all(payload->response, kMaxDocument, done);
      });
}

}  // namespace nimbus::services::cloudformation::providers::apigw
