// Users, groups, access keys, roles, instance profiles: the control plane,
// its errors, and what a restart keeps.
#include "services/iam/test_helpers.h"

namespace nimbus::services::iam::testing {
namespace {

TEST_F(IamTest, UsersAreCreatedListedAndUniqueWithoutRegardToCase) {
  auto created = call("CreateUser", {{"UserName", "Alice"}, {"Path", "/eng/"}});
  auto& u = created["User"].as_object();
  EXPECT_EQ(s(u["Arn"]), "arn:aws:iam::000000000000:user/eng/Alice");
  EXPECT_TRUE(s(u["UserId"]).starts_with("AIDA"));
  EXPECT_EQ(s(u["UserId"]).size(), 20u);
  expect_error("CreateUser", {{"UserName", "alice"}}, "EntityAlreadyExistsException");
  EXPECT_EQ(s(call("GetUser", {{"UserName", "ALICE"}})["User"].as_object()["UserName"]), "Alice");
  call("CreateUser", {{"UserName", "bob"}});
  EXPECT_EQ(call("ListUsers", {})["Users"].as_array().size(), 2u);
  EXPECT_EQ(call("ListUsers", {{"PathPrefix", "/eng/"}})["Users"].as_array().size(), 1u);
  auto page = call("ListUsers", {{"MaxItems", 1}});
  EXPECT_TRUE(page["IsTruncated"].as_bool());
  auto next = call("ListUsers", {{"MaxItems", 1}, {"Marker", page["Marker"]}});
  EXPECT_EQ(s(next["Users"].as_array()[0].as_object()["UserName"]), "bob");
  EXPECT_FALSE(next["IsTruncated"].as_bool());
  expect_error("GetUser", {{"UserName", "carol"}}, "NoSuchEntityException");
  auto err = try_call("GetUser", {{"UserName", "carol"}});
  EXPECT_EQ(err.error().message, "The user with name carol cannot be found.");
  expect_error("CreateUser", {{"UserName", "x"}, {"Path", "eng"}}, "ValidationError");
}

TEST_F(IamTest, AccessKeysAreLimitedDeactivatedAndDeleted) {
  std::string id = user_with_key("alice");
  EXPECT_TRUE(id.starts_with("AKIA"));
  auto key = svc->directory().find_key(id);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->principal_arn, "arn:aws:iam::000000000000:user/alice");
  EXPECT_EQ(key->secret_access_key.size(), 40u);
  call("CreateAccessKey", {{"UserName", "alice"}});
  auto third = try_call("CreateAccessKey", {{"UserName", "alice"}});
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, "LimitExceededException");
  EXPECT_EQ(third.error().message, "Cannot exceed quota for AccessKeysPerUser: 2");
  EXPECT_EQ(call("ListAccessKeys", {{"UserName", "alice"}})["AccessKeyMetadata"].as_array().size(),
            2u);

