// AWS_IAM authorization (iam_auth.h): the verifier's answers as each kind of
// user API words them, the caller's policies under enforcement, and a REST
// API's resource policy joining them.
#include "services/apigateway/iam_auth.h"

#include <gtest/gtest.h>

#include "services/apigateway/resource_policy.h"
#include "services/testing/null_directory.h"

namespace nimbus::services::apigateway {
namespace {

// Verifies by the x-test-auth header: "root", "user", or an error code.
struct FakeVerifier final : RequestVerifier {
  Result<Caller> verify(http::Request& request, std::string_view service) const override {
    last_service = std::string(service);
    std::string who(request.header("x-test-auth"));
    if (who == "root" || who == "user") {
      Caller c;
      c.access_key_id = who == "root" ? "test" : "AKIAUSER";
      c.root = who == "root";
      c.account_id = "000000000000";
      c.principal_arn =
          who == "root" ? "arn:aws:iam::000000000000:root" : "arn:aws:iam::000000000000:user/u";
      c.principal_id = who == "root" ? "000000000000" : "AIDAUSER";
      return c;
    }
    return Error::make(who.empty() ? "MissingAuthenticationToken" : who, "from the verifier", 403);
  }
  mutable std::string last_service;
};

// Allows the root and nothing else; records what it was asked.
struct FakeDirectory final : services::testing::NullDirectory {
  FakeDirectory() { enforce = true; }
  iam::AccessDecision authorize(const iam::AccessRequest& r) const override {
    asked = r;
    return {r.access_key_id.empty(), "denied", "", true};
  }
  mutable iam::AccessRequest asked;
};

constexpr const char* kArn = "arn:aws:execute-api:us-east-1:000000000000:api/prod/GET/pets";

struct IamAuthTest : ::testing::Test {
  std::optional<http::Response> check(
      const std::string& who, IamAuth::Kind kind,
      const std::shared_ptr<const nimbus::iam::Policy>& policy = nullptr) {
    http::Request r;
    r.method = "GET";
    if (!who.empty()) r.headers.emplace_back("x-test-auth", who);
    r.remote = "10.0.0.9:1";
    caller = Caller{};
    Invoker invoker;
    invoker.source_ip = "10.0.0.9";
    return auth.check(r, kind, "execute-api:Invoke", policy ? kArn : "arn:res", "us-east-1", caller,
                      policy, invoker);
  }
  FakeVerifier verifier;
  FakeDirectory directory;
  IamAuth auth;
  Caller caller;
};

TEST_F(IamAuthTest, RefusesWithoutAVerifier) {
  auto r = check("root", IamAuth::Kind::kExecuteApi);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"message":"Missing Authentication Token"})");
  EXPECT_EQ(check("root", IamAuth::Kind::kFunctionUrl)->body, R"({"Message":"Forbidden"})");
}

TEST_F(IamAuthTest, VerifierErrorsAsTheGatewayWordsThem) {
  auth.use(&verifier, &directory);
  auto r = check("", IamAuth::Kind::kExecuteApi);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->header("x-amzn-ErrorType"), "MissingAuthenticationTokenException");
  EXPECT_EQ(verifier.last_service, "execute-api");
  EXPECT_EQ(check("InvalidClientTokenId", IamAuth::Kind::kExecuteApi)->body,
            R"({"message":"The security token included in the request is invalid."})");
  EXPECT_EQ(check("SignatureDoesNotMatch", IamAuth::Kind::kExecuteApi)->header("x-amzn-ErrorType"),
            "InvalidSignatureException");
  EXPECT_EQ(check("SignatureDoesNotMatch", IamAuth::Kind::kFunctionUrl)->body,
            R"({"Message":"Forbidden"})");
  EXPECT_EQ(verifier.last_service, "lambda");
}

TEST_F(IamAuthTest, PoliciesDecideUnderEnforcement) {
  auth.use(&verifier, &directory);
  EXPECT_FALSE(check("root", IamAuth::Kind::kExecuteApi));
  EXPECT_EQ(caller.principal_arn, "arn:aws:iam::000000000000:root");
  EXPECT_EQ(directory.asked.access_key_id, "");  // the root pair
  auto r = check("user", IamAuth::Kind::kExecuteApi);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body,
            R"({"Message":"User: arn:aws:iam::000000000000:user/u is not authorized to perform: )"
            R"(execute-api:Invoke on resource: arn:res"})");
  EXPECT_EQ(directory.asked.access_key_id, "AKIAUSER");
  EXPECT_EQ(directory.asked.action, "execute-api:Invoke");
  EXPECT_EQ(directory.asked.resources, std::vector<std::string>{"arn:res"});
  EXPECT_EQ(directory.asked.source_ip, "10.0.0.9");
  EXPECT_EQ(check("user", IamAuth::Kind::kFunctionUrl)->body, R"({"Message":"Forbidden"})");
  directory.enforce = false;  // --iam off: the signature alone decides
  EXPECT_FALSE(check("user", IamAuth::Kind::kExecuteApi));
  EXPECT_EQ(caller.principal_id, "AIDAUSER");
}

// AWS's tables for IAM authentication and a resource policy, same account:
// an explicit deny in the policy refuses whatever the caller's policies
// say; under enforcement both are evaluated together (the directory gets
// the policy); with --iam off the caller's policies count as allowing.
TEST_F(IamAuthTest, ResourcePolicyJoinsTheDecision) {
  auth.use(&verifier, &directory);
  auto other = parse_rest_policy(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":)"
      R"("arn:aws:iam::000000000000:user/other"},"Action":"execute-api:Invoke","Resource":"*"}]})");
  ASSERT_TRUE(other);
  auto r = check("user", IamAuth::Kind::kExecuteApi, other);
  ASSERT_TRUE(r);  // this fake directory allows the root only
  EXPECT_EQ(r->body,
            R"({"Message":"User: arn:aws:iam::000000000000:user/u is not authorized to perform: )"
            R"(execute-api:Invoke on resource: )" +
                std::string(kArn) + R"("})");
  ASSERT_EQ(directory.asked.resource_policies.size(), 1u);
  EXPECT_EQ(directory.asked.resource_policies[0], other);
  EXPECT_FALSE(check("root", IamAuth::Kind::kExecuteApi, other));

  auto deny = parse_rest_policy(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",)"
      R"("Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:api/*",)"
      R"("Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})");
  r = check("root", IamAuth::Kind::kExecuteApi, deny);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body,
            R"({"Message":"User: arn:aws:iam::000000000000:root is not authorized to perform: )"
            R"(execute-api:Invoke on resource: )" +
                std::string(kArn) + R"( with an explicit deny in a resource-based policy"})");
  EXPECT_EQ(r->header("x-amzn-ErrorType"), "AccessDeniedException");

  directory.enforce = false;  // --iam off: only the policy's explicit deny refuses
  EXPECT_FALSE(check("user", IamAuth::Kind::kExecuteApi, other));
  EXPECT_TRUE(check("user", IamAuth::Kind::kExecuteApi, deny));
}

}  // namespace
}  // namespace nimbus::services::apigateway
