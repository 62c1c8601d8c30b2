// Requests decided against users' and roles' policies (Directory::authorize),
// and role sessions minted for services (Directory::assume_role).
#include <future>

#include "iam/policy.h"
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

// The resource's policy beside the caller's: within the account either
// allows, an explicit deny in either denies; unsigned requests are allowed
// only by a resource policy naming "*".
TEST_F(IamTest, ResourcePoliciesAllowNamedCallersAndAnonymousOnesByStar) {
  std::string alice = user_with_key("alice");
  auto queue_policy = std::make_shared<const nimbus::iam::Policy>(*nimbus::iam::parse_policy(
      R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},
          "Action":"sqs:SendMessage","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"sqs:DeleteQueue","Resource":"*"}]})",
      nimbus::iam::PolicyKind::kResource));
  AccessRequest r;
  r.access_key_id = alice;
  r.action = "sqs:SendMessage";
  r.resources = {kQueue};
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
  r.resource_policies = {queue_policy};
  EXPECT_TRUE(svc->directory().authorize(r).allowed);
  call("PutUserPolicy",
       {{"UserName", "alice"}, {"PolicyName", "sqs"}, {"PolicyDocument", kAllowSqs}});
  r.action = "sqs:DeleteQueue";
  auto denied = svc->directory().authorize(r);
  EXPECT_FALSE(denied.allowed);
  EXPECT_NE(denied.message.find("with an explicit deny in a resource-based policy"),
            std::string::npos);

  AccessRequest anonymous;
  anonymous.anonymous = true;
  anonymous.action = "s3:GetObject";
  anonymous.resources = {"arn:aws:s3:::site/index.html"};
  auto refused = svc->directory().authorize(anonymous);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.message, "Access Denied");
  anonymous.resource_policies = {std::make_shared<const nimbus::iam::Policy>(
      *nimbus::iam::parse_policy(R"({"Statement":[{"Effect":"Allow","Principal":"*",
          "Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]})",
                                 nimbus::iam::PolicyKind::kResource))};
  EXPECT_TRUE(svc->directory().authorize(anonymous).allowed);
  anonymous.action = "s3:PutObject";
  EXPECT_FALSE(svc->directory().authorize(anonymous).allowed);
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

// The keys a call's input sets (AccessRequest::keys) are what conditions on
// aws:RequestTag / aws:TagKeys / service keys see.
TEST_F(IamTest, RequestKeysDecideConditions) {
  std::string alice = user_with_key("alice");
  call("PutUserPolicy",
       {{"UserName", "alice"},
        {"PolicyName", "tags"},
        {"PolicyDocument", R"({"Statement":[{"Effect":"Allow","Action":"sqs:TagQueue",
            "Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/env":"dev"},
            "ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}},
          {"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",
            "Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}}]})"}});
  AccessRequest r;
  r.access_key_id = alice;
  r.action = "sqs:TagQueue";
  r.resources = {kQueue};
  r.keys = {{"aws:RequestTag/env", "dev"}, {"aws:TagKeys", "env"}};
  EXPECT_TRUE(svc->directory().authorize(r).allowed);
  r.keys = {{"aws:RequestTag/env", "prod"}, {"aws:TagKeys", "env"}};
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
  r.keys = {{"aws:RequestTag/env", "dev"}, {"aws:TagKeys", "env"}, {"aws:TagKeys", "cost"}};
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
  r.keys.clear();  // no tags at all: the StringEquals key is missing
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
  r.action = "s3:ListBucket";
  r.resources = {"arn:aws:s3:::shared"};
  r.keys = {{"s3:prefix", "home/alice/docs/"}};
  EXPECT_TRUE(svc->directory().authorize(r).allowed);
  r.keys = {{"s3:prefix", "home/bob/"}};
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
}

