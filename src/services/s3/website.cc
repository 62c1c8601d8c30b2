#include "services/s3/website.h"

#include "common/request_id.h"
#include "common/time_format.h"
#include "iam/evaluate.h"
#include "services/s3/conditions.h"
#include "services/s3/config/website.h"

namespace nimbus::services::s3 {

namespace json = boost::json;
using s3config::WebsiteAnswer;

namespace {

// The object headers kept by their member names, as HTTP names them.
constexpr std::pair<std::string_view, std::string_view> kHeaders[] = {
    {"ContentType", "Content-Type"},
    {"CacheControl", "Cache-Control"},
    {"ContentDisposition", "Content-Disposition"},
    {"ContentEncoding", "Content-Encoding"},
    {"ContentLanguage", "Content-Language"},
    {"Expires", "Expires"}};

std::string header_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_number()) return http_date(static_cast<int64_t>(v.to_number<double>() * 1000));
  return json::serialize(v);
}

http::Response page(int status, std::string_view code, std::string_view message,
                    const s3config::PageItems& extra = {}) {
  std::string id = new_request_id();
  http::Response r;
  r.status = status;
  r.set_header("Content-Type", "text/html; charset=utf-8");
  r.set_header("x-amz-request-id", id);
  r.body = s3config::website_error_page(status, code, message, id, extra);
  return r;
}

http::Response redirect(int status, std::string location) {
  http::Response r;
  r.status = status;
  r.set_header("Location", std::move(location));
  r.set_header("x-amz-request-id", new_request_id());
  return r;
}

bool readable(const Result<std::optional<ObjectMeta>>& found) {
  return found && *found && !(*found)->delete_marker;
}

}  // namespace

WebsiteServer::WebsiteServer(Environment& env, Engine& engine) : env_(env), engine_(engine) {
  auto mode = env.settings.service_options.find("iam.mode");
  enforce_ = mode != env.settings.service_options.end() && mode->second == "enforce";
}

void WebsiteServer::start() {
  if (env_.user_apis == nullptr) return;
  env_.user_apis->add(UserApi::kS3Website, [this](UserRequest r, UserReply reply) {
    serve(std::move(r), std::move(reply));
  });
}

bool WebsiteServer::allowed(const std::string& bucket, const std::string& action,
                            const std::string& resource) const {
  if (!enforce_) return true;
  auto text = engine_.config(bucket, "policy");
  if (!text || !*text) return false;
  auto policy = iam::parse_policy(**text, iam::PolicyKind::kResource);
  if (!policy) return false;
  iam::RequestContext ctx;
  ctx.action = action;
  ctx.resource = resource;
  return iam::evaluate(ctx, iam::PrincipalPolicies{}, &*policy).decision == iam::Decision::kAllow;
}

void WebsiteServer::serve(UserRequest r, UserReply reply) {
  const std::string& bucket = r.id;
  const std::string& method = r.request.method;
  if (method != "GET" && method != "HEAD" && method != "OPTIONS") {
    return reply(page(405, "MethodNotAllowed",
                      "The specified method is not allowed against this resource.",
                      {{"Method", method}, {"ResourceType", "OBJECT"}}));
  }
  auto found = engine_.bucket(bucket);
  if (!found) return reply(page(500, "InternalError", found.error().message));
  if (!*found) {
    return reply(
        page(404, "NoSuchBucket", "The specified bucket does not exist", {{"BucketName", bucket}}));
  }
  auto text = engine_.config(bucket, "website");
  if (!text) return reply(page(500, "InternalError", text.error().message));
  json::value config;
  if (*text) {
    json::error_code ec;
    config = json::parse(**text, ec);
  }
  if (!*text || !config.is_object()) {
    return reply(page(404, "NoSuchWebsiteConfiguration",
                      "The specified bucket does not have a website configuration",
                      {{"BucketName", bucket}}));
  }
  if (method == "OPTIONS") return preflight(r, std::move(reply));
  // A cross-origin GET or HEAD: the matching CORS rule's headers on
  // whatever the answer is (object, redirect or error), as on the REST
  // endpoint.
  if (std::string_view origin = r.request.header("origin"); !origin.empty()) {
    if (auto cors = cors_.actual(bucket, origin, method); !cors.empty()) {
      reply = [reply = std::move(reply), cors = std::move(cors)](http::Response resp) mutable {
        for (auto& [name, value] : cors) resp.set_header(std::move(name), std::move(value));
        reply(std::move(resp));
      };
    }
  }
  auto exists = [&](const std::string& key) { return readable(engine_.head(bucket, key)); };
  WebsiteAnswer a =
      s3config::resolve_website(config.as_object(), r.path, r.request.header("host"), exists);
  if (a.kind == WebsiteAnswer::Kind::kRedirect) return reply(redirect(a.status, a.location));
  std::string arn = "arn:aws:s3:::" + bucket;
  if (a.kind == WebsiteAnswer::Kind::kObject && a.status == 200) {
    if (allowed(bucket, "s3:GetObject", arn + "/" + a.key)) {
      return serve_object(r, bucket, a.key, 200, std::move(reply));
    }
    a = {WebsiteAnswer::Kind::kError, 403, a.key, ""};
  }
  // A missing key is only told apart from a forbidden one to callers who
  // may list the bucket.
  if (a.status == 404 && !allowed(bucket, "s3:ListBucket", arn)) a.status = 403;
  if (a.kind == WebsiteAnswer::Kind::kObject || a.status == 403) {
    std::string error_key;
    if (const auto* e = config.as_object().if_contains("ErrorDocument"); e && e->is_object()) {
      if (const auto* k = e->as_object().if_contains("Key"); k && k->is_string()) {
        error_key = std::string(k->as_string());
      }
    }
    if (!error_key.empty() && exists(error_key) &&
        allowed(bucket, "s3:GetObject", arn + "/" + error_key)) {
      return serve_object(r, bucket, error_key, a.status, std::move(reply));
    }
  }
  if (a.status == 403) return reply(page(403, "AccessDenied", "Access Denied"));
  reply(page(404, "NoSuchKey", "The specified key does not exist.", {{"Key", a.key}}));
}

