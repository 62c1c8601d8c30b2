#include "services/s3/config/validate.h"

#include <gtest/gtest.h>

#include "services/s3/config/test_support.h"

namespace nimbus::s3config {
namespace {

using testing::code;
using testing::doc;
using testing::message;

TEST(ValidateCors, AcceptsS3sRulesAndRefusesWhatS3Refuses) {
  EXPECT_TRUE(validate_cors(doc(R"({"CORSRules":[{"AllowedMethods":["GET","PUT"],
      "AllowedOrigins":["https://*.example.com"],"AllowedHeaders":["x-amz-*"],
      "ExposeHeaders":["ETag"],"MaxAgeSeconds":3000}]})")));
  EXPECT_EQ(code(validate_cors(doc(R"({"CORSRules":[]})"))), "MalformedXML");
  auto patch =
      validate_cors(doc(R"({"CORSRules":[{"AllowedMethods":["PATCH"],"AllowedOrigins":["*"]}]})"));
  EXPECT_EQ(code(patch), "InvalidRequest");
  EXPECT_EQ(message(patch),
            "Found unsupported HTTP method in CORS config. Unsupported method is PATCH");
  auto origin = validate_cors(
      doc(R"({"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://*.*.com"]}]})"));
  EXPECT_EQ(message(origin),
            "AllowedOrigin \"http://*.*.com\" can not have more than one wildcard.");
  auto header = validate_cors(doc(
      R"({"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"],"AllowedHeaders":["*-*"]}]})"));
  EXPECT_EQ(message(header), "AllowedHeader \"*-*\" can not have more than one wildcard.");
  boost::json::array many;
  for (int i = 0; i < 101; ++i) {
    many.push_back(boost::json::object{{"AllowedMethods", {"GET"}}, {"AllowedOrigins", {"*"}}});
  }
  EXPECT_EQ(code(validate_cors(boost::json::object{{"CORSRules", many}})), "InvalidRequest");
}

TEST(ValidateTags, KeysValuesDuplicatesAndCounts) {
  EXPECT_TRUE(validate_bucket_tagging(
      doc(R"({"TagSet":[{"Key":"a","Value":""},{"Key":"b","Value":"1"}]})")));
  EXPECT_TRUE(validate_bucket_tagging(doc(R"({"TagSet":[]})")));
  EXPECT_EQ(message(validate_bucket_tagging(
                doc(R"({"TagSet":[{"Key":"a","Value":"1"},{"Key":"a","Value":"2"}]})"))),
            "Cannot provide multiple Tags with the same key");
  EXPECT_EQ(message(validate_bucket_tagging(doc(R"({"TagSet":[{"Key":"aws:x","Value":"1"}]})"))),
            "System tags cannot be added/updated by requester");
  EXPECT_EQ(message(validate_bucket_tagging(doc(R"({"TagSet":[{"Key":"AWS:x","Value":"1"}]})"))),
            "System tags cannot be added/updated by requester");
  EXPECT_EQ(message(validate_bucket_tagging(doc(R"({"TagSet":[{"Key":"","Value":"1"}]})"))),
            "The TagKey you have provided is invalid");
  boost::json::object long_value{{"TagSet", {{{"Key", "k"}, {"Value", std::string(257, 'v')}}}}};
  EXPECT_EQ(message(validate_bucket_tagging(long_value)),
            "The TagValue you have provided is invalid");
  boost::json::array tags;
  for (int i = 0; i < 51; ++i) tags.push_back({{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  auto s = validate_bucket_tagging(boost::json::object{{"TagSet", tags}});
  EXPECT_EQ(code(s), "InvalidTag");
  EXPECT_EQ(message(s), "Bucket tag count cannot be greater than 50");
  tags.resize(11);
  EXPECT_EQ(message(validate_tag_set(boost::json::object{{"TagSet", tags}}, 10)),
            "Object tags cannot be greater than 10");
}

TEST(ValidatePolicy, ShapeResourcesActionsAndPrincipals) {
  const char* good = R"({"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow",
      "Principal":"*","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::site/*"},
      {"Effect":"Deny","Principal":{"AWS":["arn:aws:iam::123456789012:root","123456789012"]},
      "Action":"s3:*","Resource":["arn:aws:s3:::site","arn:aws:s3:::site/*"]}]})";
  EXPECT_TRUE(validate_bucket_policy(good, "site"));
  auto not_json = validate_bucket_policy("[1]", "site");
  EXPECT_EQ(code(not_json), "MalformedPolicy");
  EXPECT_EQ(message(not_json), "Policies must be valid JSON and the first byte must be '{'");
  EXPECT_EQ(message(validate_bucket_policy(R"({"Version":"2012-10-17"})", "site")),
            "Missing required field Statement");
  EXPECT_EQ(
      message(validate_bucket_policy(
          R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}})",
          "site")),
      "Policy has invalid resource");
  EXPECT_EQ(
      message(validate_bucket_policy(
          R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:s3:::site/*"}})",
          "site")),
      "Policy has invalid action");
  EXPECT_EQ(
      message(validate_bucket_policy(
          R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"arn:aws:s3:::site"}})",
          "site")),
      "Invalid principal in policy");
  EXPECT_EQ(
      message(validate_bucket_policy(
          R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::site"}})",
          "site")),
      "Missing required field Principal");
  EXPECT_EQ(
      message(validate_bucket_policy(
          R"({"Statement":{"Effect":"Maybe","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::site"}})",
          "site")),
      "Invalid effect: Maybe");
  // A wildcard bucket part that covers the bucket is accepted.
  EXPECT_TRUE(validate_bucket_policy(
      R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::si*/*"}})",
      "site"));
}

TEST(ValidateSmallConfigurations, OwnershipEncryptionAccelerateAndPayment) {
  EXPECT_TRUE(
      validate_ownership_controls(doc(R"({"Rules":[{"ObjectOwnership":"ObjectWriter"}]})")));
  EXPECT_EQ(code(validate_ownership_controls(doc(R"({"Rules":[{"ObjectOwnership":"Me"}]})"))),
            "MalformedXML");
  EXPECT_TRUE(validate_encryption(doc(
      R"({"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"k"},"BucketKeyEnabled":true}]})")));
  EXPECT_EQ(code(validate_encryption(doc(
                R"({"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"DES"}}]})"))),
            "MalformedXML");
  EXPECT_EQ(
      code(validate_encryption(doc(
          R"({"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256","KMSMasterKeyID":"k"}}]})"))),
      "InvalidArgument");
  EXPECT_TRUE(validate_accelerate(doc(R"({"Status":"Enabled"})"), "b"));
  EXPECT_EQ(code(validate_accelerate(doc(R"({"Status":"On"})"), "b")), "MalformedXML");
  EXPECT_EQ(code(validate_accelerate(doc(R"({"Status":"Enabled"})"), "a.b")), "InvalidRequest");
  EXPECT_TRUE(validate_request_payment(doc(R"({"Payer":"Requester"})")));
  EXPECT_EQ(code(validate_request_payment(doc(R"({"Payer":"Nobody"})"))), "MalformedXML");
}

}  // namespace
}  // namespace nimbus::s3config
