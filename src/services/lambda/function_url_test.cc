// Function URL configurations: the control API (per function and
// qualifier, conflicts, not-found answers, paging), what API Gateway's data
// plane looks up (Functions::function_url), and that both survive a restart.
#include "services/lambda/test_helpers.h"

namespace nimbus::services::lambda::testing {
namespace {

const char* kUrlEcho = "def handler(event, context):\n    return event\n";

TEST_F(LambdaTest, FunctionUrlConfigsPerQualifierSurviveARestart) {
  create("fn", python_zip(kUrlEcho));
  call("PublishVersion", {{"FunctionName", "fn"}});
  call("CreateAlias", {{"FunctionName", "fn"}, {"Name", "live"}, {"FunctionVersion", "1"}});
  auto plain = call("CreateFunctionUrlConfig", {{"FunctionName", "fn"}, {"AuthType", "NONE"}});
  auto live =
      call("CreateFunctionUrlConfig", {{"FunctionName", "fn"},
                                       {"Qualifier", "live"},
                                       {"AuthType", "AWS_IAM"},
                                       {"Cors", json::object{{"AllowOrigins", json::array{"*"}}}}});
  EXPECT_EQ(s(live["FunctionArn"]), "arn:aws:lambda:us-east-1:000000000000:function:fn:live");
  EXPECT_FALSE(live.contains("LastModifiedTime"));
  EXPECT_NE(s(plain["FunctionUrl"]), s(live["FunctionUrl"]));
  // The qualifier may also come in the name.
  EXPECT_EQ(
      error_code("CreateFunctionUrlConfig", {{"FunctionName", "fn:live"}, {"AuthType", "NONE"}}),
      "ResourceConflictException");
  EXPECT_EQ(error_code("CreateFunctionUrlConfig", {{"FunctionName", "fn"}, {"AuthType", "OPEN"}}),
            "InvalidParameterValueException");
  EXPECT_EQ(error_code("GetFunctionUrlConfig", {{"FunctionName", "fn"}, {"Qualifier", "nope"}}),
            "ResourceNotFoundException");

  reopen();
  auto got = call("GetFunctionUrlConfig", {{"FunctionName", "fn:live"}});
  EXPECT_EQ(s(got["FunctionUrl"]), s(live["FunctionUrl"]));
  EXPECT_EQ(s(got["AuthType"]), "AWS_IAM");
  EXPECT_EQ(s(got["InvokeMode"]), "BUFFERED");
  // The URL id is the host's first label: what the data plane looks up.
  std::string url = s(got["FunctionUrl"]);
  std::string id = url.substr(7, url.find('.') - 7);
  auto target = svc->function_url(id);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->function, "fn:live");
  EXPECT_EQ(target->auth_type, "AWS_IAM");
  EXPECT_EQ(target->cors, (json::object{{"AllowOrigins", json::array{"*"}}}));

  auto page = call("ListFunctionUrlConfigs", {{"FunctionName", "fn"}, {"MaxItems", 1}});
  ASSERT_EQ(page["FunctionUrlConfigs"].as_array().size(), 1u);
  EXPECT_EQ(s(page["FunctionUrlConfigs"].as_array()[0].as_object()["FunctionArn"]),
            "arn:aws:lambda:us-east-1:000000000000:function:fn");
  auto rest = call("ListFunctionUrlConfigs",
                   {{"FunctionName", "fn"}, {"MaxItems", 1}, {"Marker", page["NextMarker"]}});
  ASSERT_EQ(rest["FunctionUrlConfigs"].as_array().size(), 1u);
  EXPECT_EQ(s(rest["FunctionUrlConfigs"].as_array()[0].as_object()["FunctionArn"]),
            "arn:aws:lambda:us-east-1:000000000000:function:fn:live");
  EXPECT_FALSE(rest.contains("NextMarker"));

  call("UpdateFunctionUrlConfig",
       {{"FunctionName", "fn"}, {"Qualifier", "live"}, {"AuthType", "NONE"}});
  call("DeleteFunctionUrlConfig", {{"FunctionName", "fn"}});
  reopen();
  EXPECT_EQ(error_code("GetFunctionUrlConfig", {{"FunctionName", "fn"}}),
            "ResourceNotFoundException");
  EXPECT_EQ(error_code("DeleteFunctionUrlConfig", {{"FunctionName", "fn"}}),
            "ResourceNotFoundException");
  EXPECT_EQ(s(call("GetFunctionUrlConfig", {{"FunctionName", "fn:live"}})["AuthType"]), "NONE");
  EXPECT_EQ(svc->function_url(id)->auth_type, "NONE");
}

}  // namespace
}  // namespace nimbus::services::lambda::testing
