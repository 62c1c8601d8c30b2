#include "services/s3/cors_rules.h"

#include "common/json_fields.h"
#include "common/text.h"
#include "services/s3/config/cors.h"

namespace nimbus::services::s3 {

namespace {

void element(std::string& out, std::string_view tag, std::string_view text) {
  out += "<" + std::string(tag) + ">";
  xml_escape(out, text, false);
  out += "</" + std::string(tag) + ">";
}

// S3's XML error document for a refused preflight.
CorsRules::Answer refused(int status, std::string_view code, std::string_view message,
                          std::string_view method, std::string_view resource) {
  CorsRules::Answer a;
  a.status = status;
  a.code = std::string(code);
  a.message = std::string(message);
  if (!method.empty()) a.items.emplace_back("Method", std::string(method));
  if (!resource.empty()) a.items.emplace_back("ResourceType", std::string(resource));
  a.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>";
  element(a.body, "Code", code);
  element(a.body, "Message", message);
  for (const auto& [name, value] : a.items) element(a.body, name, value);
  a.body += "</Error>";
  a.headers.emplace_back("Content-Type", "application/xml");
  return a;
}

}  // namespace

bool BucketCors::has_bucket(std::string_view bucket) const {
  auto b = objects_.bucket(bucket);
  return b && b->has_value();
}

std::optional<boost::json::object> BucketCors::configuration(std::string_view bucket) const {
  auto stored = objects_.config(bucket, "cors");
  if (!stored || !*stored || (*stored)->empty()) return std::nullopt;
  return parse_object(**stored);
}

CorsRules::Answer BucketCors::preflight(std::string_view bucket, std::string_view key,
                                        std::string_view origin, std::string_view method,
                                        std::string_view request_headers) const {
  if (origin.empty()) {
    return refused(400, "BadRequest", "Insufficient information. Origin request header needed.", "",
                   "");
  }
  if (method.empty()) {
    return refused(400, "BadRequest", "Invalid Access-Control-Request-Method: null", "", "");
  }
  std::string resource = key.empty() ? "BUCKET" : "OBJECT";
  auto cors = configuration(bucket);
  if (!cors) {
    return refused(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.",
                   method, resource);
  }
  s3config::CorsRequest request{std::string(origin), std::string(method),
                                s3config::split_header_list(request_headers), true};
  auto rule = s3config::match_cors(*cors, request);
  if (!rule) {
    return refused(403, "AccessForbidden",
                   "CORSResponse: This CORS request is not allowed. This is usually because the "
                   "evalution of Origin, request method / Access-Control-Request-Method or "
                   "Access-Control-Request-Headers are not whitelisted by the resource's CORS "
                   "spec.",
                   method, resource);
  }
  Answer a;
  a.headers = s3config::cors_headers(*cors, *rule, request);
  return a;
}

CorsRules::Headers BucketCors::actual(std::string_view bucket, std::string_view origin,
                                      std::string_view method) const {
  if (origin.empty()) return {};
  auto cors = configuration(bucket);
  if (!cors) return {};
  s3config::CorsRequest request{std::string(origin), std::string(method), {}, false};
  auto rule = s3config::match_cors(*cors, request);
  if (!rule) return {};
  return s3config::cors_headers(*cors, *rule, request);
}

}  // namespace nimbus::services::s3
