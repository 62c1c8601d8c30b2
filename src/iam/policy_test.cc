#include "iam/policy.h"

#include <gtest/gtest.h>

namespace nimbus::iam {
namespace {

std::string error_of(std::string_view text, PolicyKind kind = PolicyKind::kIdentity) {
  auto p = parse_policy(text, kind);
  if (p) return "";
  EXPECT_EQ(p.error().code, "MalformedPolicyDocumentException");
  return p.error().message;
}

TEST(PolicyParse, ReadsStatementsActionsResourcesAndConditions) {
  auto p = parse_policy(R"({"Version":"2012-10-17","Statement":[
      {"Sid":"One","Effect":"Allow","Action":["sqs:SendMessage","sqs:Receive*"],
       "Resource":"arn:aws:sqs:us-east-1:000000000000:q",
       "Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*","b"]},
                    "NumericLessThan":{"sqs:Delay":5}}},
      {"Effect":"Deny","NotAction":"s3:*","NotResource":["arn:aws:s3:::b/*"]}]})",
                        PolicyKind::kIdentity);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->statements.size(), 2u);
  const auto& s = p->statements[0];
  EXPECT_EQ(s.sid, "One");
  EXPECT_EQ(s.actions.size(), 2u);
  ASSERT_EQ(s.conditions.size(), 2u);
  EXPECT_EQ(s.conditions[0].op, "StringLike");
  EXPECT_TRUE(s.conditions[0].if_exists);
  EXPECT_EQ(s.conditions[0].set, Condition::Set::kForAnyValue);
  EXPECT_EQ(s.conditions[1].values, std::vector<std::string>{"5"});
  EXPECT_TRUE(p->statements[1].not_action);
  EXPECT_TRUE(p->statements[1].not_resource);
  EXPECT_EQ(p->statements[1].effect, Effect::kDeny);
}

// Whether deciding a policy needs what the resource's service knows: a
// condition's key or a value's policy variable names a ResourceTag key or
// dynamodb:LeadingKeys, in any case.
TEST(PolicyParse, KnowsWhetherItReadsTheResourcesOwnKeys) {
  auto read = [](std::string_view condition) {
    auto p = parse_policy(
        std::string(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":)") +
            std::string(condition) + "}}",
        PolicyKind::kIdentity);
    EXPECT_TRUE(p) << condition;
    return p && p->reads_resource_keys;
  };
  EXPECT_TRUE(read(R"({"StringEquals":{"aws:ResourceTag/team":"a"}})"));
  EXPECT_TRUE(read(R"({"StringEquals":{"AWS:RESOURCETAG/team":"a"}})"));
  EXPECT_TRUE(read(R"({"StringEquals":{"iam:ResourceTag/team":"a"}})"));
  EXPECT_TRUE(read(R"({"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}})"));
  EXPECT_TRUE(read(R"({"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":"u1"}})"));
  EXPECT_FALSE(read(R"({"StringEquals":{"aws:RequestTag/team":"a"}})"));
  EXPECT_FALSE(read(R"({"StringEquals":{"aws:PrincipalTag/team":"resourcetag"}})"));
}

TEST(PolicyParse, OneStatementObjectIsAccepted) {
  EXPECT_EQ(error_of(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*",
      "Resource":"*"}})"),
            "");
}

TEST(PolicyParse, AnswersIamsMessages) {
  EXPECT_EQ(error_of("not json"), "Syntax errors in policy.");
  EXPECT_EQ(error_of(R"({"Version":"2012-10-17"})"), "Syntax errors in policy.");
  EXPECT_EQ(error_of(R"({"Version":"2013-01-01","Statement":[]})"),
            "The policy failed legacy parsing");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Resource":"*"}]})"),
            "Policy statement must contain actions.");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"s3:*"}]})"),
            "Policy statement must contain resources.");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]})"),
            "Syntax errors in policy.");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]})"),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}]})"),
            "Resource bucket must be in ARN format or \"*\".");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
      "Principal":"*"}]})"),
            "Policy document should not specify a principal.");
  EXPECT_EQ(error_of(R"({"Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"},
      {"Sid":"a","Effect":"Deny","Action":"s3:*","Resource":"*"}]})"),
            "Statement IDs (SID) in a single policy must be unique.");
  EXPECT_EQ(error_of(R"({"Statement":[{"Sid":"a-b","Effect":"Allow","Action":"s3:*",
      "Resource":"*"}]})"),
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
            "regular expression [0-9A-Za-z]*");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
      "Condition":{"StringSorta":{"aws:username":"x"}}}]})"),
            "Invalid Condition type : StringSorta");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
      "Extra":1}]})"),
            "Syntax errors in policy.");
}

TEST(PolicyParse, TrustPoliciesNeedAPrincipalAndNoResource) {
  auto trust = PolicyKind::kTrust;
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
      "Principal":{"Service":"lambda.amazonaws.com"}}]})",
                     trust),
            "");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]})", trust),
            "Missing required field Principal");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
      "Principal":{"AWS":"*"},"Resource":"*"}]})",
                     trust),
            "Has prohibited field Resource");
  EXPECT_EQ(error_of(R"({"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
      "Principal":{"AWS":"bob"}}]})",
                     trust),
            "Invalid principal in policy: \"AWS\":\"bob\"");
}

}  // namespace
}  // namespace nimbus::iam
