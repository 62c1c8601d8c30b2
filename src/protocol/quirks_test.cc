// The quirks table: which service each exception belongs to.
#include "protocol/quirks.h"

#include <gtest/gtest.h>

namespace nimbus::protocol {
namespace {

TEST(Quirks, JsonAliasesNameQueryModelServices) {
  EXPECT_EQ(service_for_json_alias("AmazonSQS"), "sqs");
  EXPECT_EQ(service_for_json_alias("AWSSecurityTokenServiceV20110615"), "sts");
  EXPECT_EQ(service_for_json_alias("GraniteServiceVersion20100801"), "cloudwatch");
  EXPECT_EQ(service_for_json_alias("DynamoDB_20120810"), "");  // its model's own prefix
}

TEST(Quirks, UnscopedRestRequests) {
  EXPECT_EQ(service_for_unscoped_rest("/2015-03-31/functions/f/invocations"), "lambda");
  EXPECT_EQ(service_for_unscoped_rest("/2015-03-3x/functions"), "s3");
  EXPECT_EQ(service_for_unscoped_rest("/bucket/key"), "s3");
  EXPECT_EQ(service_for_unscoped_rest(""), "s3");
}

TEST(Quirks, PerServiceFlags) {
  EXPECT_TRUE(quirks_of("sqs").queue_url_path);
  EXPECT_FALSE(quirks_of("lambda").queue_url_path);
  const ServiceQuirks& s3 = quirks_of("s3");
  EXPECT_TRUE(s3.s3_xml);
  EXPECT_EQ(s3.text_root_operation, "GetBucketLocation");
  bool found = false;
  for (const auto& r : s3.xml_roots)
    found |= r.operation == "ListObjectsV2" && r.root == "ListBucketResult";
  EXPECT_TRUE(found);
  const ServiceQuirks& none = quirks_of("dynamodb");
  EXPECT_FALSE(none.s3_xml || none.queue_url_path || none.dated_rest_paths || none.unclaimed_rest);
  EXPECT_TRUE(none.json_target_alias.empty());
}

TEST(Quirks, VirtualHostBucket) {
  EXPECT_EQ(virtual_host_bucket("photos.s3.localhost"), "photos");
  EXPECT_EQ(virtual_host_bucket("photos.s3.localhost:4566"), "photos");
  EXPECT_EQ(virtual_host_bucket("my.photos.s3.us-west-2.localhost:4566"), "my.photos");
  EXPECT_EQ(virtual_host_bucket("s3.localhost"), "");
  EXPECT_EQ(virtual_host_bucket("localhost:4566"), "");
  EXPECT_EQ(virtual_host_bucket("127.0.0.1:4566"), "");
  EXPECT_EQ(virtual_host_bucket("photos.s3-website.localhost"), "");
  EXPECT_EQ(virtual_host_bucket("photos.s3.a.b.localhost"), "");
  EXPECT_EQ(virtual_host_bucket(".s3.localhost"), "");
}

}  // namespace
}  // namespace nimbus::protocol
