// Execution-role sessions for functions, on the simulated clock: named for
// the function, reused while fresh, replaced before they run out; a role
// Lambda may not assume refused under --iam enforce, any role served
// under --iam off.
#include "services/lambda/credentials.h"

#include "services/iam/iam_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::lambda {
namespace {

const char* kLambdaTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
const char* kEc2Trust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

class RoleSessionsTest : public services::testing::ServiceTest<iam::IamService> {
 protected:
  std::string role(const std::string& name, const char* trust) {
    auto out = call("CreateRole", {{"RoleName", name}, {"AssumeRolePolicyDocument", trust}});
    return s(out["Role"].as_object()["Arn"]);
  }
  runtime::FunctionSpec fn(const std::string& role_arn) {
    runtime::FunctionSpec spec;
    spec.name = "worker";
    spec.role_arn = role_arn;
    return spec;
  }
  void enforce() {
    settings.service_options["iam.mode"] = "enforce";
    reopen();
  }
};

TEST_F(RoleSessionsTest, SessionsAreNamedForTheFunctionAndReplacedBeforeTheyRunOut) {
  std::string arn = role("fn-role", kLambdaTrust);
  RoleSessions sessions(svc->directory(), clock);
  auto first = sessions.credentials(fn(arn));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->access_key_id.starts_with("ASIA"));
  EXPECT_FALSE(first->session_token.empty());
  EXPECT_EQ(first->expiration, clock.now() + std::chrono::hours(1));
  auto key = svc->directory().find_key(first->access_key_id);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->principal_arn, "arn:aws:sts::000000000000:assumed-role/fn-role/worker");
  EXPECT_EQ(key->secret_access_key, first->secret_access_key);

  // Reused while at least 30 minutes are left, then a new session.
  clock.advance(std::chrono::minutes(30));
  auto again = sessions.credentials(fn(arn));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->access_key_id, first->access_key_id);
  clock.advance(std::chrono::seconds(1));
  auto fresh = sessions.credentials(fn(arn));
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->access_key_id, first->access_key_id);
  EXPECT_EQ(fresh->expiration, clock.now() + std::chrono::hours(1));

  // Sessions are durable: the function's keys survive a restart.
  reopen();
  EXPECT_TRUE(svc->directory().find_key(fresh->access_key_id));
}

TEST_F(RoleSessionsTest, OffServesAnyRoleAndChecksNone) {
  RoleSessions sessions(svc->directory(), clock);
  std::string missing = "arn:aws:iam::000000000000:role/not-created";
  EXPECT_TRUE(sessions.check(missing));
  auto creds = sessions.credentials(fn(missing));
  ASSERT_TRUE(creds) << creds.error().message;
  EXPECT_EQ(svc->directory().find_key(creds->access_key_id)->principal_arn,
            "arn:aws:sts::000000000000:assumed-role/not-created/worker");
  EXPECT_FALSE(sessions.credentials(fn("")));
}

TEST_F(RoleSessionsTest, EnforceRefusesARoleLambdaMayNotAssume) {
  enforce();
  std::string trusted = role("fn-role", kLambdaTrust);
  std::string ec2 = role("ec2-role", kEc2Trust);
  std::string missing = "arn:aws:iam::000000000000:role/not-created";
  RoleSessions sessions(svc->directory(), clock);
  EXPECT_TRUE(sessions.check(trusted));
  for (const auto& arn : {ec2, missing}) {
    auto st = sessions.check(arn);
    ASSERT_FALSE(st) << arn;
    EXPECT_EQ(st.error().code, "InvalidParameterValueException");
    EXPECT_EQ(st.error().message, "The role defined for the function cannot be assumed by Lambda.");
  }
  EXPECT_TRUE(sessions.credentials(fn(trusted)));
  auto refused = sessions.credentials(fn(ec2));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "AccessDenied");
  EXPECT_EQ(refused.error().message,
            "User: lambda.amazonaws.com is not authorized to perform: sts:AssumeRole on "
            "resource: " +
                ec2);
  EXPECT_EQ(sessions.credentials(fn(missing)).error().code, "NoSuchEntityException");
}

}  // namespace
}  // namespace nimbus::services::lambda