  call("UpdateAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}, {"Status", "Inactive"}});
  EXPECT_FALSE(svc->directory().find_key(id));
  call("UpdateAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}, {"Status", "Active"}});
  EXPECT_TRUE(svc->directory().find_key(id));
  expect_error("DeleteUser", {{"UserName", "alice"}}, "DeleteConflictException");
  call("DeleteAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}});
  EXPECT_FALSE(svc->directory().find_key(id));
  expect_error("DeleteAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}},
               "NoSuchEntityException");
}

TEST_F(IamTest, GroupsHoldUsers) {
  call("CreateUser", {{"UserName", "alice"}});
  call("CreateGroup", {{"GroupName", "devs"}});
  expect_error("CreateGroup", {{"GroupName", "DEVS"}}, "EntityAlreadyExistsException");
  call("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "alice"}});
  auto group = call("GetGroup", {{"GroupName", "devs"}});
  ASSERT_EQ(group["Users"].as_array().size(), 1u);
  EXPECT_EQ(call("ListGroupsForUser", {{"UserName", "alice"}})["Groups"].as_array().size(), 1u);
  expect_error("DeleteGroup", {{"GroupName", "devs"}}, "DeleteConflictException");
  expect_error("DeleteUser", {{"UserName", "alice"}}, "DeleteConflictException");
  call("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "alice"}});
  call("DeleteGroup", {{"GroupName", "devs"}});
  call("DeleteUser", {{"UserName", "alice"}});
  EXPECT_EQ(call("ListUsers", {})["Users"].as_array().size(), 0u);
}

TEST_F(IamTest, RolesCarryTheirTrustPolicyUrlEncoded) {
  auto created = call(
      "CreateRole",
      {{"RoleName", "fn"}, {"AssumeRolePolicyDocument", kLambdaTrust}, {"Description", "runs f"}});
  auto& role = created["Role"].as_object();
  EXPECT_TRUE(s(role["RoleId"]).starts_with("AROA"));
  EXPECT_EQ(decoded(role["AssumeRolePolicyDocument"]), kLambdaTrust);
  EXPECT_EQ(role["MaxSessionDuration"].as_int64(), 3600);
  auto bad =
      try_call("CreateRole", {{"RoleName", "x"},
                              {"AssumeRolePolicyDocument",
                               R"({"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]})"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "MalformedPolicyDocumentException");
  EXPECT_EQ(bad.error().message, "Missing required field Principal");
  expect_error("GetRole", {{"RoleName", "x"}}, "NoSuchEntityException");
  call("UpdateRole", {{"RoleName", "fn"}, {"MaxSessionDuration", 7200}});
  EXPECT_EQ(
      call("GetRole", {{"RoleName", "fn"}})["Role"].as_object()["MaxSessionDuration"].as_int64(),
      7200);
  expect_error("UpdateRole", {{"RoleName", "fn"}, {"MaxSessionDuration", 60}}, "ValidationError");

  auto linked =
      call("CreateServiceLinkedRole", {{"AWSServiceName", "elasticbeanstalk.amazonaws.com"}});
  EXPECT_EQ(s(linked["Role"].as_object()["RoleName"]), "AWSServiceRoleForElasticbeanstalk");
  EXPECT_EQ(s(linked["Role"].as_object()["Path"]),
            "/aws-service-role/elasticbeanstalk.amazonaws.com/");
}

// Tag keys starting with aws: are AWS's: refused from clients
// (InvalidInputException), changing nothing, taken from CloudFormation.
TEST_F(IamTest, AwsTagKeysComeFromCloudFormationOnly) {
  namespace json = boost::json;
  auto aws_tag =
      json::array{json::object{{"Key", "aws:cloudformation:stack-name"}, {"Value", "s"}}};
  auto refused =
      try_call("CreateRole",
               {{"RoleName", "t"}, {"AssumeRolePolicyDocument", kLambdaTrust}, {"Tags", aws_tag}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "InvalidInputException");
  EXPECT_EQ(refused.error().message,
            "The tag key 'aws:cloudformation:stack-name' starts with 'aws:', which is reserved "
            "for AWS use.");
  expect_error("GetRole", {{"RoleName", "t"}}, "NoSuchEntityException");
  expect_error("CreateUser", {{"UserName", "u"}, {"Tags", aws_tag}}, "InvalidInputException");
  call("CreateRole", {{"RoleName", "r"}, {"AssumeRolePolicyDocument", kLambdaTrust}});
  expect_error(
      "TagRole",
      {{"RoleName", "r"}, {"Tags", json::array{json::object{{"Key", "AWS:x"}, {"Value", "1"}}}}},
      "InvalidInputException");
  expect_error("UntagRole", {{"RoleName", "r"}, {"TagKeys", json::array{"aws:x"}}},
               "InvalidInputException");
  EXPECT_TRUE(call("ListRoleTags", {{"RoleName", "r"}})["Tags"].as_array().empty());
  CallContext stack = ctx("TagRole");
  stack.called_via = "cloudformation.amazonaws.com";
  ASSERT_TRUE(try_call(*svc, stack, {{"RoleName", "r"}, {"Tags", aws_tag}}));
  EXPECT_EQ(call("ListRoleTags", {{"RoleName", "r"}})["Tags"].as_array().size(), 1u);
}

TEST_F(IamTest, InstanceProfilesHoldOneRole) {
  call("CreateRole", {{"RoleName", "ec2"}, {"AssumeRolePolicyDocument", kLambdaTrust}});
  call("CreateInstanceProfile", {{"InstanceProfileName", "web"}});
  call("AddRoleToInstanceProfile", {{"InstanceProfileName", "web"}, {"RoleName", "ec2"}});
  auto p = call("GetInstanceProfile", {{"InstanceProfileName", "web"}});
  EXPECT_EQ(p["InstanceProfile"].as_object()["Roles"].as_array().size(), 1u);
  expect_error("AddRoleToInstanceProfile", {{"InstanceProfileName", "web"}, {"RoleName", "ec2"}},
               "LimitExceededException");
  expect_error("DeleteRole", {{"RoleName", "ec2"}}, "DeleteConflictException");
  expect_error("DeleteInstanceProfile", {{"InstanceProfileName", "web"}},
               "DeleteConflictException");
  EXPECT_EQ(call("ListInstanceProfilesForRole", {{"RoleName", "ec2"}})["InstanceProfiles"]
                .as_array()
                .size(),
            1u);
  call("RemoveRoleFromInstanceProfile", {{"InstanceProfileName", "web"}, {"RoleName", "ec2"}});
  call("DeleteInstanceProfile", {{"InstanceProfileName", "web"}});
  call("DeleteRole", {{"RoleName", "ec2"}});
}

TEST_F(IamTest, EverythingSurvivesARestart) {
  std::string id = user_with_key("alice");
  call("CreateGroup", {{"GroupName", "devs"}});
  call("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "alice"}});
  call("CreateRole", {{"RoleName", "fn"}, {"AssumeRolePolicyDocument", kLambdaTrust}});
  auto policy = call("CreatePolicy", {{"PolicyName", "sqs"}, {"PolicyDocument", kAllowSqs}});
  std::string arn = s(policy["Policy"].as_object()["Arn"]);
  call("CreatePolicyVersion",
       {{"PolicyArn", arn}, {"PolicyDocument", kAllowSqs}, {"SetAsDefault", true}});
  call("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", arn}});
  call("PutRolePolicy",
       {{"RoleName", "fn"}, {"PolicyName", "inline"}, {"PolicyDocument", kAllowSqs}});
  std::string secret = svc->directory().find_key(id)->secret_access_key;
  reopen();
  auto key = svc->directory().find_key(id);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->secret_access_key, secret);
  EXPECT_EQ(call("GetGroup", {{"GroupName", "devs"}})["Users"].as_array().size(), 1u);
  EXPECT_EQ(s(call("GetPolicy", {{"PolicyArn", arn}})["Policy"].as_object()["DefaultVersionId"]),
            "v2");
  EXPECT_EQ(
      call("GetPolicy", {{"PolicyArn", arn}})["Policy"].as_object()["AttachmentCount"].as_int64(),
      1);
  EXPECT_EQ(decoded(call("GetRolePolicy",
                         {{"RoleName", "fn"}, {"PolicyName", "inline"}})["PolicyDocument"]),
            kAllowSqs);
  EXPECT_TRUE(decide(id, "sqs:SendMessage", {"arn:aws:sqs:us-east-1:000000000000:q"}).allowed);
}

}  // namespace
}  // namespace nimbus::services::iam::testing
