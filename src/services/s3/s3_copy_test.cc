// CopyObject (directives, copy-source conditions, self-copy) and
// conditional writes (If-None-Match: *, If-Match).
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

class S3CopyTest : public S3Test {
 protected:
  void SetUp() override {
    S3Test::SetUp();
    make_bucket("src");
    make_bucket("dst");
    etag = s(put("src", "k", "payload",
                 {{"ContentType", "text/plain"}, {"Metadata", json::object{{"a", "1"}}}})["ETag"]);
  }
  std::string etag;
};

TEST_F(S3CopyTest, CopyKeepsOrReplacesMetadata) {
  auto out = call("CopyObject", {{"Bucket", "dst"}, {"Key", "copy"}, {"CopySource", "src/k"}});
  EXPECT_EQ(s(out["CopyObjectResult"].as_object().at("ETag")), etag);
  auto got = get("dst", "copy");
  EXPECT_EQ(got.body, "payload");
  EXPECT_EQ(s((*got.out)["ContentType"]), "text/plain");
  EXPECT_EQ(s((*got.out)["Metadata"].as_object().at("a")), "1");

  call("CopyObject", {{"Bucket", "dst"},
                      {"Key", "replaced"},
                      {"CopySource", "/src/k"},
                      {"MetadataDirective", "REPLACE"},
                      {"ContentType", "image/png"},
                      {"Metadata", json::object{{"b", "2"}}}});
  auto r = get("dst", "replaced");
  EXPECT_EQ(s((*r.out)["ContentType"]), "image/png");
  EXPECT_FALSE((*r.out)["Metadata"].as_object().contains("a"));
  EXPECT_EQ(r.body, "payload");
}

TEST_F(S3CopyTest, CopyErrors) {
  expect_error("CopyObject", {{"Bucket", "dst"}, {"Key", "c"}, {"CopySource", "src/none"}},
               "NoSuchKey");
  expect_error("CopyObject", {{"Bucket", "dst"}, {"Key", "c"}, {"CopySource", "nob/k"}},
               "NoSuchBucket");
  expect_error("CopyObject", {{"Bucket", "dst"}, {"Key", "c"}, {"CopySource", "nokey"}},
               "InvalidArgument");
  expect_error("CopyObject", {{"Bucket", "src"}, {"Key", "k"}, {"CopySource", "src/k"}},
               "InvalidRequest");  // onto itself without a change
  call(
      "CopyObject",
      {{"Bucket", "src"}, {"Key", "k"}, {"CopySource", "src/k"}, {"MetadataDirective", "REPLACE"}});
  auto failed = try_call("CopyObject", {{"Bucket", "dst"},
                                        {"Key", "c"},
                                        {"CopySource", "src/k"},
                                        {"CopySourceIfMatch", "\"other\""}});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "PreconditionFailed");
  EXPECT_EQ(*failed.error().field("Condition"), "x-amz-copy-source-If-Match");
  auto none_match = try_call(
      "CopyObject",
      {{"Bucket", "dst"}, {"Key", "c"}, {"CopySource", "src/k"}, {"CopySourceIfNoneMatch", etag}});
  ASSERT_FALSE(none_match);
  EXPECT_EQ(none_match.error().http_status, 412);
  expect_error("HeadObject", {{"Bucket", "dst"}, {"Key", "c"}}, "NoSuchKey");
}

TEST_F(S3CopyTest, ConditionalWrites) {
  expect_error("PutObject", {{"Bucket", "src"}, {"Key", "k"}, {"Body", "x"}, {"IfNoneMatch", "*"}},
               "PreconditionFailed");
  put("src", "fresh", "x", {{"IfNoneMatch", "*"}});
  expect_error("PutObject",
               {{"Bucket", "src"}, {"Key", "k"}, {"Body", "x"}, {"IfMatch", "\"other\""}},
               "PreconditionFailed");
  expect_error("PutObject", {{"Bucket", "src"}, {"Key", "nope"}, {"Body", "x"}, {"IfMatch", etag}},
               "NoSuchKey");
  put("src", "k", "second", {{"IfMatch", etag}});
  EXPECT_EQ(get("src", "k").body, "second");
  expect_error("PutObject",
               {{"Bucket", "src"}, {"Key", "k"}, {"Body", "x"}, {"IfNoneMatch", "\"a\""}},
               "NotImplemented");
}

}  // namespace
}  // namespace nimbus::services::s3
