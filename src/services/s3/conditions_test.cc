// Range and If-* parsing against S3's rules.
#include "services/s3/conditions.h"

#include <gtest/gtest.h>

namespace nimbus::services::s3 {
namespace {

TEST(S3Range, SingleRangesAndWhatIsIgnored) {
  auto r = parse_range("bytes=0-0", 5);
  EXPECT_EQ(r.kind, ByteRange::kPart);
  EXPECT_EQ(r.offset, 0u);
  EXPECT_EQ(r.length, 1u);
  EXPECT_EQ(parse_range("bytes=4-", 5).length, 1u);
  EXPECT_EQ(parse_range("bytes=-2", 5).offset, 3u);
  EXPECT_EQ(parse_range("", 5).kind, ByteRange::kWhole);
  EXPECT_EQ(parse_range("bytes=", 5).kind, ByteRange::kWhole);
  EXPECT_EQ(parse_range("bytes=-", 5).kind, ByteRange::kWhole);
  EXPECT_EQ(parse_range("bytes=1-2-3", 5).kind, ByteRange::kWhole);
  EXPECT_EQ(parse_range("bytes=99999999999999999999-", 5).kind, ByteRange::kWhole);
  EXPECT_EQ(parse_range("bytes=5-", 5).kind, ByteRange::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 5).kind, ByteRange::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).kind, ByteRange::kUnsatisfiable);
}

TEST(S3Conditions, EtagLists) {
  EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("abc", "\"abc\""));
  EXPECT_TRUE(etag_matches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("\"x\", \"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("*", "\"abc\""));
  EXPECT_FALSE(etag_matches("\"abcd\"", "\"abc\""));
  EXPECT_FALSE(etag_matches("", "\"abc\""));
}

}  // namespace
}  // namespace nimbus::services::s3