void WebsiteServer::preflight(const UserRequest& r, UserReply reply) {
  std::string_view key = r.path;
  if (key.starts_with('/')) key.remove_prefix(1);
  auto a = cors_.preflight(r.id, key, r.request.header("origin"),
                           r.request.header("access-control-request-method"),
                           r.request.header("access-control-request-headers"));
  if (a.status != 200) return reply(page(a.status, a.code, a.message, a.items));
  http::Response resp;
  for (auto& [name, value] : a.headers) resp.set_header(std::move(name), std::move(value));
  resp.set_header("x-amz-request-id", new_request_id());
  reply(std::move(resp));
}

void WebsiteServer::serve_object(const UserRequest& r, const std::string& bucket,
                                 const std::string& key, int status, UserReply reply) {
  auto found = engine_.head(bucket, key);
  if (!readable(found)) {
    return reply(page(404, "NoSuchKey", "The specified key does not exist.", {{"Key", key}}));
  }
  ObjectMeta meta = std::move(**found);
  if (const auto* to = meta.headers.if_contains("WebsiteRedirectLocation");
      to != nullptr && to->is_string() && !to->as_string().empty() && status == 200) {
    return reply(redirect(301, std::string(to->as_string())));
  }
  http::Response resp;
  resp.status = status;
  for (const auto& [member, name] : kHeaders) {
    if (const auto* v = meta.headers.if_contains(member))
      resp.set_header(std::string(name), header_text(*v));
  }
  for (const auto& [k, v] : meta.metadata) {
    resp.set_header("x-amz-meta-" + std::string(k), header_text(v));
  }
  resp.set_header("ETag", meta.etag);
  resp.set_header("Last-Modified", http_date(meta.modified_ms));
  resp.set_header("x-amz-request-id", new_request_id());
  uint64_t offset = 0;
  uint64_t length = meta.size;
  if (status == 200) {
    resp.set_header("Accept-Ranges", "bytes");
    std::string_view inm = r.request.header("if-none-match");
    if (!inm.empty() && etag_matches(inm, meta.etag)) {
      resp.status = 304;
      return reply(std::move(resp));
    }
    ByteRange range = parse_range(r.request.header("range"), meta.size);
    if (range.kind == ByteRange::kUnsatisfiable) {
      return reply(page(416, "InvalidRange", "The requested range is not satisfiable"));
    }
    if (range.kind == ByteRange::kPart) {
      offset = range.offset;
      length = range.length;
      resp.status = 206;
      resp.set_header("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                           std::to_string(offset + length - 1) + "/" +
                                           std::to_string(meta.size));
    }
  }
  if (r.request.method == "HEAD") {
    resp.set_header("Content-Length", std::to_string(length));
    return reply(std::move(resp));
  }
  if (meta.inline_body) {  // in memory already: no file to open on a worker
    resp.body = meta.inline_body->substr(offset, length);
    return reply(std::move(resp));
  }
  auto h = engine_.hold();
  if (!h) return reply(page(503, "ServiceUnavailable", "The server is stopping."));
  env_.workers.post([this, h, meta = std::move(meta), resp = std::move(resp), offset, length,
                     reply = std::move(reply)]() mutable {
    auto stream = engine_.open(meta, offset, length);
    if (!stream) return reply(page(500, "InternalError", stream.error().message));
    resp.stream = std::move(*stream);
    reply(std::move(resp));
  });
}

}  // namespace nimbus::services::s3