// The request's own keys (aws:SourceIp, aws:SecureTransport, ...) are
// gathered only when a policy of the decision has a condition or a policy
// variable: the caller's (recompiled at once when it changes) or the
// resource's.
TEST_F(IamTest, RequestKeysAreGatheredWhenAnyPolicyOfTheDecisionReadsThem) {
  std::string alice = user_with_key("alice");
  call("PutUserPolicy",
       {{"UserName", "alice"},
        {"PolicyName", "plain"},
        {"PolicyDocument", R"({"Statement":[{"Effect":"Allow","Action":"sqs:GetQueueUrl",
            "Resource":"*"}]})"}});
  AccessRequest r;
  r.access_key_id = alice;
  r.action = "sqs:SendMessage";
  r.resources = {kQueue};
  r.source_ip = "10.1.2.3";
  // Only the queue's policy has conditions.
  r.resource_policies = {std::make_shared<const nimbus::iam::Policy>(*nimbus::iam::parse_policy(
      R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},
          "Action":"sqs:SendMessage","Resource":"*",
          "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
        {"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*",
          "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]})",
      nimbus::iam::PolicyKind::kResource))};
  r.secure_transport = true;
  EXPECT_TRUE(svc->directory().authorize(r).allowed);
  r.source_ip = "192.168.0.1";
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
  r.source_ip = "10.1.2.3";
  r.secure_transport = false;
  EXPECT_NE(svc->directory().authorize(r).message.find("explicit deny in a resource-based policy"),
            std::string::npos);
  // The caller's own policy gains a condition: it holds from the next request.
  r.resource_policies.clear();
  r.secure_transport = true;
  call("PutUserPolicy",
       {{"UserName", "alice"},
        {"PolicyName", "plain"},
        {"PolicyDocument", R"({"Statement":[{"Effect":"Allow","Action":"sqs:SendMessage",
            "Resource":"*"}]})"}});
  EXPECT_TRUE(svc->directory().authorize(r).allowed);
  call("PutUserPolicy",
       {{"UserName", "alice"},
        {"PolicyName", "plain"},
        {"PolicyDocument", R"({"Statement":[{"Effect":"Allow","Action":"sqs:SendMessage",
            "Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.168.0.0/16"}}}]})"}});
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
  r.source_ip = "192.168.7.7";
  EXPECT_TRUE(svc->directory().authorize(r).allowed);
  // Only the keys its conditions name are gathered, and every key when a
  // condition value is a policy variable.
  call("PutUserPolicy",
       {{"UserName", "alice"},
        {"PolicyName", "plain"},
        {"PolicyDocument", R"({"Statement":[{"Effect":"Allow","Action":"sqs:SendMessage",
            "Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2000-01-01T00:00:00Z"},
            "StringEquals":{"AWS:REQUESTEDREGION":"us-east-1",
              "aws:RequestTag/ip":"${aws:SourceIp}"}}}]})"}});
  r.region = "us-east-1";
  r.keys = {{"aws:RequestTag/ip", "192.168.7.7"}};
  EXPECT_TRUE(svc->directory().authorize(r).allowed);
  r.source_ip = "192.168.7.8";
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
  r.source_ip = "192.168.7.7";
  r.region = "eu-west-1";
  EXPECT_FALSE(svc->directory().authorize(r).allowed);
}

