// Managed policies and versions, inline policies, attachments, AWS managed
// policies, and the documents IAM refuses.
#include "services/iam/test_helpers.h"

namespace nimbus::services::iam::testing {
namespace {

TEST_F(IamTest, ManagedPoliciesHaveVersions) {
  auto created =
      call("CreatePolicy",
           {{"PolicyName", "sqs"}, {"PolicyDocument", kAllowSqs}, {"Description", "queues"}});
  auto& p = created["Policy"].as_object();
  std::string arn = s(p["Arn"]);
  EXPECT_EQ(arn, "arn:aws:iam::000000000000:policy/sqs");
  EXPECT_EQ(s(p["DefaultVersionId"]), "v1");
  expect_error("CreatePolicy", {{"PolicyName", "SQS"}, {"PolicyDocument", kAllowSqs}},
               "EntityAlreadyExistsException");
  for (int i = 0; i < 4; ++i)
    call("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", kAllowSqs}});
  auto sixth = try_call("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", kAllowSqs}});
  ASSERT_FALSE(sixth);
  EXPECT_EQ(sixth.error().code, "LimitExceededException");
  auto versions = call("ListPolicyVersions", {{"PolicyArn", arn}})["Versions"].as_array();
  ASSERT_EQ(versions.size(), 5u);
  EXPECT_EQ(s(versions[0].as_object()["VersionId"]), "v5");
  expect_error("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}},
               "DeleteConflictException");
  call("SetDefaultPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v3"}});
  auto v3 = call("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v3"}});
  EXPECT_TRUE(v3["PolicyVersion"].as_object()["IsDefaultVersion"].as_bool());
  EXPECT_EQ(decoded(v3["PolicyVersion"].as_object()["Document"]), kAllowSqs);
  expect_error("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v9"}},
               "NoSuchEntityException");
  expect_error("DeletePolicy", {{"PolicyArn", arn}}, "DeleteConflictException");
  for (const char* v : {"v1", "v2", "v4", "v5"}) {
    call("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", v}});
  }
  call("DeletePolicy", {{"PolicyArn", arn}});
  expect_error("GetPolicy", {{"PolicyArn", arn}}, "NoSuchEntityException");
}

TEST_F(IamTest, MalformedDocumentsAreRefusedAndChangeNothing) {
  auto bad =
      try_call("CreatePolicy",
               {{"PolicyName", "p"},
                {"PolicyDocument", R"({"Statement":[{"Effect":"Allow","Action":"s3:*"}]})"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "MalformedPolicyDocumentException");
  EXPECT_EQ(bad.error().message, "Policy statement must contain resources.");
  EXPECT_EQ(call("ListPolicies", {{"Scope", "Local"}})["Policies"].as_array().size(), 0u);
  call("CreateUser", {{"UserName", "alice"}});
  expect_error("PutUserPolicy",
               {{"UserName", "alice"}, {"PolicyName", "p"}, {"PolicyDocument", "{"}},
               "MalformedPolicyDocumentException");
  EXPECT_EQ(call("ListUserPolicies", {{"UserName", "alice"}})["PolicyNames"].as_array().size(), 0u);
  std::string big = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)";
  for (int i = 0; i < 400; ++i) big += "\"sqs:SendMessage\",";
  big += R"("sqs:X"],"Resource":"*"}]})";
  auto too_big = try_call("CreatePolicy", {{"PolicyName", "big"}, {"PolicyDocument", big}});
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().message, "Cannot exceed quota for PolicySize: 6144");
}

TEST_F(IamTest, InlinePoliciesAndAttachmentsForEveryKind) {
  call("CreateUser", {{"UserName", "alice"}});
  call("CreateGroup", {{"GroupName", "devs"}});
  call("CreateRole", {{"RoleName", "fn"}, {"AssumeRolePolicyDocument", kLambdaTrust}});
  call("PutUserPolicy",
       {{"UserName", "alice"}, {"PolicyName", "a"}, {"PolicyDocument", kAllowSqs}});
  call("PutGroupPolicy",
       {{"GroupName", "devs"}, {"PolicyName", "g"}, {"PolicyDocument", kAllowSqs}});
  EXPECT_EQ(call("ListUserPolicies", {{"UserName", "alice"}})["PolicyNames"].as_array().size(), 1u);
  expect_error("GetGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "nope"}},
               "NoSuchEntityException");
  call("DeleteGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "g"}});
  const std::string basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
  call("AttachRolePolicy", {{"RoleName", "fn"}, {"PolicyArn", basic}});
  auto attached =
      call("ListAttachedRolePolicies", {{"RoleName", "fn"}})["AttachedPolicies"].as_array();
  ASSERT_EQ(attached.size(), 1u);
  EXPECT_EQ(s(attached[0].as_object()["PolicyName"]), "AWSLambdaBasicExecutionRole");
  auto entities = call("ListEntitiesForPolicy", {{"PolicyArn", basic}});
  EXPECT_EQ(entities["PolicyRoles"].as_array().size(), 1u);
  expect_error("AttachUserPolicy",
               {{"UserName", "alice"}, {"PolicyArn", "arn:aws:iam::aws:policy/Nope"}},
               "NoSuchEntityException");
  expect_error("DeleteRole", {{"RoleName", "fn"}}, "DeleteConflictException");
  call("DetachRolePolicy", {{"RoleName", "fn"}, {"PolicyArn", basic}});
  expect_error("DetachRolePolicy", {{"RoleName", "fn"}, {"PolicyArn", basic}},
               "NoSuchEntityException");
  call("DeleteRole", {{"RoleName", "fn"}});
}

TEST_F(IamTest, AwsManagedPoliciesExistAndCannotChange) {
  for (const char* name : {"AmazonSQSFullAccess", "AmazonDynamoDBFullAccess",
                           "AmazonS3ReadOnlyAccess", "AdministratorAccess"}) {
    auto p = call("GetPolicy", {{"PolicyArn", std::string("arn:aws:iam::aws:policy/") + name}});
    EXPECT_EQ(s(p["Policy"].as_object()["PolicyName"]), name);
  }
  auto v =
      call("GetPolicyVersion",
           {{"PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}, {"VersionId", "v1"}});
  EXPECT_NE(decoded(v["PolicyVersion"].as_object()["Document"]).find("s3:Get*"), std::string::npos);
  expect_error(
      "CreatePolicyVersion",
      {{"PolicyArn", "arn:aws:iam::aws:policy/AmazonSQSFullAccess"}, {"PolicyDocument", kAllowSqs}},
      "UnmodifiableEntityException");
  EXPECT_GT(call("ListPolicies", {{"Scope", "AWS"}})["Policies"].as_array().size(), 10u);
}

}  // namespace
}  // namespace nimbus::services::iam::testing
