// Code named by S3Bucket / S3Key: read from the S3 service in-process, with
// Lambda's errors when the object cannot be read.
#include <future>

#include "services/lambda/test_helpers.h"
#include "services/s3/s3_service.h"

namespace nimbus::services::lambda::testing {
namespace {

class CodeFromS3 : public services::testing::ServiceTest<LambdaService> {
 protected:
  // Real time for timers, as LambdaTest: the functions are real processes.
  CodeFromS3()
      : ServiceTest({build<s3::S3Service>(),
                     [this](Environment& env) {
                       LambdaOptions o;
                       o.host = &shared_host();
                       auto l = std::make_unique<LambdaService>(env, nullptr, o);
                       l->use_code_objects(static_cast<s3::S3Service&>(*services.front()).reader());
                       return l;
                     }},
                    services::testing::FixtureOptions{storage::Durability::kAsync, 4, true}) {}

  void SetUp() override {
    ServiceTest::SetUp();
    call(service("s3"), "CreateBucket", {{"Bucket", "code"}});
  }

  json::object call(Service& s, const std::string& op, json::object in) {
    auto out = try_call(s, ctx(op), std::move(in));
    EXPECT_TRUE(out.is_ok()) << op << ": " << out.error().code << " " << out.error().message;
    return out ? *out : json::object{};
  }
  using ServiceTest::call;

  void put(const std::string& key, std::string body) {
    std::promise<Status> done;
    static_cast<s3::S3Service&>(service("s3"))
        .writer()
        .put(s3::NewObject{"code", key, std::move(body), "", ""},
             [&done](Status st) { done.set_value(std::move(st)); });
    ASSERT_TRUE(done.get_future().get());
  }

  json::object create_in(json::object code) {
    return {{"FunctionName", "f"},
            {"Runtime", "python3.11"},
            {"Role", "arn:aws:iam::000000000000:role/r"},
            {"Handler", "app.handler"},
            {"Code", std::move(code)}};
  }

  std::string invoke() {
    auto r = call("Invoke", {{"FunctionName", "f"}, {"Payload", "{}"}});
    return s(r["Payload"]);
  }

  // The error message of a call that must fail with InvalidParameterValueException.
  std::string invalid_message(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    EXPECT_FALSE(out.is_ok());
    if (out) return "(ok)";
    EXPECT_EQ(out.error().code, "InvalidParameterValueException");
    return out.error().message;
  }
};

TEST_F(CodeFromS3, CreateAndUpdateReadTheObject) {
  std::string one = python_zip("def handler(e, c):\n  return 1\n");
  put("v1.zip", one);
  auto created = call("CreateFunction", create_in({{"S3Bucket", "code"}, {"S3Key", "v1.zip"}}));
  EXPECT_EQ(created["CodeSize"].as_int64(), static_cast<int64_t>(one.size()));
  EXPECT_EQ(invoke(), "1");

  put("v2.zip", python_zip("def handler(e, c):\n  return 2\n"));
  auto updated = call("UpdateFunctionCode",
                      {{"FunctionName", "f"}, {"S3Bucket", "code"}, {"S3Key", "v2.zip"}});
  EXPECT_NE(s(updated["CodeSha256"]), s(created["CodeSha256"]));
  EXPECT_EQ(invoke(), "2");
}

TEST_F(CodeFromS3, MissingObjectsAnswerS3sErrorAndChangeNothing) {
  EXPECT_EQ(invalid_message("CreateFunction", create_in({{"S3Bucket", "code"}, {"S3Key", "no"}})),
            "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The "
            "specified key does not exist.");
  EXPECT_EQ(invalid_message("CreateFunction", create_in({{"S3Bucket", "nob"}, {"S3Key", "k"}})),
            "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The "
            "specified bucket does not exist");
  expect_error("GetFunction", {{"FunctionName", "f"}}, "ResourceNotFoundException");

  put("v1.zip", python_zip("def handler(e, c):\n  return 1\n"));
  call("CreateFunction", create_in({{"S3Bucket", "code"}, {"S3Key", "v1.zip"}}));
  EXPECT_EQ(invalid_message("UpdateFunctionCode",
                            {{"FunctionName", "f"}, {"S3Bucket", "code"}, {"S3Key", "gone.zip"}}),
            "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The "
            "specified key does not exist.");
  EXPECT_EQ(invalid_message("UpdateFunctionCode", {{"FunctionName", "f"},
                                                   {"S3Bucket", "code"},
                                                   {"S3Key", "v1.zip"},
                                                   {"S3ObjectVersion", "3HL4kqtJlcpXroDTDmJ"}}),
            "Error occurred while GetObject. S3 Error Code: NoSuchVersion. S3 Error Message: The "
            "specified version does not exist.");
  EXPECT_EQ(invoke(), "1");
  // An unknown function is the answer before any S3 read.
  expect_error("UpdateFunctionCode",
               {{"FunctionName", "g"}, {"S3Bucket", "code"}, {"S3Key", "gone.zip"}},
               "ResourceNotFoundException");
}

TEST_F(CodeFromS3, SourcesAreOneOrTheOther) {
  put("v1.zip", python_zip("def handler(e, c):\n  return 1\n"));
  EXPECT_EQ(invalid_message("CreateFunction", create_in({{"S3Bucket", "code"}})),
            "Please provide a source for function code.");
  EXPECT_EQ(invalid_message("CreateFunction", create_in({{"ZipFile", python_zip("x = 1\n")},
                                                         {"S3Bucket", "code"},
                                                         {"S3Key", "v1.zip"}})),
            "Please do not provide other FunctionCode properties when providing a ZipFile.");
  put("not-a-zip", "hello");
  EXPECT_EQ(
      invalid_message("CreateFunction", create_in({{"S3Bucket", "code"}, {"S3Key", "not-a-zip"}})),
      "Could not unzip uploaded file. Please check your file, then try to upload again.");
  expect_error("GetFunction", {{"FunctionName", "f"}}, "ResourceNotFoundException");
}

}  // namespace
}  // namespace nimbus::services::lambda::testing
