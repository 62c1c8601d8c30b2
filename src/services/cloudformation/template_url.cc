#include "services/cloudformation/template_url.h"

#include <memory>

#include "http/body.h"

namespace nimbus::services::cloudformation {

std::optional<std::pair<std::string, std::string>> s3_location(std::string_view url) {
  std::string_view rest;
  bool s3_scheme = url.starts_with("s3://");
  if (s3_scheme) {
    rest = url.substr(5);
  } else if (url.starts_with("https://") || url.starts_with("http://")) {
    rest = url.substr(url.find("//") + 2);
  } else {
    return std::nullopt;
  }
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view host = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  std::string bucket;
  if (!s3_scheme) {
    // Virtual-hosted: the bucket is what comes before ".s3." / ".s3-".
    for (std::string_view mark : {".s3.", ".s3-"}) {
      if (auto at = host.find(mark); at != std::string_view::npos && at > 0) {
        bucket = std::string(host.substr(0, at));
        break;
      }
    }
  } else {
    bucket = std::string(host);
  }
  if (bucket.empty()) {  // path style
    auto cut = path.find('/');
    if (cut == std::string_view::npos) return std::nullopt;
    bucket = std::string(path.substr(0, cut));
    path = path.substr(cut + 1);
  }
  if (bucket.empty() || path.empty()) return std::nullopt;
  return std::make_pair(bucket, std::string(path));
}

void read_template_url(OperationCalls& calls, CallContext ctx, const std::string& url,
                       std::function<void(Result<std::string>)> done) {
  auto at = s3_location(url);
  if (!at) return done(Error::validation("TemplateURL must be an Amazon S3 URL."));
  ctx.payload = std::make_shared<Payload>();
  auto payload = ctx.payload;
  calls.call(
      "s3", "GetObject", std::move(ctx), {{"Bucket", at->first}, {"Key", at->second}},
      [payload, done = std::move(done)](Output out) {
        if (!out) {
          if (out.error().code == "AccessDenied") {
            return done(Error::validation(
                "TemplateURL must reference a valid S3 object to which you have access."));
          }
          return done(Error::validation("S3 error: " + out.error().message));
        }
        auto sized = [done](Result<std::string> body) {
          if (!body || body->size() <= kMaxTemplateInS3) return done(std::move(body));
          done(Error::validation("Template may not exceed 1000000 bytes in size."));
        };
        if (payload->response == nullptr) {
          const auto* b = out->if_contains("Body");
          return sized(b != nullptr && b->is_string() ? std::string(b->as_string())
                                                      : std::string());
        }
        http::read_all(payload->response, kMaxTemplateInS3, [sized](Result<std::string> body) {
          if (!body && body.error().code == "RequestEntityTooLarge") {
            return sized(Error::validation("Template may not exceed 1000000 bytes in size."));
          }
          if (!body) {
            return sized(Error::validation("S3 error: " + body.error().message));
          }
          sized(std::move(body));
        });
      });
}

}  // namespace nimbus::services::cloudformation