// aws:ResourceTag/KEY: each resource's tags, read through the function the
// registry sets (use_resource_tags) and only when a policy names such a key.
TEST_F(IamTest, ResourceTagsAreReadPerResourceWhenAPolicyNamesThem) {
  const std::string team_b = "arn:aws:sqs:us-east-1:000000000000:team-b";
  const std::string alice_arn = "arn:aws:iam::000000000000:user/alice";
  int asked = 0;
  svc->directory().use_resource_tags([&](const std::string& arn) {
    ++asked;
    std::vector<std::pair<std::string, std::string>> tags;
    if (arn == kQueue) tags = {{"team", "a"}};
    if (arn == team_b) tags = {{"team", "b"}};
    if (arn == alice_arn) tags = {{"dept", "ops"}};
    return tags;
  });
  std::string alice = user_with_key("alice");
  call("PutUserPolicy",
       {{"UserName", "alice"}, {"PolicyName", "sqs"}, {"PolicyDocument", kAllowSqs}});
  EXPECT_TRUE(decide(alice, "sqs:SendMessage", {kQueue, team_b}).allowed);
  EXPECT_EQ(asked, 0);  // no policy names aws:ResourceTag: nothing is read
  call("PutUserPolicy",
       {{"UserName", "alice"},
        {"PolicyName", "sqs"},
        {"PolicyDocument", R"({"Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*",
            "Condition":{"StringEquals":{"aws:ResourceTag/team":"a"}}},
          {"Effect":"Allow","Action":"iam:GetUser","Resource":"*",
            "Condition":{"StringEquals":{"iam:ResourceTag/dept":"ops"}}}]})"}});
  EXPECT_TRUE(decide(alice, "sqs:SendMessage", {kQueue}).allowed);
  auto denied = decide(alice, "sqs:SendMessage", {team_b});
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.message,
            "User: " + alice_arn +
                " is not authorized to perform: sqs:SendMessage on resource: " + team_b +
                " because no identity-based policy allows the sqs:SendMessage "
                "action");
  // One resource's tags do not carry over to the next.
  EXPECT_FALSE(decide(alice, "sqs:SendMessage", {kQueue, team_b}).allowed);
  EXPECT_FALSE(decide(alice, "sqs:SendMessage", {team_b, kQueue}).allowed);
  EXPECT_FALSE(decide(alice, "sqs:ListQueues", {}).allowed);  // "*" has no tags
  EXPECT_TRUE(decide(alice, "iam:GetUser", {alice_arn}).allowed);
  EXPECT_FALSE(decide(alice, "iam:GetUser", {"arn:aws:iam::000000000000:user/someone"}).allowed);
  EXPECT_GT(asked, 0);

  // A role acting for a service: the same keys.
  settings.service_options["iam.mode"] = "enforce";
  reopen();
  svc->directory().use_resource_tags([&](const std::string& arn) {
    return arn == kQueue ? std::vector<std::pair<std::string, std::string>>{{"team", "a"}}
                         : std::vector<std::pair<std::string, std::string>>{};
  });
  std::string role =
      s(call("CreateRole", {{"RoleName", "esm"}, {"AssumeRolePolicyDocument", kLambdaTrust}})
            .at("Role")
            .at("Arn"));
  call("PutRolePolicy",
       {{"RoleName", "esm"},
        {"PolicyName", "tagged"},
        {"PolicyDocument", R"({"Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*",
            "Condition":{"StringEquals":{"aws:ResourceTag/team":"a"}}}})"}});
  RoleAccessRequest r;
  r.role_arn = role;
  r.service_principal = "lambda.amazonaws.com";
  r.action = "sqs:ReceiveMessage";
  r.resources = {kQueue};
  EXPECT_TRUE(svc->directory().authorize_as_role(r).allowed);
  r.resources = {team_b};
  EXPECT_FALSE(svc->directory().authorize_as_role(r).allowed);
}

// A service acting as a role (authorize_as_role): allowed by anything under
// --iam off; under enforce the role must exist and trust the service, then
// its policies decide, worded for the assumed-role session.
TEST_F(IamTest, ServicesActingAsARoleAreDecidedByItsTrustAndPolicies) {
  std::string arn =
      s(call("CreateRole", {{"RoleName", "esm"}, {"AssumeRolePolicyDocument", kLambdaTrust}})
            .at("Role")
            .at("Arn"));
  RoleAccessRequest r;
  r.role_arn = arn;
  r.service_principal = "lambda.amazonaws.com";
  r.session_name = "fn";
  r.action = "sqs:ReceiveMessage";
  r.resources = {kQueue};
  EXPECT_TRUE(svc->directory().authorize_as_role(r).allowed);  // --iam off
  settings.service_options["iam.mode"] = "enforce";
  reopen();
  auto denied = svc->directory().authorize_as_role(r);
  EXPECT_FALSE(denied.allowed);
  EXPECT_TRUE(denied.assumed);  // assumed, then refused by its policies
  EXPECT_EQ(denied.principal, "arn:aws:sts::000000000000:assumed-role/esm/fn");
  EXPECT_EQ(denied.message,
            "User: arn:aws:sts::000000000000:assumed-role/esm/fn is not authorized to perform: "
            "sqs:ReceiveMessage on resource: " +
                std::string(kQueue) +
                " because no identity-based policy allows the sqs:ReceiveMessage action");
  call("PutRolePolicy",
       {{"RoleName", "esm"}, {"PolicyName", "sqs"}, {"PolicyDocument", kAllowSqs}});
  EXPECT_TRUE(svc->directory().authorize_as_role(r).allowed);
  r.service_principal = "events.amazonaws.com";  // the trust policy names lambda only
  auto untrusted = svc->directory().authorize_as_role(r);
  EXPECT_FALSE(untrusted.allowed);
  EXPECT_FALSE(untrusted.assumed);
  EXPECT_EQ(untrusted.message,
            "User: events.amazonaws.com is not authorized to perform: "
            "sts:AssumeRole on resource: " +
                arn);
  r.service_principal = "lambda.amazonaws.com";
  r.role_arn = "arn:aws:iam::000000000000:role/missing";
  EXPECT_FALSE(svc->directory().authorize_as_role(r).allowed);
  EXPECT_FALSE(svc->directory().authorize_as_role(r).assumed);
}

