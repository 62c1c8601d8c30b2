#include "server/user_routes.h"

#include <string_view>

namespace nimbus::server {

namespace {

constexpr std::string_view kLocal = ".localhost";
constexpr std::string_view kAws = ".amazonaws.com";
constexpr std::string_view kPathPrefix = "/_aws/execute-api/";
constexpr std::string_view kCodePrefix = "/_aws/lambda-code/";

// A DNS label of an id (apiId, urlId, bucket): not empty, no dots.
bool is_label(std::string_view s) {
  return !s.empty() && s.find('.') == std::string_view::npos;
}

// "abc.execute-api.us-east-1.localhost" -> id "abc", region "us-east-1".
// `service` is "execute-api" or "lambda-url"; region_required says whether
// the region label must be there.
bool split_host(std::string_view host, std::string_view service, bool region_required,
                std::string& id, std::string& region) {
  size_t dot = host.find('.');
  if (dot == std::string_view::npos || !is_label(host.substr(0, dot))) return false;
  std::string_view rest = host.substr(dot + 1);
  if (!rest.starts_with(service)) return false;
  rest.remove_prefix(service.size());
  if (rest == kLocal) {
    if (region_required) return false;
  } else {
    if (!rest.starts_with(".") || !rest.ends_with(kLocal)) return false;
    std::string_view r = rest.substr(1, rest.size() - 1 - kLocal.size());
    if (!is_label(r)) return false;
    region = std::string(r);
  }
  id = std::string(host.substr(0, dot));
  return true;
}

// {bucket}.s3-website.localhost, -{region}.localhost or .{region}.localhost,
// and the same with .amazonaws.com (with a region) as AWS names them.
// Bucket names may hold dots, so the suffix is matched from the right.
bool split_website(std::string_view host, std::string& bucket, std::string& region) {
  size_t at = host.rfind(".s3-website");
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view rest = host.substr(at + 11);  // after ".s3-website"
  std::string_view suffix = rest.ends_with(kAws) ? kAws : kLocal;
  if (rest != kLocal) {
    if (rest.size() <= suffix.size() + 1 || (rest[0] != '-' && rest[0] != '.') ||
        !rest.ends_with(suffix)) {
      return false;
    }
    std::string_view r = rest.substr(1, rest.size() - 1 - suffix.size());
    if (!is_label(r)) return false;
    region = std::string(r);
  }
  bucket = std::string(host.substr(0, at));
  return true;
}

}  // namespace

void UserRoutes::add(UserApi api, UserHandler handler) {
  handlers_[static_cast<size_t>(api)] = std::move(handler);
}

std::optional<UserRequest> UserRoutes::match(const http::Request& request) const {
  UserRequest out;
  out.region = region_;
  std::string_view path = request.path();
  if (path.starts_with(kPathPrefix)) {
    std::string_view rest = path.substr(kPathPrefix.size());
    size_t slash = rest.find('/');
    std::string_view id = rest.substr(0, slash);
    if (!is_label(id)) return std::nullopt;
    out.api = UserApi::kExecuteApi;
    out.id = std::string(id);
    out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    return out;
  }
  if (path.starts_with(kCodePrefix)) {
    std::string_view id = path.substr(kCodePrefix.size());
    if (!is_label(id.ends_with(".zip") ? id.substr(0, id.size() - 4) : id)) return std::nullopt;
    out.api = UserApi::kLambdaCode;
    out.id = std::string(id);
    out.path = std::string(path);
    return out;
  }
  std::string host = http::to_lower(request.header("host"));
  if (size_t colon = host.rfind(':'); colon != std::string::npos) host.resize(colon);
  if (host.ends_with(kAws)) {
    if (!split_website(host, out.id, out.region)) return std::nullopt;
    out.api = UserApi::kS3Website;
  } else if (!host.ends_with(kLocal)) {
    return std::nullopt;
  } else if (split_host(host, "execute-api", false, out.id, out.region)) {
    out.api = UserApi::kExecuteApi;
  } else if (split_host(host, "lambda-url", true, out.id, out.region)) {
    out.api = UserApi::kFunctionUrl;
  } else if (split_website(host, out.id, out.region)) {
    out.api = UserApi::kS3Website;
  } else {
    return std::nullopt;
  }
  out.path = std::string(path.empty() ? "/" : path);
  return out;
}

bool UserRoutes::dispatch(http::Request& request, http::Reply& reply) const {
  auto route = match(request);
  if (!route) return false;
  route->request = std::move(request);
  call(std::move(*route), std::move(reply));
  return true;
}

void UserRoutes::call(UserRequest request, UserReply reply) const {
  const UserHandler& handler = handlers_[static_cast<size_t>(request.api)];
  if (!handler) {
    http::Response r;
    r.status = 404;
    r.set_header("Content-Type", "application/json");
    r.body = R"({"message":"No user API of this kind is served by this nimbus"})";
    return reply(std::move(r));
  }
  handler(std::move(request), std::move(reply));
}

}  // namespace nimbus::server
