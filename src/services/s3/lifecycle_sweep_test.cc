// Lifecycle rules applied in the background on the simulated clock: an
// object expires at the first midnight UTC at least N days after it was
// written, others stay, and the sweep survives a restart.
#include "services/s3/lifecycle_sweep.h"

#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

// The fixture's clock starts at 2023-11-14T22:13:20Z.
constexpr int64_t kNov16 = 1700092800000;  // 2023-11-16T00:00:00Z

TEST(LifecycleSweepTime, NextMidnight) {
  EXPECT_EQ(LifecycleSweep::next_midnight(1700000000000), 1700006400000);
  EXPECT_EQ(LifecycleSweep::next_midnight(1700006400000), 1700092800000);
}

TEST_F(S3Test, LifecycleExpiresObjectsAtS3sMidnight) {
  make_bucket("logs");
  put("logs", "tmp/a", "x");
  put("logs", "keep/b", "y");
  call(
      "PutBucketLifecycleConfiguration",
      {{"Bucket", "logs"},
       {"LifecycleConfiguration",
        json::parse(
            R"({"Rules":[{"ID":"tmp","Status":"Enabled","Filter":{"Prefix":"tmp/"},"Expiration":{"Days":1}}]})")}});
  auto gone = [&](const char* key) {
    return error_code("HeadObject", {{"Bucket", "logs"}, {"Key", key}}) != "(ok)";
  };
  clock.advance(std::chrono::hours(24));  // 2023-11-15T22:13: due only at midnight
  EXPECT_FALSE(gone("tmp/a"));
  ASSERT_TRUE(advance_until([&] { return gone("tmp/a"); }, std::chrono::minutes(15), 40));
  EXPECT_GE(clock.now_millis(), kNov16);
  EXPECT_FALSE(gone("keep/b"));

  // The daily sweep is stored: after a restart it still runs.
  reopen();
  put("logs", "tmp/c", "z");
  clock.advance(std::chrono::hours(24));
  EXPECT_FALSE(gone("tmp/c"));
  ASSERT_TRUE(advance_until([&] { return gone("tmp/c"); }, std::chrono::hours(1), 48));
  EXPECT_FALSE(gone("keep/b"));

  // Without rules, nothing more expires.
  call("DeleteBucketLifecycle", {{"Bucket", "logs"}});
  put("logs", "tmp/d", "w");
  clock.advance(std::chrono::hours(24 * 3));
  EXPECT_FALSE(gone("tmp/d"));
}

TEST_F(S3Test, LifecycleExpiresNoncurrentVersionsAndLoneDeleteMarkers) {
  make_bucket("vlogs");
  call("PutBucketVersioning",
       {{"Bucket", "vlogs"}, {"VersioningConfiguration", json::object{{"Status", "Enabled"}}}});
  std::string v1 = s(put("vlogs", "k", "one")["VersionId"]);
  std::string v2 = s(put("vlogs", "k", "two")["VersionId"]);  // v1 noncurrent from now
  std::string lone = s(put("vlogs", "solo", "x")["VersionId"]);
  std::string marker = s(call("DeleteObject", {{"Bucket", "vlogs"}, {"Key", "solo"}})["VersionId"]);
  call("DeleteObject", {{"Bucket", "vlogs"}, {"Key", "solo"}, {"VersionId", lone}});
  call(
      "PutBucketLifecycleConfiguration",
      {{"Bucket", "vlogs"},
       {"LifecycleConfiguration",
        json::parse(
            R"({"Rules":[{"ID":"old","Status":"Enabled","Filter":{"Prefix":""},"NoncurrentVersionExpiration":{"NoncurrentDays":1}},
                         {"ID":"markers","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"ExpiredObjectDeleteMarker":true}}]})")}});
  auto version_gone = [&](const std::string& key, const std::string& id) {
    return error_code("HeadObject", {{"Bucket", "vlogs"}, {"Key", key}, {"VersionId", id}}) ==
           "NoSuchVersion";
  };
  // The lone marker goes with the sweep the new rules start.
  ASSERT_TRUE(
      advance_until([&] { return version_gone("solo", marker); }, std::chrono::minutes(1), 30));
  EXPECT_FALSE(version_gone("k", v1));
  clock.advance(std::chrono::hours(24));  // 2023-11-15T22:13: due at midnight
  EXPECT_FALSE(version_gone("k", v1));
  ASSERT_TRUE(advance_until([&] { return version_gone("k", v1); }, std::chrono::minutes(15), 200));
  EXPECT_EQ(get("vlogs", "k").body, "two");
  EXPECT_FALSE(version_gone("k", v2));
}

TEST_F(S3Test, LifecycleFiltersByTagsAndAbortsIncompleteUploads) {
  make_bucket("work");
  put("work", "a", "x", {{"Tagging", "expire=yes&team=data"}});
  put("work", "b", "y", {{"Tagging", "expire=no"}});
  put("work", "c", "z");
  std::string upload =
      s(call("CreateMultipartUpload", {{"Bucket", "work"}, {"Key", "big"}})["UploadId"]);
  call(
      "PutBucketLifecycleConfiguration",
      {{"Bucket", "work"},
       {"LifecycleConfiguration",
        json::parse(
            R"({"Rules":[{"ID":"tagged","Status":"Enabled","Filter":{"And":{"Prefix":"","Tags":[{"Key":"expire","Value":"yes"},{"Key":"team","Value":"data"}]}},"Expiration":{"Days":1}},
                         {"ID":"uploads","Status":"Enabled","Filter":{"Prefix":""},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}}]})")}});
  auto gone = [&](const char* key) {
    return error_code("HeadObject", {{"Bucket", "work"}, {"Key", key}}) != "(ok)";
  };
  auto uploads = [&] {
    auto out = call("ListMultipartUploads", {{"Bucket", "work"}});
    const auto* list = out.if_contains("Uploads");
    return list == nullptr ? size_t{0} : list->as_array().size();
  };
  ASSERT_EQ(uploads(), 1u);
  clock.advance(std::chrono::hours(24));  // 2023-11-15T22:13: due only at midnight
  EXPECT_FALSE(gone("a"));
  EXPECT_EQ(uploads(), 1u);
  ASSERT_TRUE(
      advance_until([&] { return gone("a") && uploads() == 0; }, std::chrono::minutes(15), 40));
  EXPECT_GE(clock.now_millis(), kNov16);
  EXPECT_FALSE(gone("b"));  // another value of the tag
  EXPECT_FALSE(gone("c"));  // no tags
  EXPECT_EQ(error_code("UploadPart", {{"Bucket", "work"},
                                      {"Key", "big"},
                                      {"UploadId", upload},
                                      {"PartNumber", 1},
                                      {"Body", "p"}}),
            "NoSuchUpload");
}

}  // namespace
}  // namespace nimbus::services::s3
