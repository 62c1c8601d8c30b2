// Under --iam enforce a configuration naming a destination or dead-letter
// target the execution role cannot reach is refused with AWS's
// InvalidParameterValueException and changes nothing; once the role may,
// it is taken. Against real IAM and SQS services.
#include "services/iam/iam_service.h"
#include "services/lambda/test_helpers.h"

namespace nimbus::services::lambda {
namespace {

namespace json = boost::json;

const char* kLambdaTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
const char* kQueueArn = "arn:aws:sqs:us-east-1:000000000000:dead";

class DestinationAccessTest : public services::testing::ServiceTest<LambdaService> {
 protected:
  DestinationAccessTest()
      : ServiceTest({build<iam::IamService>(), build<sqs::SqsService>(), [this](Environment& env) {
                       LambdaOptions o;
                       o.host = &testing::shared_host();
                       auto lambda = std::make_unique<LambdaService>(env, nullptr, std::move(o));
                       lambda->use_execution_roles(
                           static_cast<iam::IamService&>(*services.front()).directory());
                       return lambda;
                     }}) {
    settings.service_options["iam.mode"] = "enforce";
  }

  void SetUp() override {
    ServiceTest::SetUp();
    auto role = try_call(service("iam"), ctx("CreateRole"),
                         {{"RoleName", "fn-role"}, {"AssumeRolePolicyDocument", kLambdaTrust}});
    ASSERT_TRUE(role) << role.error().message;
    role_arn = s(role->at("Role").at("Arn"));
    ASSERT_TRUE(try_call(service("sqs"), ctx("CreateQueue"), {{"QueueName", "dead"}}));
  }

  void allow_send() {
    auto put = try_call(
        service("iam"), ctx("PutRolePolicy"),
        {{"RoleName", "fn-role"},
         {"PolicyName", "send"},
         {"PolicyDocument", std::string(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow",)"
                                        R"("Action":"sqs:SendMessage","Resource":")") +
                                kQueueArn + "\"}}"}});
    ASSERT_TRUE(put) << put.error().message;
  }

  json::object function(const std::string& name, json::object extra = {}) {
    json::object in{{"FunctionName", name},
                    {"Runtime", "python3.11"},
                    {"Role", role_arn},
                    {"Handler", "app.handler"},
                    {"Code", json::object{{"ZipFile", testing::python_zip("def handler(e, c):\n"
                                                                          "    return e\n")}}}};
    for (auto& [k, v] : extra) in[k] = v;
    return in;
  }

  void expect_refused(const std::string& op, json::object in, const std::string& message) {
    auto out = try_call(op, std::move(in));
    ASSERT_FALSE(out) << op;
    EXPECT_EQ(out.error().code, "InvalidParameterValueException");
    EXPECT_EQ(out.error().message, message);
  }

  std::string role_arn;
};

TEST_F(DestinationAccessTest, ADeadLetterQueueTheRoleCannotReachIsRefused) {
  json::object dlq{{"DeadLetterConfig", json::object{{"TargetArn", kQueueArn}}}};
  const std::string message =
      "The provided execution role does not have permissions to call SendMessage on SQS";
  expect_refused("CreateFunction", function("f", dlq), message);
  expect_error("GetFunction", {{"FunctionName", "f"}}, "ResourceNotFoundException");
  call("CreateFunction", function("f"));
  expect_refused("UpdateFunctionConfiguration",
                 {{"FunctionName", "f"}, {"DeadLetterConfig", dlq["DeadLetterConfig"]}}, message);
  EXPECT_FALSE(
      call("GetFunctionConfiguration", {{"FunctionName", "f"}}).contains("DeadLetterConfig"));
  allow_send();
  call("UpdateFunctionConfiguration",
       {{"FunctionName", "f"}, {"DeadLetterConfig", dlq["DeadLetterConfig"]}});
  EXPECT_EQ(call("GetFunctionConfiguration", {{"FunctionName", "f"}})["DeadLetterConfig"],
            dlq["DeadLetterConfig"]);
  call("CreateFunction", function("g", dlq));
}

TEST_F(DestinationAccessTest, ADestinationTheRoleCannotReachIsRefused) {
  call("CreateFunction", function("f"));
  json::object config{
      {"FunctionName", "f"},
      {"DestinationConfig", json::object{{"OnFailure", json::object{{"Destination", kQueueArn}}}}}};
  const std::string message =
      std::string("The function execution role does not have permissions to call SendMessage on ") +
      kQueueArn;
  expect_refused("PutFunctionEventInvokeConfig", config, message);
  expect_refused("UpdateFunctionEventInvokeConfig", config, message);
  expect_error("GetFunctionEventInvokeConfig", {{"FunctionName", "f"}},
               "ResourceNotFoundException");
  // Other settings alone need no permission.
  call("PutFunctionEventInvokeConfig", {{"FunctionName", "f"}, {"MaximumRetryAttempts", 1}});
  allow_send();
  auto out = call("PutFunctionEventInvokeConfig", config);
  EXPECT_EQ(s(out["DestinationConfig"].at("OnFailure").at("Destination")), kQueueArn);
}

}  // namespace
}  // namespace nimbus::services::lambda