// A service calling as a role (Step Functions' tasks, through
// OperationCalls::authorize_as) is decided on the keys its call sets, as a
// client's same call: dynamodb:LeadingKeys from the item's key
// (RoleAccessRequest::resource_keys), dynamodb:Attributes from its input
// (keys).
TEST_F(IamTest, ServicesActingAsARoleMeetTheirCallsConditionKeys) {
  settings.service_options["iam.mode"] = "enforce";
  reopen();
  std::string role =
      s(call("CreateRole", {{"RoleName", "sfn"}, {"AssumeRolePolicyDocument", kLambdaTrust}})
            .at("Role")
            .at("Arn"));
  call("PutRolePolicy",
       {{"RoleName", "sfn"}, {"PolicyName", "own"}, {"PolicyDocument", R"({"Statement":[
            {"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":
              {"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["u1"]}}},
            {"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"*","Condition":
              {"ForAllValues:StringEquals":{"dynamodb:Attributes":["pk","v"]}}}]})"}});
  const std::string table = "arn:aws:dynamodb:us-east-1:000000000000:table/t";
  RoleAccessRequest r;
  r.role_arn = role;
  r.service_principal = "lambda.amazonaws.com";
  r.action = "dynamodb:GetItem";
  r.resources = {table};
  std::string key = "u1";
  r.resource_keys = [&](const std::string& arn,
                        std::vector<std::pair<std::string, std::string>>& out) {
    if (arn == table) out.emplace_back("dynamodb:LeadingKeys", key);
  };
  EXPECT_TRUE(svc->directory().authorize_as_role(r).allowed);
  key = "u2";
  EXPECT_FALSE(svc->directory().authorize_as_role(r).allowed);
  r.resource_keys = nullptr;
  r.action = "dynamodb:PutItem";
  r.keys = {{"dynamodb:Attributes", "pk"}, {"dynamodb:Attributes", "v"}};
  EXPECT_TRUE(svc->directory().authorize_as_role(r).allowed);
  r.keys.emplace_back("dynamodb:Attributes", "secret");
  EXPECT_FALSE(svc->directory().authorize_as_role(r).allowed);
}

// A service acting as a role meets the target's own policy: one naming the
// role allows on its own (same account), an explicit deny there denies.
TEST_F(IamTest, ServicesActingAsARoleMeetTheTargetsResourcePolicy) {
  settings.service_options["iam.mode"] = "enforce";
  reopen();
  std::string role =
      s(call("CreateRole", {{"RoleName", "esm"}, {"AssumeRolePolicyDocument", kLambdaTrust}})
            .at("Role")
            .at("Arn"));
  std::string document;
  svc->directory().use_resource_policies(
      [&](const std::string& arn) { return arn == kQueue ? document : std::string(); });
  RoleAccessRequest r;
  r.role_arn = role;
  r.service_principal = "lambda.amazonaws.com";
  r.session_name = "fn";
  r.action = "sqs:SendMessage";
  r.resources = {kQueue};
  EXPECT_FALSE(svc->directory().authorize_as_role(r).allowed);  // no policy allows
  document = R"({"Statement":{"Effect":"Allow","Principal":{"AWS":")" + role +
             R"("},"Action":"sqs:SendMessage","Resource":")" + std::string(kQueue) + R"("}})";
  EXPECT_TRUE(svc->directory().authorize_as_role(r).allowed);
  r.action = "sqs:DeleteQueue";  // the queue policy allows SendMessage only
  EXPECT_FALSE(svc->directory().authorize_as_role(r).allowed);
  r.action = "sqs:SendMessage";
  call("PutRolePolicy",
       {{"RoleName", "esm"}, {"PolicyName", "sqs"}, {"PolicyDocument", kAllowSqs}});
  document = R"({"Statement":{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*"}})";
  auto denied = svc->directory().authorize_as_role(r);
  EXPECT_FALSE(denied.allowed);
  EXPECT_NE(denied.message.find("with an explicit deny in a resource-based policy"),
            std::string::npos);
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
