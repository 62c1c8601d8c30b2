// Buckets: create (names, LocationConstraint), head, list with paging,
// location, delete (only when empty), and all of it across a restart.
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

TEST_F(S3Test, CreateHeadListDeleteBuckets) {
  auto out = call("CreateBucket", {{"Bucket", "photos"}});
  EXPECT_EQ(s(out["Location"]), "/photos");
  make_bucket("logs");
  expect_error("CreateBucket", {{"Bucket", "photos"}}, "BucketAlreadyOwnedByYou");

  auto head = call("HeadBucket", {{"Bucket", "photos"}});
  EXPECT_EQ(s(head["BucketRegion"]), "us-east-1");
  expect_error("HeadBucket", {{"Bucket", "nothing"}}, "NoSuchBucket");

  auto list = call("ListBuckets", {});
  auto& buckets = list["Buckets"].as_array();
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(s(buckets[0].as_object().at("Name")), "logs");  // name order
  EXPECT_EQ(s(buckets[1].as_object().at("Name")), "photos");
  EXPECT_EQ(s(list["Owner"].as_object().at("ID")), "000000000000");

  call("DeleteBucket", {{"Bucket", "logs"}});
  expect_error("DeleteBucket", {{"Bucket", "logs"}}, "NoSuchBucket");
  EXPECT_EQ(call("ListBuckets", {})["Buckets"].as_array().size(), 1u);
}

TEST_F(S3Test, InvalidBucketNamesAreRefusedAndNothingIsMade) {
  for (std::string name :
       std::vector<std::string>{"ab", "Upper", "under_score", "-dash", "dash-", "a..b",
                                "192.168.1.1", "xn--abc", "bucket-s3alias", std::string(64, 'a')}) {
    auto r = try_call("CreateBucket", {{"Bucket", name}});
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, "InvalidBucketName") << name;
    EXPECT_EQ(*r.error().field("BucketName"), name);
  }
  EXPECT_TRUE(call("ListBuckets", {})["Buckets"].as_array().empty());
  make_bucket("a.b-c.123");
}

TEST_F(S3Test, LocationConstraintMustNameTheRequestRegion) {
  json::object west{
      {"Bucket", "west"},
      {"CreateBucketConfiguration", json::object{{"LocationConstraint", "us-west-2"}}}};
  expect_error("CreateBucket", west, "IllegalLocationConstraintException");
  expect_error("CreateBucket",
               {{"Bucket", "east"},
                {"CreateBucketConfiguration", json::object{{"LocationConstraint", "us-east-1"}}}},
               "InvalidLocationConstraint");
  CallContext c = ctx("CreateBucket");
  c.region = "us-west-2";
  ASSERT_TRUE(try_call(*svc, c, west));
  auto loc = call("GetBucketLocation", {{"Bucket", "west"}});
  EXPECT_EQ(s(loc["LocationConstraint"]), "us-west-2");
  make_bucket("east");
  EXPECT_FALSE(call("GetBucketLocation", {{"Bucket", "east"}}).contains("LocationConstraint"));
  auto only_west = call("ListBuckets", {{"BucketRegion", "us-west-2"}});
  ASSERT_EQ(only_west["Buckets"].as_array().size(), 1u);
  EXPECT_EQ(s(only_west["Buckets"].as_array()[0].as_object().at("BucketRegion")), "us-west-2");
}

TEST_F(S3Test, ListBucketsPagesByNameAndPrefix) {
  for (auto n : {"b-1", "b-2", "b-3", "c-1"}) make_bucket(n);
  auto page = call("ListBuckets", {{"MaxBuckets", 2}, {"Prefix", "b-"}});
  ASSERT_EQ(page["Buckets"].as_array().size(), 2u);
  EXPECT_EQ(s(page["Prefix"]), "b-");
  std::string token = s(page["ContinuationToken"]);
  auto rest =
      call("ListBuckets", {{"MaxBuckets", 2}, {"Prefix", "b-"}, {"ContinuationToken", token}});
  ASSERT_EQ(rest["Buckets"].as_array().size(), 1u);
  EXPECT_EQ(s(rest["Buckets"].as_array()[0].as_object().at("Name")), "b-3");
  EXPECT_FALSE(rest.contains("ContinuationToken"));
  expect_error("ListBuckets", {{"MaxBuckets", 0}}, "InvalidArgument");
}

TEST_F(S3Test, OnlyEmptyBucketsAreDeleted) {
  make_bucket("full");
  put("full", "a", "x");
  expect_error("DeleteBucket", {{"Bucket", "full"}}, "BucketNotEmpty");
  call("DeleteObject", {{"Bucket", "full"}, {"Key", "a"}});
  call("DeleteBucket", {{"Bucket", "full"}});
  expect_error("PutObject", {{"Bucket", "full"}, {"Key", "a"}, {"Body", "x"}}, "NoSuchBucket");
}

TEST_F(S3Test, BucketsSurviveARestart) {
  make_bucket("kept");
  reopen();
  EXPECT_EQ(s(call("HeadBucket", {{"Bucket", "kept"}})["BucketRegion"]), "us-east-1");
  expect_error("CreateBucket", {{"Bucket", "kept"}}, "BucketAlreadyOwnedByYou");
}

}  // namespace
}  // namespace nimbus::services::s3
