// OpenID Connect providers: the control plane, its errors and limits, what a
// restart keeps, and trust policies naming a provider as the Federated
// principal with the token's condition keys.
#include <future>

#include "services/iam/test_helpers.h"

namespace nimbus::services::iam::testing {
namespace {

namespace json = boost::json;

const std::string kThumb = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
const std::string kArn = "arn:aws:iam::000000000000:oidc-provider/idp.example.com/tenant";

class OidcTest : public IamTest {
 protected:
  std::string create(std::string url = "https://idp.example.com/tenant") {
    auto out = call("CreateOpenIDConnectProvider",
                    {{"Url", url},
                     {"ClientIDList", json::array{"app", "app"}},
                     {"ThumbprintList", json::array{kThumb.c_str()}},
                     {"Tags", json::array{json::object{{"Key", "team"}, {"Value", "web"}}}}});
    return s(out["OpenIDConnectProviderArn"]);
  }
  json::object get() {
    return call("GetOpenIDConnectProvider", {{"OpenIDConnectProviderArn", kArn}});
  }
  std::string code(const char* op, json::object in) {
    auto r = try_call(op, std::move(in));
    return r ? "" : r.error().code;
  }
};

TEST_F(OidcTest, ProvidersAreCreatedReadListedAndDeleted) {
  EXPECT_EQ(create(), kArn);
  auto p = get();
  EXPECT_EQ(s(p["Url"]), "idp.example.com/tenant");
  EXPECT_EQ(p["ClientIDList"].as_array(), (json::array{"app"}));  // duplicates dropped
  EXPECT_EQ(p["ThumbprintList"].as_array(), (json::array{kThumb.c_str()}));
  EXPECT_EQ(p["Tags"].as_array().size(), 1u);
  auto listed = call("ListOpenIDConnectProviders", {})["OpenIDConnectProviderList"].as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(s(listed[0].as_object()["Arn"]), kArn);
  auto again = try_call(
      "CreateOpenIDConnectProvider",
      {{"Url", "https://idp.example.com/tenant"}, {"ThumbprintList", json::array{kThumb.c_str()}}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "EntityAlreadyExistsException");
  EXPECT_EQ(again.error().message,
            "Provider with url https://idp.example.com/tenant already exists.");

  auto found = svc->directory().find_oidc_provider("https://idp.example.com/tenant");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->arn, kArn);
  EXPECT_TRUE(svc->directory().find_oidc_provider("idp.example.com/tenant"));
  EXPECT_FALSE(svc->directory().find_oidc_provider("http://idp.example.com/tenant"));
  EXPECT_FALSE(svc->directory().find_oidc_provider("https://idp.example.com"));

  call("DeleteOpenIDConnectProvider", {{"OpenIDConnectProviderArn", kArn}});
  EXPECT_EQ(code("GetOpenIDConnectProvider", {{"OpenIDConnectProviderArn", kArn}}),
            "NoSuchEntityException");
  EXPECT_EQ(code("DeleteOpenIDConnectProvider", {{"OpenIDConnectProviderArn", kArn}}),
            "NoSuchEntityException");
  EXPECT_FALSE(svc->directory().find_oidc_provider("https://idp.example.com/tenant"));
}

TEST_F(OidcTest, BadUrlsThumbprintsAndLimitsChangeNothing) {
  json::array thumbs{kThumb.c_str()};
  for (const char* url : {"http://idp.example.com", "idp.example.com", "https://",
                          "https://idp.example.com/?x=1", "ftp://idp.example.com"}) {
    EXPECT_EQ(code("CreateOpenIDConnectProvider", {{"Url", url}, {"ThumbprintList", thumbs}}),
              "InvalidInputException")
        << url;
  }
  // A local issuer (development, tests, air-gapped) may be plain http.
  EXPECT_EQ(code("CreateOpenIDConnectProvider",
                 {{"Url", "http://127.0.0.1:8080"}, {"ThumbprintList", thumbs}}),
            "");
  EXPECT_EQ(code("CreateOpenIDConnectProvider",
                 {{"Url", "https://a.example"},
                  {"ThumbprintList", json::array{"zz99a48a9960b14926bb7f3b02e22da2b0ab7280"}}}),
            "InvalidInputException");
  json::array six;
  for (int i = 0; i < 6; ++i) six.emplace_back(kThumb);
  EXPECT_EQ(
      code("CreateOpenIDConnectProvider", {{"Url", "https://a.example"}, {"ThumbprintList", six}}),
      "LimitExceededException");
  json::array many;
  for (int i = 0; i < 101; ++i) many.emplace_back("client-" + std::to_string(i));
  EXPECT_EQ(
      code("CreateOpenIDConnectProvider",
           {{"Url", "https://a.example"}, {"ClientIDList", many}, {"ThumbprintList", thumbs}}),
      "LimitExceededException");
  EXPECT_EQ(call("ListOpenIDConnectProviders", {})["OpenIDConnectProviderList"].as_array().size(),
            1u);
}

TEST_F(OidcTest, ClientIdsThumbprintsAndTagsChangeAndSurviveARestart) {
  create();
  json::object arn{{"OpenIDConnectProviderArn", kArn}};
  auto with = [&](json::object more) {
    json::object in = arn;
    for (auto& [k, v] : more) in[k] = v;
    return in;
  };
  call("AddClientIDToOpenIDConnectProvider", with({{"ClientID", "cli"}}));
  call("AddClientIDToOpenIDConnectProvider", with({{"ClientID", "cli"}}));
  call("RemoveClientIDFromOpenIDConnectProvider", with({{"ClientID", "app"}}));
  call("RemoveClientIDFromOpenIDConnectProvider", with({{"ClientID", "absent"}}));
  std::string other = "0000000000000000000000000000000000000000";
  call("UpdateOpenIDConnectProviderThumbprint",
       with({{"ThumbprintList", json::array{other.c_str(), kThumb.c_str()}}}));
  call("TagOpenIDConnectProvider",
       with({{"Tags", json::array{json::object{{"Key", "env"}, {"Value", "dev"}}}}}));
  call("UntagOpenIDConnectProvider", with({{"TagKeys", json::array{"team"}}}));
  EXPECT_EQ(code("AddClientIDToOpenIDConnectProvider",
                 {{"OpenIDConnectProviderArn", kArn + "x"}, {"ClientID", "a"}}),
            "NoSuchEntityException");
  for (int i = 1; i < 100; ++i) {
    call("AddClientIDToOpenIDConnectProvider", with({{"ClientID", "c" + std::to_string(i)}}));
  }
  EXPECT_EQ(code("AddClientIDToOpenIDConnectProvider", with({{"ClientID", "one-too-many"}})),
            "LimitExceededException");
  reopen();
  auto p = get();
  EXPECT_EQ(p["ClientIDList"].as_array().size(), 100u);
  EXPECT_EQ(s(p["ClientIDList"].as_array()[0]), "cli");
  EXPECT_EQ(p["ThumbprintList"].as_array().size(), 2u);
  auto tags = call("ListOpenIDConnectProviderTags", arn)["Tags"].as_array();
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(s(tags[0].as_object()["Key"]), "env");
}

// The trust policy alone decides a web identity: the provider as the
// Federated principal and the token's keys in its conditions.
TEST_F(OidcTest, TrustPoliciesNameTheProviderAndTheTokensKeys) {
  create();
  std::string trust = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Principal":{"Federated":")" +
                      kArn + R"("},"Action":"sts:AssumeRoleWithWebIdentity",
    "Condition":{"StringEquals":{"idp.example.com/tenant:aud":"app"},
                 "StringLike":{"idp.example.com/tenant:sub":"repo:acme/*"}}}]})";
  call("CreateRole", {{"RoleName", "ci"}, {"AssumeRolePolicyDocument", trust}});
  auto assume = [&](std::string principal, std::string aud, std::string sub) {
    AssumeRoleRequest r;
    r.role_arn = "arn:aws:iam::000000000000:role/ci";
    r.session_name = "run";
    r.check_trust = true;
    r.federated_principal = std::move(principal);
    r.federated_keys = {{"idp.example.com/tenant:aud", std::move(aud)},
                        {"idp.example.com/tenant:sub", std::move(sub)}};
    std::promise<Result<TemporaryCredentials>> out;
    svc->directory().assume_role(
        r, [&](Result<TemporaryCredentials> c) { out.set_value(std::move(c)); });
    return out.get_future().get();
  };
  auto ok = assume(kArn, "app", "repo:acme/web");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->assumed_role_arn, "arn:aws:sts::000000000000:assumed-role/ci/run");
  for (auto refused : {assume(kArn, "other", "repo:acme/web"), assume(kArn, "app", "repo:evil/x"),
                       assume(kArn + "x", "app", "repo:acme/web")}) {
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "AccessDenied");
    EXPECT_EQ(refused.error().message, "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  }
}

}  // namespace
}  // namespace nimbus::services::iam::testing
