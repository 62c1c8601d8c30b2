#include "services/s3/config/policy_status.h"

#include <gtest/gtest.h>

#include <string>

namespace nimbus::s3config {
namespace {

std::string policy(const std::string& statement) {
  return R"({"Version": "2012-10-17", "Statement": [)" + statement + "]}";
}

TEST(PolicyStatus, AnyPrincipalWithoutAFixingConditionIsPublic) {
  EXPECT_TRUE(bucket_policy_is_public(policy(
      R"({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})")));
  EXPECT_TRUE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]},
                 "Action": "s3:*", "Resource": "*"})")));
  EXPECT_TRUE(bucket_policy_is_public(policy(
      R"({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": "*"})")));
  // A single statement, not in a list.
  EXPECT_TRUE(bucket_policy_is_public(
      R"({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}})"));
  // Conditions that do not fix the caller.
  EXPECT_TRUE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"StringLike": {"aws:SourceArn": "arn:aws:sns:*"}}})")));
  EXPECT_TRUE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:SourceAccount": "111122223333"}}})")));
  EXPECT_TRUE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}})")));
  EXPECT_TRUE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "true"}}})")));
}

TEST(PolicyStatus, FixedPrincipalsConditionsAndDenialsAreNot) {
  EXPECT_FALSE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                 "Action": "s3:*", "Resource": "*"})")));
  EXPECT_FALSE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": "*"})")));
  EXPECT_FALSE(bucket_policy_is_public(
      policy(R"({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})")));
  EXPECT_FALSE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.7"]}}})")));
  EXPECT_FALSE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}})")));
  EXPECT_FALSE(bucket_policy_is_public(
      policy(R"({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}}})")));
  EXPECT_FALSE(bucket_policy_is_public("not json"));
  EXPECT_FALSE(bucket_policy_is_public(R"({"Version": "2012-10-17"})"));
}

}  // namespace
}  // namespace nimbus::s3config
