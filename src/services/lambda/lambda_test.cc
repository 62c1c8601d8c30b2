// Lambda control API unit tests: create/get/list/update/delete, validation,
// versions, aliases, concurrency settings, event invoke config, policy,
// restart recovery.
#include "services/lambda/test_helpers.h"

namespace nimbus::services::lambda::testing {
namespace {

const char* kEcho = "def handler(event, context):\n    return event\n";

TEST_F(LambdaTest, CreateGetListDelete) {
  auto c = create("fn", python_zip(kEcho), "python3.11", "app.handler",
                  {{"Timeout", 10},
                   {"MemorySize", 256},
                   {"Description", "d"},
                   {"Environment", json::object{{"Variables", json::object{{"A", "1"}}}}},
                   {"Tags", json::object{{"team", "x"}}}});
  EXPECT_EQ(s(c["FunctionArn"]), "arn:aws:lambda:us-east-1:000000000000:function:fn");
  EXPECT_EQ(s(c["State"]), "Pending");
  EXPECT_EQ(s(c["Version"]), "$LATEST");
  EXPECT_EQ(c["Timeout"].as_int64(), 10);
  EXPECT_EQ(c["MemorySize"].as_int64(), 256);
  EXPECT_EQ(s(c["CodeSha256"]).size(), 44u);
  EXPECT_GT(c["CodeSize"].as_int64(), 0);
  auto g = call("GetFunction", {{"FunctionName", "fn"}});
  EXPECT_EQ(s(g["Configuration"].as_object()["State"]), "Active");
  EXPECT_EQ(s(g["Configuration"].as_object()["LastUpdateStatus"]), "Successful");
  EXPECT_EQ(s(g["Tags"].as_object()["team"]), "x");
  auto gc = call("GetFunctionConfiguration",
                 {{"FunctionName", "arn:aws:lambda:us-east-1:000000000000:function:fn"}});
  EXPECT_EQ(s(gc["Environment"].as_object()["Variables"].as_object()["A"]), "1");
  EXPECT_EQ(call("ListFunctions", {})["Functions"].as_array().size(), 1u);
  call("DeleteFunction", {{"FunctionName", "fn"}});
  auto missing = try_call("GetFunction", {{"FunctionName", "fn"}});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.error().code, "ResourceNotFoundException");
  EXPECT_EQ(missing.error().message,
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn");
}

// The ARNs each operation names for IAM (Service::resources): the function,
// with the qualifier the call names where the action acts on one version or
// alias, or the event source mapping.
TEST_F(LambdaTest, TagsOfAFunction) {
  create("fn", python_zip(kEcho), "python3.11", "app.handler",
         {{"Tags", json::object{{"team", "x"}}}});
  const std::string arn = "arn:aws:lambda:us-east-1:000000000000:function:fn";
  call("TagResource", {{"Resource", arn}, {"Tags", json::object{{"cost", "7"}, {"team", "y"}}}});
  EXPECT_EQ(call("ListTags", {{"Resource", arn}})["Tags"],
            (json::object{{"cost", "7"}, {"team", "y"}}));
  call("UntagResource", {{"Resource", arn}, {"TagKeys", json::array{"team"}}});
  EXPECT_EQ(call("ListTags", {{"Resource", arn}})["Tags"], (json::object{{"cost", "7"}}));
  EXPECT_EQ(call("GetFunction", {{"FunctionName", "fn"}})["Tags"], (json::object{{"cost", "7"}}));
  expect_error("TagResource", {{"Resource", arn}, {"Tags", json::object{{"", "1"}}}},
               "InvalidParameterValueException");
  expect_error("TagResource", {{"Resource", arn + "x"}, {"Tags", json::object{{"k", "1"}}}},
               "ResourceNotFoundException");
  expect_error("ListTags", {{"Resource", arn + "x"}}, "ResourceNotFoundException");
  // aws: keys are AWS's: refused from a client, taken from CloudFormation.
  auto refused =
      try_call("TagResource", {{"Resource", arn}, {"Tags", json::object{{"AWS:x", "1"}}}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "InvalidParameterValueException");
  EXPECT_EQ(refused.error().message, "Tag keys cannot start with 'aws:' (case insensitive).");
  expect_error("UntagResource", {{"Resource", arn}, {"TagKeys", json::array{"aws:x"}}},
               "InvalidParameterValueException");
  auto create_tagged = try_call(
      "CreateFunction", {{"FunctionName", "g"},
                         {"Runtime", "python3.11"},
                         {"Role", "arn:aws:iam::000000000000:role/r"},
                         {"Handler", "app.handler"},
                         {"Code", json::object{{"ZipFile", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}},
                         {"Tags", json::object{{"aws:cloudformation:stack-name", "s"}}}});
  ASSERT_FALSE(create_tagged);
  EXPECT_EQ(create_tagged.error().message, "Tag keys cannot start with 'aws:' (case insensitive).");
  CallContext stack = ctx("TagResource");
  stack.called_via = "cloudformation.amazonaws.com";
  auto taken =
      try_call(*svc, stack,
               {{"Resource", arn}, {"Tags", json::object{{"aws:cloudformation:stack-name", "s"}}}});
  ASSERT_TRUE(taken) << taken.error().message;
  EXPECT_EQ(call("ListTags", {{"Resource", arn}})["Tags"],
            (json::object{{"aws:cloudformation:stack-name", "s"}, {"cost", "7"}}));
}

TEST_F(LambdaTest, OperationsNameTheFunctionTheyTouch) {
  const std::string fn = "arn:aws:lambda:us-east-1:000000000000:function:f";
  auto of = [&](const std::string& op, json::object in) {
    return svc->resources(op, ctx(op), in).value_or(Resources{"(not served)"});
  };
  EXPECT_EQ(of("Invoke", {{"FunctionName", "f"}}), Resources{fn});
  EXPECT_EQ(of("Invoke", {{"FunctionName", "f"}, {"Qualifier", "prod"}}), Resources{fn + ":prod"});
  EXPECT_EQ(of("Invoke", {{"FunctionName", "f:3"}}), Resources{fn + ":3"});
  EXPECT_EQ(of("Invoke", {{"FunctionName", "arn:aws:lambda:us-east-1:111122223333:function:g:1"}}),
            Resources{"arn:aws:lambda:us-east-1:111122223333:function:g:1"});
  EXPECT_EQ(of("UpdateFunctionCode", {{"FunctionName", "f"}}), Resources{fn});
  EXPECT_EQ(of("GetEventSourceMapping", {{"UUID", "u-1"}}),
            Resources{"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:u-1"});
  EXPECT_TRUE(of("ListFunctions", {}).empty());
}

TEST_F(LambdaTest, Validation) {
  auto bad = try_call("CreateFunction", {{"FunctionName", "f"},
                                         {"Runtime", "python3.11"},
                                         {"Role", "r"},
                                         {"Handler", "app.handler"},
                                         {"Code", json::object{{"ZipFile", "not a zip"}}}});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.error().code, "InvalidParameterValueException");
  EXPECT_EQ(bad.error().message,
            "Could not unzip uploaded file. Please check your file, then try to upload again.");
  auto zip = python_zip(kEcho);
  EXPECT_EQ(error_code("CreateFunction", {{"FunctionName", "f"},
                                          {"Runtime", "python3.11"},
                                          {"Role", "r"},
                                          {"Code", json::object{{"ZipFile", zip}}}}),
            "InvalidParameterValueException");
  EXPECT_EQ(error_code("CreateFunction", {{"FunctionName", "f"},
                                          {"Runtime", "java11"},
                                          {"Role", "r"},
                                          {"Handler", "x"},
                                          {"Code", json::object{{"ZipFile", zip}}}}),
            "InvalidParameterValueException");
  EXPECT_EQ(error_code("CreateFunction", {{"FunctionName", "f"},
                                          {"Runtime", "python3.11"},
                                          {"Role", "r"},
                                          {"Handler", "x"},
                                          {"Timeout", 901},
                                          {"Code", json::object{{"ZipFile", zip}}}}),
            "ValidationException");
  EXPECT_EQ(error_code("CreateFunction", {{"FunctionName", "bad name/x"},
                                          {"Runtime", "python3.11"},
                                          {"Role", "r"},
                                          {"Handler", "x"},
                                          {"Code", json::object{{"ZipFile", zip}}}}),
            "ValidationException");
  create("f", zip);
  EXPECT_EQ(error_code("CreateFunction", {{"FunctionName", "f"},
                                          {"Runtime", "python3.11"},
                                          {"Role", "r"},
                                          {"Handler", "x"},
                                          {"Code", json::object{{"ZipFile", zip}}}}),
            "ResourceConflictException");
  EXPECT_EQ(error_code("UpdateFunctionConfiguration",
                       {{"FunctionName", "f"}, {"RevisionId", "stale"}, {"Timeout", 5}}),
            "PreconditionFailedException");
}

TEST_F(LambdaTest, ListFunctionsPages) {
  auto zip = python_zip(kEcho);
  for (int i = 0; i < 5; ++i) create("f" + std::to_string(i), zip);
  std::set<std::string> seen;
  json::object page = call("ListFunctions", {{"MaxItems", 2}});
  while (true) {
    EXPECT_LE(page["Functions"].as_array().size(), 2u);
    for (auto& f : page["Functions"].as_array()) seen.insert(s(f.as_object().at("FunctionName")));
    if (!page.contains("NextMarker")) break;
    page = call("ListFunctions", {{"MaxItems", 2}, {"Marker", page["NextMarker"]}});
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST_F(LambdaTest, UpdateCodeAndConfiguration) {
  auto c = create("f", python_zip(kEcho));
  auto u =
      call("UpdateFunctionCode",
           {{"FunctionName", "f"}, {"ZipFile", python_zip("def handler(e, c):\n  return 1\n")}});
  EXPECT_EQ(s(u["LastUpdateStatus"]), "InProgress");
  EXPECT_NE(s(u["CodeSha256"]), s(c["CodeSha256"]));
  auto cfg = call("UpdateFunctionConfiguration", {{"FunctionName", "f"}, {"Timeout", 30}});
  EXPECT_EQ(cfg["Timeout"].as_int64(), 30);
  auto g = call("GetFunctionConfiguration", {{"FunctionName", "f"}});
  EXPECT_EQ(s(g["LastUpdateStatus"]), "Successful");
  EXPECT_EQ(g["Timeout"].as_int64(), 30);
}

TEST_F(LambdaTest, VersionsAndAliases) {
  create("f", python_zip(kEcho));
  auto v1 = call("PublishVersion", {{"FunctionName", "f"}});
  EXPECT_EQ(s(v1["Version"]), "1");
  EXPECT_EQ(s(v1["FunctionArn"]), "arn:aws:lambda:us-east-1:000000000000:function:f:1");
  EXPECT_EQ(s(call("PublishVersion", {{"FunctionName", "f"}})["Version"]), "1");  // unchanged
  call("UpdateFunctionConfiguration", {{"FunctionName", "f"}, {"Timeout", 7}});
  EXPECT_EQ(s(call("PublishVersion", {{"FunctionName", "f"}})["Version"]), "2");
  auto versions = call("ListVersionsByFunction", {{"FunctionName", "f"}});
  EXPECT_EQ(versions["Versions"].as_array().size(), 3u);
  auto a = call(
      "CreateAlias",
      {{"FunctionName", "f"},
       {"Name", "live"},
       {"FunctionVersion", "1"},
       {"RoutingConfig", json::object{{"AdditionalVersionWeights", json::object{{"2", 0.5}}}}}});
  EXPECT_EQ(s(a["AliasArn"]), "arn:aws:lambda:us-east-1:000000000000:function:f:live");
  EXPECT_EQ(error_code("CreateAlias",
                       {{"FunctionName", "f"}, {"Name", "live"}, {"FunctionVersion", "1"}}),
            "ResourceConflictException");
  EXPECT_EQ(s(call("GetFunctionConfiguration",
                   {{"FunctionName", "f"}, {"Qualifier", "live"}})["Version"]),
            "1");
  call("UpdateAlias", {{"FunctionName", "f"}, {"Name", "live"}, {"FunctionVersion", "2"}});
  EXPECT_EQ(s(call("GetAlias", {{"FunctionName", "f"}, {"Name", "live"}})["FunctionVersion"]), "2");
  EXPECT_EQ(call("ListAliases", {{"FunctionName", "f"}})["Aliases"].as_array().size(), 1u);
  EXPECT_EQ(error_code("DeleteFunction", {{"FunctionName", "f"}, {"Qualifier", "2"}}),
            "ResourceConflictException");
  call("DeleteAlias", {{"FunctionName", "f"}, {"Name", "live"}});
  call("DeleteFunction", {{"FunctionName", "f"}, {"Qualifier", "2"}});
  EXPECT_EQ(call("ListVersionsByFunction", {{"FunctionName", "f"}})["Versions"].as_array().size(),
            2u);
}

TEST_F(LambdaTest, ConcurrencyEventConfigPolicyAccount) {
  create("f", python_zip(kEcho));
  EXPECT_EQ(call("PutFunctionConcurrency",
                 {{"FunctionName", "f"},
                  {"ReservedConcurrentExecutions", 5}})["ReservedConcurrentExecutions"]
                .as_int64(),
            5);
  EXPECT_EQ(call("GetFunctionConcurrency", {{"FunctionName", "f"}})["ReservedConcurrentExecutions"]
                .as_int64(),
            5);
  EXPECT_EQ(error_code("PutFunctionConcurrency",
                       {{"FunctionName", "f"}, {"ReservedConcurrentExecutions", 950}}),
            "InvalidParameterValueException");
  auto acct = call("GetAccountSettings", {});
  EXPECT_EQ(acct["AccountLimit"].as_object()["UnreservedConcurrentExecutions"].as_int64(), 995);
  call("DeleteFunctionConcurrency", {{"FunctionName", "f"}});
  EXPECT_FALSE(call("GetFunctionConcurrency", {{"FunctionName", "f"}})
                   .contains("ReservedConcurrentExecutions"));

  auto eic =
      call("PutFunctionEventInvokeConfig", {{"FunctionName", "f"}, {"MaximumRetryAttempts", 0}});
  EXPECT_EQ(s(eic["FunctionArn"]), "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST");
  EXPECT_EQ(
      error_code(
          "PutFunctionEventInvokeConfig",
          {{"FunctionName", "f"},
           {"DestinationConfig",
            json::object{{"OnFailure", json::object{{"Destination",
                                                     "arn:aws:sns:us-east-1:000000000000:t"}}}}}}),
      "InvalidParameterValueException");
  call("UpdateFunctionEventInvokeConfig",
       {{"FunctionName", "f"}, {"MaximumEventAgeInSeconds", 60}});
  auto got = call("GetFunctionEventInvokeConfig", {{"FunctionName", "f"}});
  EXPECT_EQ(got["MaximumRetryAttempts"].as_int64(), 0);
  EXPECT_EQ(got["MaximumEventAgeInSeconds"].as_int64(), 60);

  EXPECT_EQ(error_code("GetPolicy", {{"FunctionName", "f"}}), "ResourceNotFoundException");
  call("AddPermission", {{"FunctionName", "f"},
                         {"StatementId", "s1"},
                         {"Action", "lambda:InvokeFunction"},
                         {"Principal", "s3.amazonaws.com"}});
  EXPECT_EQ(error_code("AddPermission", {{"FunctionName", "f"},
                                         {"StatementId", "s1"},
                                         {"Action", "lambda:InvokeFunction"},
                                         {"Principal", "*"}}),
            "ResourceConflictException");
  auto policy = json::parse(s(call("GetPolicy", {{"FunctionName", "f"}})["Policy"])).as_object();
  EXPECT_EQ(policy["Statement"].as_array().size(), 1u);
  call("RemovePermission", {{"FunctionName", "f"}, {"StatementId", "s1"}});
  EXPECT_EQ(error_code("RemovePermission", {{"FunctionName", "f"}, {"StatementId", "s1"}}),
            "ResourceNotFoundException");
}

TEST_F(LambdaTest, RestartRecoversFunctions) {
  create("f", python_zip(kEcho));
  call("PublishVersion", {{"FunctionName", "f"}});
  call("CreateAlias", {{"FunctionName", "f"}, {"Name", "a"}, {"FunctionVersion", "1"}});
  reopen();
  auto g = call("GetFunction", {{"FunctionName", "f"}, {"Qualifier", "a"}});
  EXPECT_EQ(s(g["Configuration"].as_object()["Version"]), "1");
  auto r = call("Invoke", {{"FunctionName", "f"}, {"Payload", "{\"k\":1}"}});
  EXPECT_EQ(s(r["Payload"]), "{\"k\": 1}");
}

TEST(LambdaOptions, ReadFromTheServiceOptions) {
  Settings settings;
  EXPECT_EQ(LambdaOptions::from(settings).account_concurrency, 1000);
  settings.service_options = {{"lambda.concurrency", "7"}, {"lambda.retry-delays", "5,10"}};
  auto o = LambdaOptions::from(settings);
  EXPECT_EQ(o.account_concurrency, 7);
  EXPECT_EQ(o.retry_delays_ms, (std::vector<int64_t>{5, 10}));
}

}  // namespace
}  // namespace nimbus::services::lambda::testing
