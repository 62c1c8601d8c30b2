// STS unit tests on the shared fixture: who the caller is, and that the
// operation names no resource (IAM authorizes it on "*").
#include "services/sts/sts_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::sts {
namespace {

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
  EXPECT_FALSE(svc->resources("AssumeRole", ctx("AssumeRole"), {}).has_value());
}

}  // namespace
}  // namespace nimbus::services::sts
