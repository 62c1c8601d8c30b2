// Bucket configurations through the service: stored, returned, defaults,
// S3's errors (nothing changes on a refused Put), gone with the bucket, and
// kept across a restart.
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

json::object parse(std::string_view text) {
  return json::parse(text).as_object();
}

TEST_F(S3Test, ConfigurationsAreStoredReturnedAndDeleted) {
  make_bucket("site");
  json::object cors = parse(
      R"({"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"MaxAgeSeconds":60}]})");
  call("PutBucketCors", {{"Bucket", "site"}, {"CORSConfiguration", cors}});
  EXPECT_EQ(call("GetBucketCors", {{"Bucket", "site"}}), cors);

  std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]})";
  call("PutBucketPolicy", {{"Bucket", "site"}, {"Policy", policy}});
  EXPECT_EQ(s(call("GetBucketPolicy", {{"Bucket", "site"}})["Policy"]), policy);

  json::object website =
      parse(R"({"IndexDocument":{"Suffix":"index.html"},"ErrorDocument":{"Key":"404.html"}})");
  call("PutBucketWebsite", {{"Bucket", "site"}, {"WebsiteConfiguration", website}});
  EXPECT_EQ(call("GetBucketWebsite", {{"Bucket", "site"}}), website);

  json::object lifecycle = parse(
      R"({"Rules":[{"ID":"tmp","Status":"Enabled","Filter":{"Prefix":"tmp/"},"Expiration":{"Days":1}}]})");
  call("PutBucketLifecycleConfiguration",
       {{"Bucket", "site"}, {"LifecycleConfiguration", lifecycle}});
  EXPECT_EQ(call("GetBucketLifecycleConfiguration", {{"Bucket", "site"}}), lifecycle);

  call("PutBucketAccelerateConfiguration",
       {{"Bucket", "site"}, {"AccelerateConfiguration", {{"Status", "Enabled"}}}});
  EXPECT_EQ(s(call("GetBucketAccelerateConfiguration", {{"Bucket", "site"}})["Status"]), "Enabled");
  call("PutBucketRequestPayment",
       {{"Bucket", "site"}, {"RequestPaymentConfiguration", {{"Payer", "Requester"}}}});
  EXPECT_EQ(s(call("GetBucketRequestPayment", {{"Bucket", "site"}})["Payer"]), "Requester");

  reopen();
  EXPECT_EQ(call("GetBucketCors", {{"Bucket", "site"}}), cors);
  EXPECT_EQ(s(call("GetBucketPolicy", {{"Bucket", "site"}})["Policy"]), policy);

  for (const char* op : {"Cors", "Policy", "Website"}) {
    call(std::string("DeleteBucket") + op, {{"Bucket", "site"}});
  }
  call("DeleteBucketLifecycle", {{"Bucket", "site"}});
  expect_error("GetBucketCors", {{"Bucket", "site"}}, "NoSuchCORSConfiguration");
  expect_error("GetBucketPolicy", {{"Bucket", "site"}}, "NoSuchBucketPolicy");
  expect_error("GetBucketWebsite", {{"Bucket", "site"}}, "NoSuchWebsiteConfiguration");
  expect_error("GetBucketLifecycleConfiguration", {{"Bucket", "site"}},
               "NoSuchLifecycleConfiguration");
  // Deleting what is not there succeeds, as in S3.
  call("DeleteBucketCors", {{"Bucket", "site"}});
}

