// Multipart uploads: create, parts (replaced, copied with ranges), list,
// complete (ETag md5-of-md5s-N, the errors), abort, GETs across parts,
// and uploads across a restart.
#include "common/encoding.h"
#include "services/s3/blob_sink.h"
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

class S3MultipartTest : public S3Test {
 protected:
  void SetUp() override {
    S3Test::SetUp();
    make_bucket("mpu");
  }
  std::string create(const std::string& key, json::object extra = {}) {
    extra["Bucket"] = "mpu";
    extra["Key"] = key;
    return s(call("CreateMultipartUpload", std::move(extra))["UploadId"]);
  }
  std::string part(const std::string& key, const std::string& id, int n, const std::string& body) {
    return s(call("UploadPart", {{"Bucket", "mpu"},
                                 {"Key", key},
                                 {"UploadId", id},
                                 {"PartNumber", n},
                                 {"Body", body}})["ETag"]);
  }
  json::object complete(const std::string& key, const std::string& id,
                        std::vector<std::pair<int, std::string>> parts) {
    return call("CompleteMultipartUpload", completion(key, id, parts));
  }
  static json::object completion(const std::string& key, const std::string& id,
                                 std::vector<std::pair<int, std::string>> parts) {
    json::array list;
    for (auto& [n, e] : parts) list.push_back(json::object{{"PartNumber", n}, {"ETag", e}});
    return {{"Bucket", "mpu"},
            {"Key", key},
            {"UploadId", id},
            {"MultipartUpload", json::object{{"Parts", list}}}};
  }
  static std::string etag_of(const std::vector<std::string>& parts) {
    std::string digests;
    for (const auto& p : parts) digests += md5_of(p);
    return "\"" + hex(md5_of(digests)) + "-" + std::to_string(parts.size()) + "\"";
  }
};

TEST_F(S3MultipartTest, CompleteJoinsThePartsInOrder) {
  std::string a(5 << 20, 'a'), b(5 << 20, 'b'), c = "tail";
  auto id = create("big", {{"ContentType", "video/mp4"}, {"Metadata", json::object{{"m", "1"}}}});
  auto eb = part("big", id, 2, b);
  auto ea = part("big", id, 1, std::string(10, 'x'));  // replaced below
  ea = part("big", id, 1, a);
  auto ec = part("big", id, 3, c);
  EXPECT_EQ(ea, "\"" + hex(md5_of(a)) + "\"");
  auto listed = call("ListParts", {{"Bucket", "mpu"}, {"Key", "big"}, {"UploadId", id}});
  ASSERT_EQ(listed["Parts"].as_array().size(), 3u);
  EXPECT_EQ(listed["Parts"].as_array()[0].as_object().at("Size").to_number<int64_t>(), 5 << 20);
  auto uploads = call("ListMultipartUploads", {{"Bucket", "mpu"}});
  ASSERT_EQ(uploads["Uploads"].as_array().size(), 1u);

  auto out = complete("big", id, {{1, ea}, {2, eb}, {3, ec}});
  EXPECT_EQ(s(out["ETag"]), etag_of({a, b, c}));
  auto got = get("mpu", "big");
  EXPECT_EQ(got.body.size(), a.size() + b.size() + c.size());
  EXPECT_TRUE(got.body == a + b + c);
  EXPECT_EQ(s((*got.out)["ContentType"]), "video/mp4");
  // A range across the boundary of two parts.
  auto across = get("mpu", "big", {{"Range", "bytes=5242878-5242881"}});
  EXPECT_EQ(across.body, "aabb");
  EXPECT_FALSE(call("ListMultipartUploads", {{"Bucket", "mpu"}}).contains("Uploads"));
  expect_error("ListParts", {{"Bucket", "mpu"}, {"Key", "big"}, {"UploadId", id}}, "NoSuchUpload");
  reopen();
  EXPECT_TRUE(get("mpu", "big").body == a + b + c);
}

TEST_F(S3MultipartTest, CompletionErrorsChangeNothing) {
  auto id = create("k");
  auto e1 = part("k", id, 1, "small");
  auto e2 = part("k", id, 2, "also small");
  auto code = [&](std::vector<std::pair<int, std::string>> parts) {
    auto r = try_call("CompleteMultipartUpload", completion("k", id, parts));
    return r ? std::string("(ok)") : r.error().code;
  };
  EXPECT_EQ(code({{2, e2}, {1, e1}}), "InvalidPartOrder");
  EXPECT_EQ(code({{1, e1}, {3, e2}}), "InvalidPart");
  EXPECT_EQ(code({{1, "\"0000\""}}), "InvalidPart");
  EXPECT_EQ(code({{1, e1}, {2, e2}}), "EntityTooSmall");
  EXPECT_EQ(code({}), "MalformedXML");
  expect_error("HeadObject", {{"Bucket", "mpu"}, {"Key", "k"}}, "NoSuchKey");
  // One small part is a whole object.
  auto out = complete("k", id, {{1, e1}});
  EXPECT_EQ(s(out["ETag"]), etag_of({"small"}));
  EXPECT_EQ(get("mpu", "k").body, "small");
  expect_error(
      "UploadPart",
      {{"Bucket", "mpu"}, {"Key", "k"}, {"UploadId", id}, {"PartNumber", 1}, {"Body", "x"}},
      "NoSuchUpload");
  expect_error("UploadPart",
               {{"Bucket", "mpu"},
                {"Key", "k"},
                {"UploadId", create("k")},
                {"PartNumber", 10001},
                {"Body", "x"}},
               "InvalidArgument");
}

TEST_F(S3MultipartTest, AbortRemovesTheUploadAndItsParts) {
  auto id = create("gone");
  part("gone", id, 1, "x");
  expect_error("DeleteBucket", {{"Bucket", "mpu"}}, "BucketNotEmpty");
  call("AbortMultipartUpload", {{"Bucket", "mpu"}, {"Key", "gone"}, {"UploadId", id}});
  expect_error("AbortMultipartUpload", {{"Bucket", "mpu"}, {"Key", "gone"}, {"UploadId", id}},
               "NoSuchUpload");
  call("DeleteBucket", {{"Bucket", "mpu"}});
}

TEST_F(S3MultipartTest, UploadPartCopyWithRanges) {
  put("mpu", "src", "0123456789");
  auto id = create("dst");
  auto r = call("UploadPartCopy", {{"Bucket", "mpu"},
                                   {"Key", "dst"},
                                   {"UploadId", id},
                                   {"PartNumber", 1},
                                   {"CopySource", "mpu/src"},
                                   {"CopySourceRange", "bytes=2-5"}});
  std::string etag = s(r["CopyPartResult"].as_object().at("ETag"));
  EXPECT_EQ(etag, "\"" + hex(md5_of("2345")) + "\"");
  expect_error("UploadPartCopy",
               {{"Bucket", "mpu"},
                {"Key", "dst"},
                {"UploadId", id},
                {"PartNumber", 2},
                {"CopySource", "mpu/src"},
                {"CopySourceRange", "bytes=5-100"}},
               "InvalidArgument");
  complete("dst", id, {{1, etag}});
  EXPECT_EQ(get("mpu", "dst").body, "2345");
}

TEST_F(S3MultipartTest, UploadsAndPartsSurviveARestart) {
  auto id = create("later");
  auto e = part("later", id, 1, "kept");
  reopen();
  auto out = complete("later", id, {{1, e}});
  EXPECT_EQ(get("mpu", "later").body, "kept");
}

}  // namespace
}  // namespace nimbus::services::s3
