// Stage access logs: the $context variables of a line, the log group of a
// destination ARN, and the lines both data planes write (a recording
// LogWriter in place of CloudWatch Logs).
#include <gtest/gtest.h>

#include "services/apigateway/access_log.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

TEST(AccessLog, ContextVariablesAreReplacedAndUnknownOnesAreDashes) {
  AccessRecord r;
  r.api_id = "a1";
  r.stage = "prod";
  r.request_id = "rid";
  r.http_method = "POST";
  r.path = "/prod/orders";
  r.resource_path = "/orders";
  r.source_ip = "10.0.0.1";
  r.time_ms = 1'700'000'000'123;
  r.status = 202;
  r.response_length = 17;
  EXPECT_EQ(render_access_log("$context.requestId $context.identity.sourceIp "
                              "$context.httpMethod $context.resourcePath $context.status "
                              "$context.responseLength $context.requestTimeEpoch "
                              "$context.identity.caller $context.routeKey.",
                              r),
            "rid 10.0.0.1 POST /orders 202 17 1700000000123 - -.");
  EXPECT_EQ(render_access_log(R"({"t":"$context.requestTime","p":"$context.path"} $ $context.)", r),
            R"({"t":"14/Nov/2023:22:13:20 +0000","p":"/prod/orders"} $ $context.)");
  r.error_message = "say \"no\"";
  EXPECT_EQ(render_access_log("$context.error.message|$context.error.messageString", r),
            R"(say "no"|"say \"no\"")");
}

TEST(AccessLog, DestinationsNameALogGroup) {
  EXPECT_EQ(access_log_group("arn:aws:logs:us-east-1:000000000000:log-group:api-logs"), "api-logs");
  EXPECT_EQ(access_log_group("arn:aws:logs:us-east-1:000000000000:log-group:/aws/x:*"), "/aws/x");
  EXPECT_EQ(access_log_group("arn:aws:firehose:us-east-1:000000000000:deliverystream/s"), "");
  EXPECT_EQ(access_log_group("log-group:x"), "");
}

struct RecordingLogs final : logs::LogWriter {
  void put(const std::string& group, const std::string& stream,
           std::vector<logs::LogEvent> events) override {
    std::lock_guard lock(mu);
    for (auto& e : events) lines.push_back(group + "|" + stream + "|" + e.message);
  }
  std::vector<std::string> taken() {
    std::lock_guard lock(mu);
    return lines;
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

struct NoFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    done(lambda::SyncResult{false, R"({"statusCode":201,"body":"made"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
};

class AccessLogTest : public testing::ServiceTest<RestApiService> {
 protected:
  AccessLogTest()
      : ServiceTest({[this](Environment& env) {
                       auto s = std::make_unique<RestApiService>(env, &fn);
                       s->use_logs(&logs);
                       rest = s.get();
                       return s;
                     },
                     [this](Environment& env) {
                       auto s = std::make_unique<HttpApiService>(env, &fn, rest);
                       s->use_logs(&logs);
                       return s;
                     }}) {}

  http::Response request(const std::string& id, const std::string& path) {
    return user_call(execute_api(id, "GET", path, {{"user-agent", "ua/1"}}));
  }

  NoFunctions fn;
  RecordingLogs logs;
  RestApiService* rest = nullptr;
};

TEST_F(AccessLogTest, ARestStageWritesOneLinePerRequest) {
  auto api = call("CreateRestApi", {{"name", "r"}});
  std::string id = s(api["id"]), root = s(api["rootResourceId"]);
  json::object where{{"restApiId", id}, {"resourceId", root}, {"httpMethod", "GET"}};
  json::object m = where;
  m["authorizationType"] = "NONE";
  call("PutMethod", m);
  json::object i = where;
  i["type"] = "MOCK";
  i["requestTemplates"] = json::object{{"application/json", R"({"statusCode": 200})"}};
  call("PutIntegration", i);
  json::object ir = where;
  ir["statusCode"] = "200";
  call("PutIntegrationResponse", ir);
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  auto patch = [&](std::string path, std::string value) {
    return json::object{
        {"restApiId", id},
        {"stageName", "prod"},
        {"patchOperations",
         json::array{json::object{{"op", "replace"}, {"path", path}, {"value", value}}}}};
  };
  expect_error("UpdateStage", patch("/accessLogSettings/destinationArn", "arn:aws:s3:::bucket"),
               "BadRequestException");
  call("UpdateStage", patch("/accessLogSettings/destinationArn",
                            "arn:aws:logs:us-east-1:000000000000:log-group:gw"));
  EXPECT_EQ(request(id, "/prod").status, 200);
  EXPECT_TRUE(logs.taken().empty());  // no format yet: nothing is written
  auto out = call("UpdateStage", patch("/accessLogSettings/format",
                                       "$context.httpMethod $context.resourcePath "
                                       "$context.status $context.identity.userAgent"));
  EXPECT_EQ(
      s(out["accessLogSettings"].at("format")),
      "$context.httpMethod $context.resourcePath $context.status $context.identity.userAgent");
  EXPECT_EQ(request(id, "/prod").status, 200);
  EXPECT_EQ(request(id, "/prod/missing").status, 403);
  auto lines = logs.taken();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "gw|" + id + "-prod|GET / 200 ua/1");
  EXPECT_EQ(lines[1], "gw|" + id + "-prod|GET - 403 ua/1");
  call("UpdateStage",
       json::object{{"restApiId", id},
                    {"stageName", "prod"},
                    {"patchOperations",
                     json::array{json::object{{"op", "remove"}, {"path", "/accessLogSettings"}}}}});
  request(id, "/prod");
  EXPECT_EQ(logs.taken().size(), 2u);
}

TEST_F(AccessLogTest, AnHttpApiStageWritesItsRouteKey) {
  auto& v2 = service("apigatewayv2");
  auto api = *try_call(v2, ctx("CreateApi"),
                       {{"Name", "h"},
                        {"ProtocolType", "HTTP"},
                        {"Target", "arn:aws:lambda:us-east-1:000000000000:function:f"}});
  std::string id = s(api["ApiId"]);
  ASSERT_TRUE(try_call(
      v2, ctx("UpdateStage"),
      {{"ApiId", id},
       {"StageName", "$default"},
       {"AccessLogSettings",
        json::object{
            {"DestinationArn", "arn:aws:logs:us-east-1:000000000000:log-group:h-logs"},
            {"Format",
             R"({"route":"$context.routeKey","status":"$context.status","id":"$context.requestId"})"}}}}));
  auto resp = request(id, "/anything");
  EXPECT_EQ(resp.status, 201);
  auto lines = logs.taken();
  ASSERT_EQ(lines.size(), 1u);
  auto prefix = "h-logs|" + id + "-$default|";
  ASSERT_TRUE(lines[0].starts_with(prefix)) << lines[0];
  auto doc = json::parse(lines[0].substr(prefix.size())).as_object();
  EXPECT_EQ(doc["route"], "$default");
  EXPECT_EQ(doc["status"], "201");
  EXPECT_EQ(s(doc["id"]), std::string(resp.header("apigw-requestid")));
}

}  // namespace
}  // namespace nimbus::services::apigateway
