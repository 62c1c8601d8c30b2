// User API routes: which requests they take (and that AWS API requests are
// never among them), and dispatch to a registered handler over a real edge.
#include "server/user_routes.h"

#include <gtest/gtest.h>

#include <future>

#include "http/test_client.h"

namespace nimbus::server {
namespace {

http::Request req(std::string host, std::string target = "/", std::string method = "GET") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = {{"host", std::move(host)}};
  return r;
}

TEST(UserRoutes, HostsAndPathsOfUserApis) {
  UserRoutes routes("us-east-1");
  struct Case {
    std::string host, target;
    UserApi api;
    std::string id, region, path;
  };
  const Case cases[] = {
      {"a1b2c3.execute-api.localhost:4566", "/prod/pets?x=1", UserApi::kExecuteApi, "a1b2c3",
       "us-east-1", "/prod/pets"},
      {"A1B2C3.Execute-API.eu-west-1.LOCALHOST", "/", UserApi::kExecuteApi, "a1b2c3", "eu-west-1",
       "/"},
      {"localhost:4566", "/_aws/execute-api/a1b2c3/dev/items/7", UserApi::kExecuteApi, "a1b2c3",
       "us-east-1", "/dev/items/7"},
      {"127.0.0.1", "/_aws/execute-api/a1b2c3", UserApi::kExecuteApi, "a1b2c3", "us-east-1", "/"},
      {"xyz.lambda-url.us-west-2.localhost:4566", "/hook", UserApi::kFunctionUrl, "xyz",
       "us-west-2", "/hook"},
      {"my.site.s3-website.localhost", "/index.html", UserApi::kS3Website, "my.site", "us-east-1",
       "/index.html"},
      {"site.s3-website-eu-central-1.localhost:4566", "/", UserApi::kS3Website, "site",
       "eu-central-1", "/"},
      {"site.s3-website.ap-south-1.localhost", "/a/", UserApi::kS3Website, "site", "ap-south-1",
       "/a/"},
      {"my.site.s3-website-us-west-2.amazonaws.com:4566", "/x", UserApi::kS3Website, "my.site",
       "us-west-2", "/x"},
      {"site.s3-website.eu-west-3.amazonaws.com", "/", UserApi::kS3Website, "site", "eu-west-3",
       "/"},
      {"localhost:4566", "/_aws/lambda-code/ab12.zip?Expires=1&Signature=00", UserApi::kLambdaCode,
       "ab12.zip", "us-east-1", "/_aws/lambda-code/ab12.zip"},
  };
  for (const auto& c : cases) {
    auto m = routes.match(req(c.host, c.target));
    ASSERT_TRUE(m) << c.host << c.target;
    EXPECT_EQ(m->api, c.api) << c.host;
    EXPECT_EQ(m->id, c.id) << c.host;
    EXPECT_EQ(m->region, c.region) << c.host;
    EXPECT_EQ(m->path, c.path) << c.host;
  }
}

TEST(UserRoutes, AwsApiRequestsAreNeverTaken) {
  UserRoutes routes("us-east-1");
  const std::pair<std::string, std::string> aws[] = {
      {"localhost:4566", "/"},                                    // awsQuery / awsJson
      {"127.0.0.1:4566", "/2015-03-31/functions/f/invocations"},  // Lambda
      {"localhost", "/000000000000/queue"},                       // SQS queue URL path
      {"bucket.s3.localhost:4566", "/key"},                       // S3 virtual-hosted
      {"bucket.s3.us-east-1.localhost", "/key"},
      {"localhost", "/bucket/_aws/execute-api/x/y"},  // a key, not the prefix
      {"localhost", "/_aws/execute-api/"},            // no api id
      {"localhost", "/_aws/lambda-code/"},            // no code
      {"localhost", "/_aws/lambda-code/a.b/c"},
      {"execute-api.localhost", "/"},        // no api id
      {"abc.lambda-url.localhost", "/"},     // function URLs name a region
      {"abc.execute-api.example.com", "/"},  // not ours
      {"s3-website.localhost", "/"},
      {"sqs.us-east-1.localhost:4566", "/"},
      {"bucket.s3.us-east-1.amazonaws.com", "/key"},  // S3 on AWS's own host names
      {"s3.amazonaws.com", "/bucket/key"},
      {"b.s3-website.amazonaws.com", "/"},  // AWS's website hosts name a region
      {"abc.execute-api.us-east-1.amazonaws.com", "/"},
  };
  for (const auto& [host, target] : aws) {
    EXPECT_FALSE(routes.match(req(host, target))) << host << target;
  }
}

TEST(UserRoutes, DispatchReachesTheRegisteredHandlerWithTheStreamedBody) {
  UserRoutes routes("us-east-1");
  std::promise<UserRequest> seen;
  routes.add(UserApi::kFunctionUrl, [&seen](UserRequest r, http::Reply reply) {
    auto body = r.request.stream;
    seen.set_value(std::move(r));
    http::read_all(body, 1 << 20, [reply](Result<std::string> whole) {
      http::Response out;
      out.body = whole ? "got " + std::to_string(whole->size()) : whole.error().code;
      reply(std::move(out));
    });
  });
  http::ServerOptions o;
  o.port = 0;
  o.threads = 1;
  o.stream_bodies_over = 16;
  http::Server server(o, [&routes](http::Request request, http::Reply reply) {
    if (routes.dispatch(request, reply)) return;
    http::Response aws;
    aws.body = "aws api";
    reply(std::move(aws));
  });
  auto port = server.start();
  ASSERT_TRUE(port);

  http::testing::TestClient c(*port);
  std::string body(1000, 'x');
  ASSERT_TRUE(
      c.send("POST /hook?a=b HTTP/1.1\r\nHost: f00.lambda-url.us-east-1.localhost\r\n"
             "Content-Length: 1000\r\n\r\n" +
             body));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "got 1000");
  UserRequest u = seen.get_future().get();
  EXPECT_EQ(u.id, "f00");
  EXPECT_EQ(u.path, "/hook");
  EXPECT_EQ(u.request.query(), "a=b");

  // No handler for API Gateway: answered 404 here, not passed to the AWS APIs.
  ASSERT_TRUE(c.send(http::testing::get("/_aws/execute-api/abc/prod/")));
  auto none = c.read_response();
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
  // Everything else goes on to the AWS APIs.
  ASSERT_TRUE(c.send(http::testing::get("/")));
  auto other = c.read_response();
  ASSERT_TRUE(other);
  EXPECT_EQ(other->body, "aws api");
  server.stop();
}

}  // namespace
}  // namespace nimbus::server
