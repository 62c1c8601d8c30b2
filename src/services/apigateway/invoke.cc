#include "services/apigateway/invoke.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "services/apigateway/gateway_responses.h"

namespace nimbus::services::apigateway {

http::Response gateway_error(int status, const std::string& message) {
  http::Response resp;
  resp.status = status;
  resp.set_header("Content-Type", "application/json");
  resp.body = boost::json::serialize(boost::json::object{{"message", message}});
  mark_gateway_error(resp);
  return resp;
}

std::string lambda_function_of(const std::string& uri) {
  constexpr std::string_view kPath = ":lambda:path/2015-03-31/functions/";
  size_t at = uri.find(kPath);
  if (!uri.starts_with("arn:aws:apigateway:") || at == std::string::npos) return uri;
  std::string rest = uri.substr(at + kPath.size());
  if (size_t end = rest.find("/invocations"); end != std::string::npos) rest.resize(end);
  return rest;
}

std::string authorizer_source_arn(const std::string& region, const std::string& account,
                                  const std::string& api, const std::string& authorizer) {
  return "arn:aws:execute-api:" + region + ":" + account + ":" + api + "/authorizers/" + authorizer;
}

std::string domain_name(const UserRequest& r) {
  std::string host = http::to_lower(r.request.header("host"));
  if (size_t colon = host.rfind(':'); colon != std::string::npos) host.resize(colon);
  if (host.starts_with(http::to_lower(r.id) + ".")) return host;
  return r.id + (r.api == UserApi::kFunctionUrl ? ".lambda-url." + r.region : ".execute-api") +
         ".localhost";
}

void with_body(const std::shared_ptr<UserRequest>& r, size_t limit,
               std::function<void(std::optional<http::Response>)> then) {
  if (!r->request.stream) {
    if (r->request.body.size() > limit) return then(gateway_error(413, "Request Entity Too Large"));
    return then(std::nullopt);
  }
  auto stream = std::move(r->request.stream);
  http::read_all(std::move(stream), limit, [r, then = std::move(then)](Result<std::string> body) {
    if (!body) return then(gateway_error(413, "Request Entity Too Large"));
    r->request.body = std::move(*body);
    then(std::nullopt);
  });
}

void call_function(lambda::Functions* functions, const std::string& function, std::string event,
                   const std::string& request_id, const std::string& source_arn,
                   std::function<void(Result<lambda::SyncResult>)> done) {
  if (functions == nullptr) {
    return done(Error::internal("Lambda is not served"));
  }
  functions->invoke_sync(
      {function, std::move(event), request_id, source_arn},
      [request_id, source_arn, done = std::move(done)](Result<lambda::SyncResult> r) {
        if (!r && r.error().code == "AccessDenied") {
          spdlog::warn(
              "({}) {}: Execution failed due to configuration error: Invalid permissions on "
              "Lambda function",
              request_id, source_arn);
        }
        done(std::move(r));
      });
}

}  // namespace nimbus::services::apigateway
