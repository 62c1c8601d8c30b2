// Requests decided against users' and roles' policies (Directory::authorize),
// and role sessions minted for services (Directory::assume_role).
#include <future>

#include "services/iam/test_helpers.h"

namespace nimbus::services::iam::testing {
namespace {

constexpr const char* kQueue = "arn:aws:sqs:us-east-1:000000000000:orders";

TEST_F(IamTest, UsersGetWhatTheirPoliciesAndGroupsAllow) {
  std::string id = user_with_key("alice");
  auto denied = decide(id, "sqs:SendMessage", {kQueue});
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.message,
            "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: "
            "sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:orders because no "
            "identity-based policy allows the sqs:SendMessage action");
  call("CreateGroup", {{"GroupName", "devs"}});
  call("AttachGroupPolicy",
       {{"GroupName", "devs"}, {"PolicyArn", "arn:aws:iam::aws:policy/AmazonSQSFullAccess"}});
  call("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "alice"}});
  EXPECT_TRUE(decide(id, "sqs:SendMessage", {kQueue}).allowed);
  call("PutUserPolicy",
       {{"UserName", "alice"},
        {"PolicyName", "no-delete"},
        {"PolicyDocument",
         R"({"Statement":[{"Effect":"Deny","Action":"sqs:DeleteQueue","Resource":"*"}]})"}});
  auto deny = decide(id, "sqs:DeleteQueue", {kQueue});
  EXPECT_FALSE(deny.allowed);
  EXPECT_NE(deny.message.find("with an explicit deny in an identity-based policy"),
            std::string::npos);
  // Root (no key id) may do anything.
  EXPECT_TRUE(decide("", "iam:DeleteUser", {"arn:aws:iam::000000000000:user/alice"}).allowed);
  call("PutUserPermissionsBoundary",
       {{"UserName", "alice"},
        {"PermissionsBoundary", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}});
  EXPECT_FALSE(decide(id, "sqs:SendMessage", {kQueue}).allowed);
  call("DeleteUserPermissionsBoundary", {{"UserName", "alice"}});
  EXPECT_TRUE(decide(id, "sqs:SendMessage", {kQueue}).allowed);
}

TEST_F(IamTest, PolicyVariablesNameTheCaller) {
  std::string id = user_with_key("alice");
  call(
      "PutUserPolicy",
      {{"UserName", "alice"},
       {"PolicyName", "own"},
       {"PolicyDocument",
        R"({"Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:*:*:${aws:username}-*"}]})"}});
  EXPECT_TRUE(
      decide(id, "sqs:SendMessage", {"arn:aws:sqs:us-east-1:000000000000:alice-q"}).allowed);
  EXPECT_FALSE(decide(id, "sqs:SendMessage", {"arn:aws:sqs:us-east-1:000000000000:bob-q"}).allowed);
}

TEST_F(IamTest, RoleSessionsActWithTheRolesPoliciesUntilTheyExpire) {
  auto role = call("CreateRole", {{"RoleName", "fn"}, {"AssumeRolePolicyDocument", kLambdaTrust}});
  std::string arn = s(role["Role"].as_object()["Arn"]);
  call("PutRolePolicy", {{"RoleName", "fn"}, {"PolicyName", "sqs"}, {"PolicyDocument", kAllowSqs}});
  AssumeRoleRequest request;
  request.role_arn = arn;
  request.session_name = "invocation";
  std::promise<Result<TemporaryCredentials>> minted;
  svc->directory().assume_role(
      request, [&](Result<TemporaryCredentials> r) { minted.set_value(std::move(r)); });
  auto creds = minted.get_future().get();
  ASSERT_TRUE(creds) << creds.error().message;
  EXPECT_TRUE(creds->access_key_id.starts_with("ASIA"));
  EXPECT_EQ(creds->assumed_role_arn, "arn:aws:sts::000000000000:assumed-role/fn/invocation");
  auto key = svc->directory().find_key(creds->access_key_id);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->session_token, creds->session_token);
  EXPECT_EQ(key->expiration, creds->expiration);
  EXPECT_TRUE(decide(creds->access_key_id, "sqs:SendMessage", {kQueue}).allowed);
  auto s3 = decide(creds->access_key_id, "s3:GetObject", {"arn:aws:s3:::b/k"});
  EXPECT_FALSE(s3.allowed);
  EXPECT_NE(s3.message.find("User: arn:aws:sts::000000000000:assumed-role/fn/invocation is not"),
            std::string::npos);
  reopen();  // sessions are durable
  EXPECT_TRUE(svc->directory().find_key(creds->access_key_id));
  clock.advance(std::chrono::hours(2));
  EXPECT_FALSE(decide(creds->access_key_id, "sqs:SendMessage", {kQueue}).allowed);

  std::promise<Result<TemporaryCredentials>> missing;
  request.role_arn = "arn:aws:iam::000000000000:role/nope";
  svc->directory().assume_role(
      request, [&](Result<TemporaryCredentials> r) { missing.set_value(std::move(r)); });
  auto none = missing.get_future().get();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "NoSuchEntityException");
}

}  // namespace
}  // namespace nimbus::services::iam::testing
