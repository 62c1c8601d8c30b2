#include "services/s3/config/lifecycle.h"

#include <gtest/gtest.h>

#include "services/s3/config/test_support.h"

namespace nimbus::s3config {
namespace {

using testing::code;
using testing::doc;
using testing::message;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kMidnight = 1796342400000;  // 2026-12-04T00:00:00Z

TEST(Lifecycle, ValidatesRulesAsS3) {
  EXPECT_TRUE(validate_lifecycle(doc(R"({"Rules":[
    {"ID":"logs","Status":"Enabled","Filter":{"Prefix":"logs/"},"Expiration":{"Days":30}},
    {"ID":"old","Status":"Disabled","Prefix":"","NoncurrentVersionExpiration":{"NoncurrentDays":7}},
    {"ID":"mpu","Status":"Enabled","Filter":{},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}},
    {"ID":"date","Status":"Enabled","Filter":{"Tag":{"Key":"t","Value":"v"}},"Expiration":{"Date":1796342400}}]})")));
  EXPECT_EQ(code(validate_lifecycle(doc(R"({"Rules":[]})"))), "MalformedXML");
  EXPECT_EQ(code(validate_lifecycle(doc(R"({"Rules":[{"Status":"On","Expiration":{"Days":1}}]})"))),
            "MalformedXML");
  EXPECT_EQ(message(validate_lifecycle(doc(R"({"Rules":[{"Status":"Enabled","Filter":{}}]})"))),
            "At least one action needs to be specified in a rule");
  EXPECT_EQ(message(validate_lifecycle(
                doc(R"({"Rules":[{"Status":"Enabled","Expiration":{"Days":0}}]})"))),
            "'Days' for Expiration action must be a positive integer");
  EXPECT_EQ(message(validate_lifecycle(
                doc(R"({"Rules":[{"Status":"Enabled","Expiration":{"Date":1796342401}}]})"))),
            "'Date' must be at midnight GMT");
  // Dates beyond int64 milliseconds saturate instead of overflowing.
  EXPECT_EQ(message(validate_lifecycle(doc(
                R"({"Rules":[{"Status":"Enabled","Expiration":{"Date":6148914691236517204}}]})"))),
            "'Date' must be at midnight GMT");
  EXPECT_EQ(message(validate_lifecycle(
                doc(R"({"Rules":[{"Status":"Enabled","Expiration":{"Date":-1e300}}]})"))),
            "'Date' must be at midnight GMT");
  EXPECT_EQ(message(validate_lifecycle(doc(R"({"Rules":[
      {"ID":"a","Status":"Enabled","Expiration":{"Days":1}},{"ID":"a","Status":"Enabled","Expiration":{"Days":2}}]})"))),
            "Rule ID must be unique. Found same ID for more than one rule");
  EXPECT_EQ(message(validate_lifecycle(doc(R"({"Rules":[{"Status":"Enabled",
      "Filter":{"Tag":{"Key":"t","Value":"v"}},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}}]})"))),
            "AbortIncompleteMultipartUpload cannot be specified with Tags.");
  EXPECT_EQ(code(validate_lifecycle(doc(R"({"Rules":[{"Status":"Enabled","Prefix":"a",
      "Filter":{"Prefix":"a"},"Expiration":{"Days":1}}]})"))),
            "MalformedXML");
}

TEST(Lifecycle, DaysRoundUpToTheNextMidnight) {
  EXPECT_EQ(after_days(kMidnight + 10 * 3600'000, 1), kMidnight + 2 * kDay);
  EXPECT_EQ(after_days(kMidnight, 1), kMidnight + kDay);
  // Huge day counts (the fuzzer's 6148914691236517204) stay far in the
  // future instead of overflowing.
  EXPECT_EQ(after_days(kMidnight, 6148914691236517204), kMidnight + 100'000'000 * kDay);
}

TEST(Lifecycle, WhichObjectExpiresWhen) {
  auto config = doc(R"({"Rules":[
    {"ID":"logs","Status":"Enabled","Filter":{"Prefix":"logs/"},"Expiration":{"Days":3}},
    {"ID":"tmp","Status":"Enabled","Filter":{"And":{"Prefix":"tmp/","Tags":[{"Key":"kind","Value":"scratch"}],
      "ObjectSizeGreaterThan":10}},"Expiration":{"Days":1}},
    {"ID":"off","Status":"Disabled","Filter":{},"Expiration":{"Days":1}},
    {"ID":"nc","Status":"Enabled","Filter":{},"NoncurrentVersionExpiration":{"NoncurrentDays":2,"NewerNoncurrentVersions":1}},
    {"ID":"dm","Status":"Enabled","Filter":{"Prefix":"dm/"},"Expiration":{"ExpiredObjectDeleteMarker":true}},
    {"ID":"mpu","Status":"Enabled","Filter":{"Prefix":"up/"},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":2}}]})");
  ObjectFacts log{.key = "logs/a", .size = 5, .created_ms = kMidnight + 1000};
  auto due = object_due(config, log);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->at_ms, kMidnight + 4 * kDay);
  EXPECT_EQ(due->action, Action::kExpire);
  EXPECT_FALSE(object_due(config, ObjectFacts{.key = "data/a", .created_ms = kMidnight}));

  ObjectFacts tmp{
      .key = "tmp/x", .tags = {{"kind", "scratch"}}, .size = 11, .created_ms = kMidnight};
  EXPECT_EQ(object_due(config, tmp)->at_ms, kMidnight + kDay);
  tmp.size = 10;  // not greater than 10
  EXPECT_FALSE(object_due(config, tmp));
  tmp.size = 11;
  tmp.tags["kind"] = "keep";
  EXPECT_FALSE(object_due(config, tmp));

  ObjectFacts old{.key = "data/a",
                  .created_ms = kMidnight,
                  .current = false,
                  .noncurrent_since_ms = kMidnight + 5 * kDay,
                  .newer_noncurrent = 1};
  due = object_due(config, old);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->at_ms, kMidnight + 7 * kDay);
  EXPECT_EQ(due->action, Action::kExpireNoncurrent);
  old.newer_noncurrent = 0;  // the one newest noncurrent version is kept
  EXPECT_FALSE(object_due(config, old));

  ObjectFacts marker{
      .key = "dm/a", .created_ms = kMidnight, .delete_marker = true, .only_version = true};
  EXPECT_EQ(object_due(config, marker)->action, Action::kRemoveDeleteMarker);
  marker.only_version = false;
  EXPECT_FALSE(object_due(config, marker));

  EXPECT_EQ(upload_due(config, "up/big", kMidnight + 1), kMidnight + 3 * kDay);
  EXPECT_FALSE(upload_due(config, "down/big", kMidnight));
}

TEST(Lifecycle, ExpirationByDate) {
  auto config =
      doc(R"({"Rules":[{"Status":"Enabled","Prefix":"","Expiration":{"Date":1796342400}}]})");
  EXPECT_EQ(object_due(config, ObjectFacts{.key = "k", .created_ms = 1})->at_ms, kMidnight);
}

}  // namespace
}  // namespace nimbus::s3config
