// STS unit tests on the shared fixture: who the caller is, and that the
// operation names no resource (IAM authorizes it on "*").
#include "common/encoding.h"
#include "services/iam/iam_service.h"
#include "services/sts/sts_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::sts {
namespace {

namespace json = boost::json;

using StsTest = services::testing::ServiceTest<StsService>;

TEST_F(StsTest, CallerIsTheAccountRootUnlessSettingsNameAnother) {
  auto out = call("GetCallerIdentity", {});
  EXPECT_EQ(s(out["Account"]), "000000000000");
  EXPECT_EQ(s(out["UserId"]), "000000000000");
  EXPECT_EQ(s(out["Arn"]), "arn:aws:iam::000000000000:root");

  settings.caller_arn = "arn:aws:iam::000000000000:user/dev";
  settings.caller_user_id = "AIDADEV";
  out = call("GetCallerIdentity", {});
  EXPECT_EQ(s(out["Arn"]), "arn:aws:iam::000000000000:user/dev");
  EXPECT_EQ(s(out["UserId"]), "AIDADEV");
}

TEST_F(StsTest, GetCallerIdentityTouchesNoResource) {
  auto r = svc->resources("GetCallerIdentity", ctx("GetCallerIdentity"), {});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
  EXPECT_FALSE(svc->resources("GetFederationToken", ctx("GetFederationToken"), {}).has_value());
}

// STS beside a real IAM service, as the registry builds them.
class StsSessionTest : public services::testing::ServiceTest<StsService> {
 protected:
  StsSessionTest()
      : ServiceTest({[this](Environment& env) {
                       auto s = std::make_unique<iam::IamService>(env);
                       iam_ = s.get();
                       return s;
                     },
                     [this](Environment& env) {
                       return std::make_unique<StsService>(env, &iam_->directory());
                     }}) {}
  void SetUp() override {
    ServiceTest::SetUp();
    auto made = try_call(
        *iam_, ctx("CreateRole"),
        {{"RoleName", "r"},
         {"AssumeRolePolicyDocument", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                                      R"("Principal":{"AWS":"arn:aws:iam::000000000000:root"},)"
                                      R"("Action":"sts:AssumeRole"}]})"}});
    ASSERT_TRUE(made) << made.error().message;
  }
  json::object assume(json::object extra = {}) {
    extra["RoleArn"] = kRole;
    if (!extra.contains("RoleSessionName")) extra["RoleSessionName"] = "s1";
    return call("AssumeRole", std::move(extra));
  }
  static constexpr const char* kRole = "arn:aws:iam::000000000000:role/r";
  iam::IamService* iam_ = nullptr;
};

TEST_F(StsSessionTest, SessionsAreDurableAndEndAtTheirExpiration) {
  auto out = assume({{"DurationSeconds", 900}});
  auto creds = out["Credentials"].as_object();
  std::string akid = s(creds["AccessKeyId"]);
  EXPECT_EQ(
      creds["Expiration"].to_number<double>(),
      std::chrono::duration<double>((clock.now() + std::chrono::seconds(900)).time_since_epoch())
          .count());
  EXPECT_EQ(s(out["AssumedRoleUser"].as_object()["Arn"]),
            "arn:aws:sts::000000000000:assumed-role/r/s1");
  EXPECT_FALSE(out.contains("PackedPolicySize"));
  reopen();
  auto key = iam_->directory().find_key(akid);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->session_token, s(creds["SessionToken"]));
  iam::AccessRequest use;
  use.access_key_id = akid;
  use.action = "sqs:ListQueues";
  EXPECT_EQ(iam_->directory().authorize(use).principal,
            "arn:aws:sts::000000000000:assumed-role/r/s1");
  clock.advance(std::chrono::seconds(901));
  auto after = iam_->directory().authorize(use);
  EXPECT_FALSE(after.allowed);
  EXPECT_EQ(after.message, "The security token included in the request is invalid.");
}

TEST_F(StsSessionTest, EveryConstraintIsReportedAtOnce) {
  auto r = try_call("AssumeRole",
                    {{"RoleArn", kRole}, {"RoleSessionName", "a"}, {"DurationSeconds", 50000}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "ValidationError");
  EXPECT_EQ(r.error().message,
            "2 validation errors detected: Value 'a' at 'roleSessionName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 2; Value '50000' at "
            "'durationSeconds' failed to satisfy constraint: Member must have value less than or "
            "equal to 43200");
  expect_error("AssumeRole", {{"RoleSessionName", "s1"}}, "ValidationError");
}

TEST_F(StsSessionTest, SessionPoliciesAreCheckedAndPacked) {
  std::string big = R"({"Version":"2012-10-17","Statement":[)";
  for (int i = 0; i < 40; ++i) {
    if (i) big += ",";
    big +=
        R"({"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:000000000000:queue-)" +
        std::to_string(i) + R"("})";
  }
  big += "]}";
  auto r = try_call("AssumeRole", {{"RoleArn", kRole}, {"RoleSessionName", "s1"}, {"Policy", big}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "PackedPolicyTooLargeException");
  EXPECT_TRUE(r.error().message.starts_with("Packed policy consumes ")) << r.error().message;
  expect_error("AssumeRole", {{"RoleArn", kRole}, {"RoleSessionName", "s1"}, {"Policy", "{}"}},
               "MalformedPolicyDocumentException");
  auto out = assume({{"Policy", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                                R"("Action":"sqs:ListQueues","Resource":"*"}]})"}});
  EXPECT_GT(out["PackedPolicySize"].to_number<int64_t>(), 0);
  iam::AccessRequest use;
  use.access_key_id = s(out["Credentials"].as_object()["AccessKeyId"]);
  use.action = "sqs:SendMessage";
  // The role itself allows nothing; the session policy cannot add to it.
  EXPECT_FALSE(iam_->directory().authorize(use).allowed);
}

