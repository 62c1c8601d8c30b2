// Routes for the APIs users build on nimbus, which bypass the AWS protocol
// engine: API Gateway invoke URLs, Lambda function URLs and S3 website
// endpoints. Each kind of user API has one handler, registered by the
// service that owns it; the handler finds the API by its id and answers in
// plain HTTP (no SigV4, no AWS error shapes).
//
// What addresses a user API (host names any case, any port):
//   {apiId}.execute-api.localhost, {apiId}.execute-api.{region}.localhost,
//   and the path /_aws/execute-api/{apiId}/...      -> kExecuteApi
//   {urlId}.lambda-url.{region}.localhost           -> kFunctionUrl
//   {bucket}.s3-website.localhost, {bucket}.s3-website-{region}.localhost,
//   {bucket}.s3-website.{region}.localhost,
//   {bucket}.s3-website-{region}.amazonaws.com,
//   {bucket}.s3-website.{region}.amazonaws.com      -> kS3Website
//   the path /_aws/lambda-code/{sha256}[.zip]       -> kLambdaCode (any host)
// None of these can be an AWS API request: SDKs address localhost, an IP
// or {bucket}.s3[.{region}].localhost (AWS's website hosts are not API
// hosts either), and "_aws" is not a valid bucket
// name, so no path-style S3 request starts with /_aws/.
//
// Thread-safety: add() during start-up, before the edge listens; match()
// and dispatch() are then called from every event loop at once.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>

#include "http/server.h"
#include "services/service.h"

namespace nimbus::server {

// The types are the services' (services/service.h), which add the handlers.
using services::UserApi;
using services::UserHandler;
using services::UserReply;
using services::UserRequest;

class UserRoutes final : public services::UserApis {
 public:
  explicit UserRoutes(std::string default_region) : region_(std::move(default_region)) {}

  // The one handler of a kind of user API; a second add() replaces it.
  void add(UserApi api, UserHandler handler) override;
  void call(UserRequest request, UserReply reply) const override;

  // Which user API `request` addresses, if any (with or without a handler).
  std::optional<UserRequest> match(const http::Request& request) const;

  // Hands `request` to its user API's handler and returns true; or returns
  // false, leaving both untouched, when it addresses no user API. A user
  // API without a handler is answered 404.
  bool dispatch(http::Request& request, http::Reply& reply) const;

 private:
  std::string region_;
  std::array<UserHandler, services::kUserApiKinds> handlers_;
};

}  // namespace nimbus::server