TEST_F(S3Test, ConfigurationDefaultsOfANewBucket) {
  make_bucket("fresh");
  EXPECT_EQ(
      s(call("GetBucketEncryption", {{"Bucket", "fresh"}})["ServerSideEncryptionConfiguration"]
            .at("Rules")
            .at(0)
            .at("ApplyServerSideEncryptionByDefault")
            .at("SSEAlgorithm")),
      "AES256");
  EXPECT_EQ(s(call("GetBucketOwnershipControls", {{"Bucket", "fresh"}})["OwnershipControls"]
                  .at("Rules")
                  .at(0)
                  .at("ObjectOwnership")),
            "BucketOwnerEnforced");
  EXPECT_EQ(
      call("GetPublicAccessBlock", {{"Bucket", "fresh"}})["PublicAccessBlockConfiguration"].at(
          "BlockPublicAcls"),
      true);
  EXPECT_EQ(s(call("GetBucketRequestPayment", {{"Bucket", "fresh"}})["Payer"]), "BucketOwner");
  EXPECT_TRUE(call("GetBucketNotificationConfiguration", {{"Bucket", "fresh"}}).empty());
  EXPECT_TRUE(call("GetBucketAccelerateConfiguration", {{"Bucket", "fresh"}}).empty());

  call("DeletePublicAccessBlock", {{"Bucket", "fresh"}});
  expect_error("GetPublicAccessBlock", {{"Bucket", "fresh"}},
               "NoSuchPublicAccessBlockConfiguration");
  call("DeleteBucketOwnershipControls", {{"Bucket", "fresh"}});
  expect_error("GetBucketOwnershipControls", {{"Bucket", "fresh"}},
               "OwnershipControlsNotFoundError");
  call("PutBucketOwnershipControls",
       {{"Bucket", "fresh"},
        {"OwnershipControls", parse(R"({"Rules":[{"ObjectOwnership":"ObjectWriter"}]})")}});
  EXPECT_EQ(s(call("GetBucketOwnershipControls", {{"Bucket", "fresh"}})["OwnershipControls"]
                  .at("Rules")
                  .at(0)
                  .at("ObjectOwnership")),
            "ObjectWriter");
  call("DeleteBucketEncryption", {{"Bucket", "fresh"}});  // back to the default
  EXPECT_TRUE(call("GetBucketEncryption", {{"Bucket", "fresh"}})
                  .contains("ServerSideEncryptionConfiguration"));
}

TEST_F(S3Test, RefusedConfigurationsChangeNothing) {
  make_bucket("bad-input");
  json::object cors = parse(R"({"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]})");
  call("PutBucketCors", {{"Bucket", "bad-input"}, {"CORSConfiguration", cors}});
  expect_error("PutBucketCors",
               {{"Bucket", "bad-input"},
                {"CORSConfiguration",
                 parse(R"({"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["PATCH"]}]})")}},
               "InvalidRequest");
  EXPECT_EQ(call("GetBucketCors", {{"Bucket", "bad-input"}}), cors);
  expect_error("PutBucketPolicy", {{"Bucket", "bad-input"}, {"Policy", "not json"}},
               "MalformedPolicy");
  expect_error("GetBucketPolicy", {{"Bucket", "bad-input"}}, "NoSuchBucketPolicy");
  expect_error("PutBucketLifecycleConfiguration",
               {{"Bucket", "bad-input"},
                {"LifecycleConfiguration",
                 parse(R"({"Rules":[{"Status":"Enabled","Expiration":{"Days":0}}]})")}},
               "InvalidArgument");
  expect_error("PutBucketWebsite",
               {{"Bucket", "bad-input"}, {"WebsiteConfiguration", json::object{}}},
               "InvalidArgument");
  expect_error("GetBucketCors", {{"Bucket", "nope"}}, "NoSuchBucket");
  expect_error("PutBucketCors", {{"Bucket", "nope"}, {"CORSConfiguration", cors}}, "NoSuchBucket");
}

TEST_F(S3Test, ConfigurationsGoWithTheirBucket) {
  make_bucket("temp");
  call(
      "PutBucketPolicy",
      {{"Bucket", "temp"},
       {"Policy",
        R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::temp/*"}]})"}});
  call("DeleteBucket", {{"Bucket", "temp"}});
  make_bucket("temp");
  expect_error("GetBucketPolicy", {{"Bucket", "temp"}}, "NoSuchBucketPolicy");
}

}  // namespace
}  // namespace nimbus::services::s3