TEST_F(StsSessionTest, EnforcedTrustRefusesTheRoot) {
  settings.service_options["iam.mode"] = "enforce";
  reopen();
  auto r = try_call("AssumeRole", {{"RoleArn", kRole}, {"RoleSessionName", "s1"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "AccessDenied");
  EXPECT_EQ(r.error().message, "Roles may not be assumed by root accounts.");
  auto missing = try_call("AssumeRole", {{"RoleArn", "arn:aws:iam::000000000000:role/none"},
                                         {"RoleSessionName", "s1"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole "
            "on resource: arn:aws:iam::000000000000:role/none");
}

TEST_F(StsSessionTest, GetSessionTokenForTheRootLastsAnHourAtMost) {
  auto out = call("GetSessionToken", {{"DurationSeconds", 7200}});
  auto creds = out["Credentials"].as_object();
  auto key = iam_->directory().find_key(s(creds["AccessKeyId"]));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->principal_arn, "arn:aws:iam::000000000000:root");
  EXPECT_EQ(key->expiration, clock.now() + std::chrono::hours(1));
}

// AssumeRoleWithWebIdentity refuses what it can tell from the token alone
// before asking the issuer for its keys (the signature and the trust
// policy are tests/e2e/test_sts_web_identity.py's, against a real issuer).
class StsWebIdentityTest : public StsSessionTest {
 protected:
  static std::string b64url(std::string_view text) {
    std::string b = base64_encode(text);
    for (auto& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!b.empty() && b.back() == '=') b.pop_back();
    return b;
  }
  std::string token(json::object claims) {
    return b64url(R"({"alg":"RS256","kid":"k1"})") + "." + b64url(json::serialize(claims)) + "." +
           b64url("not a signature");
  }
  json::object claims() {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());
    return {{"iss", "https://idp.example.com"},
            {"aud", "app"},
            {"sub", "user-1"},
            {"exp", now.count() + 600}};
  }
  Error refused(std::string web_token) {
    auto out =
        try_call("AssumeRoleWithWebIdentity",
                 {{"RoleArn", kRole}, {"RoleSessionName", "web"}, {"WebIdentityToken", web_token}});
    EXPECT_FALSE(out);
    return out ? Error{} : out.error();
  }
};

TEST_F(StsWebIdentityTest, TokensAreCheckedBeforeTheirKeysAreFetched) {
  auto none = refused(token(claims()));
  EXPECT_EQ(none.code, "InvalidIdentityTokenException");
  EXPECT_EQ(none.message,
            "No OpenIDConnect provider found in your account for https://idp.example.com");
  auto made =
      try_call(*iam_, ctx("CreateOpenIDConnectProvider"),
               {{"Url", "https://idp.example.com"},
                {"ClientIDList", json::array{"app"}},
                {"ThumbprintList", json::array{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}}});
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(refused("not.a-token").code, "InvalidIdentityTokenException");
  auto c = claims();
  c["aud"] = "other";
  auto aud = refused(token(c));
  EXPECT_EQ(aud.code, "InvalidIdentityTokenException");
  EXPECT_EQ(aud.message, "Incorrect token audience");
  c = claims();
  c["exp"] = c["exp"].as_int64() - 1200;
  auto expired = refused(token(c));
  EXPECT_EQ(expired.code, "ExpiredTokenException");
  EXPECT_TRUE(expired.message.starts_with("Token expired: current date/time ")) << expired.message;
  c = claims();
  c["nbf"] = c["exp"];
  EXPECT_EQ(refused(token(c)).code, "InvalidIdentityTokenException");
  c = claims();
  c.erase("exp");
  EXPECT_EQ(refused(token(c)).code, "InvalidIdentityTokenException");
  auto bad = try_call("AssumeRoleWithWebIdentity",
                      {{"RoleArn", "x"}, {"RoleSessionName", "w"}, {"WebIdentityToken", "abc"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "ValidationError");
  EXPECT_TRUE(
      bad.error().message.starts_with("3 validation errors detected: Value at "
                                      "'webIdentityToken' failed to satisfy constraint"))
      << bad.error().message;
  // AWS names the role the call touches.
  auto r = svc->resources("AssumeRoleWithWebIdentity", ctx("AssumeRoleWithWebIdentity"),
                          {{"RoleArn", kRole}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (Resources{kRole}));
}

}  // namespace
}  // namespace nimbus::services::sts
