// Checksums: computed over the stored bytes, checked against a claimed
// value (BadDigest, nothing stored), answered with ChecksumMode=ENABLED, on
// copies, on multipart uploads (part checksums, the composite one) and in
// GetObjectAttributes. Expected values come from Python's zlib / hashlib.
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

constexpr const char* kCrc32Hello = "DUoRhQ==";  // CRC32("hello world")
constexpr const char* kSha256Hello = "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=";

class S3ChecksumTest : public S3Test {
 protected:
  void SetUp() override {
    S3Test::SetUp();
    make_bucket("sums");
  }
};

TEST_F(S3ChecksumTest, PutStoresAndReturnsTheChecksum) {
  // Named by algorithm only (the value came in a trailer, or not at all).
  auto out = put("sums", "a", "hello world", {{"ChecksumAlgorithm", "CRC32"}});
  EXPECT_EQ(s(out["ChecksumCRC32"]), kCrc32Hello);
  // Claimed in a header, and right.
  put("sums", "b", "hello world", {{"ChecksumSHA256", kSha256Hello}});
  auto head = call("HeadObject", {{"Bucket", "sums"}, {"Key", "b"}, {"ChecksumMode", "ENABLED"}});
  EXPECT_EQ(s(head["ChecksumSHA256"]), kSha256Hello);
  EXPECT_EQ(s(head["ChecksumType"]), "FULL_OBJECT");
  EXPECT_FALSE(call("HeadObject", {{"Bucket", "sums"}, {"Key", "b"}}).contains("ChecksumSHA256"));
  auto got = get("sums", "a", {{"ChecksumMode", "ENABLED"}});
  ASSERT_TRUE(got.out);
  EXPECT_EQ(s(got.out->at("ChecksumCRC32")), kCrc32Hello);
  // A range is not the object the checksum is of.
  got = get("sums", "a", {{"ChecksumMode", "ENABLED"}, {"Range", "bytes=0-1"}});
  EXPECT_FALSE(got.out->contains("ChecksumCRC32"));
  // A copy keeps it.
  call("CopyObject", {{"Bucket", "sums"}, {"Key", "c"}, {"CopySource", "sums/b"}});
  head = call("HeadObject", {{"Bucket", "sums"}, {"Key", "c"}, {"ChecksumMode", "ENABLED"}});
  EXPECT_EQ(s(head["ChecksumSHA256"]), kSha256Hello);
  reopen();
  head = call("HeadObject", {{"Bucket", "sums"}, {"Key", "a"}, {"ChecksumMode", "ENABLED"}});
  EXPECT_EQ(s(head["ChecksumCRC32"]), kCrc32Hello);
}

TEST_F(S3ChecksumTest, AWrongChecksumStoresNothing) {
  put("sums", "k", "before");
  auto bad = try_call(
      "PutObject",
      {{"Bucket", "sums"}, {"Key", "k"}, {"Body", "hello world"}, {"ChecksumCRC32", "AAAAAA=="}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "BadDigest");
  EXPECT_EQ(bad.error().message, "The CRC32 you specified did not match the calculated checksum.");
  EXPECT_EQ(get("sums", "k").body, "before");
  EXPECT_EQ(error_code("PutObject", {{"Bucket", "sums"},
                                     {"Key", "k"},
                                     {"Body", "x"},
                                     {"ChecksumCRC32", kCrc32Hello},
                                     {"ChecksumSHA256", kSha256Hello}}),
            "InvalidRequest");
  EXPECT_EQ(
      error_code("PutObject",
                 {{"Bucket", "sums"}, {"Key", "k"}, {"Body", "x"}, {"ChecksumAlgorithm", "MD4"}}),
      "InvalidRequest");
  EXPECT_EQ(get("sums", "k").body, "before");
}

TEST_F(S3ChecksumTest, MultipartPartsAndTheCompositeChecksum) {
  auto made = call("CreateMultipartUpload",
                   {{"Bucket", "sums"}, {"Key", "mp"}, {"ChecksumAlgorithm", "CRC32"}});
  EXPECT_EQ(s(made["ChecksumAlgorithm"]), "CRC32");
  std::string id = s(made["UploadId"]);
  auto part = [&](int n, const std::string& body, json::object extra = {}) {
    extra["Bucket"] = "sums";
    extra["Key"] = "mp";
    extra["UploadId"] = id;
    extra["PartNumber"] = n;
    extra["Body"] = body;
    return call("UploadPart", std::move(extra));
  };
  auto p1 = part(1, std::string(5 << 20, 'a'));
  EXPECT_EQ(s(p1["ChecksumCRC32"]), "r/zBbw==");
  auto p2 = part(2, std::string(10, 'b'), {{"ChecksumCRC32", "Qi9M+A=="}});
  EXPECT_EQ(error_code("UploadPart", {{"Bucket", "sums"},
                                      {"Key", "mp"},
                                      {"UploadId", id},
                                      {"PartNumber", 3},
                                      {"Body", "x"},
                                      {"ChecksumSHA256", kSha256Hello}}),
            "InvalidRequest");
  auto listed = call("ListParts", {{"Bucket", "sums"}, {"Key", "mp"}, {"UploadId", id}});
  EXPECT_EQ(s(listed["Parts"].as_array()[1].as_object().at("ChecksumCRC32")), "Qi9M+A==");
  json::array parts{
      json::object{{"PartNumber", 1}, {"ETag", p1["ETag"]}, {"ChecksumCRC32", "r/zBbw=="}},
      json::object{{"PartNumber", 2}, {"ETag", p2["ETag"]}, {"ChecksumCRC32", "AAAAAA=="}}};
  // A part checksum that is not the part's.
  EXPECT_EQ(
      error_code("CompleteMultipartUpload", {{"Bucket", "sums"},
                                             {"Key", "mp"},
                                             {"UploadId", id},
                                             {"MultipartUpload", json::object{{"Parts", parts}}}}),
      "InvalidPart");
  parts[1].as_object()["ChecksumCRC32"] = "Qi9M+A==";
  auto done =
      call("CompleteMultipartUpload", {{"Bucket", "sums"},
                                       {"Key", "mp"},
                                       {"UploadId", id},
                                       {"MultipartUpload", json::object{{"Parts", parts}}}});
  EXPECT_EQ(s(done["ChecksumCRC32"]), "meG8JQ==-2");
  auto head = call("HeadObject", {{"Bucket", "sums"}, {"Key", "mp"}, {"ChecksumMode", "ENABLED"}});
  EXPECT_EQ(s(head["ChecksumCRC32"]), "meG8JQ==-2");
  EXPECT_EQ(s(head["ChecksumType"]), "COMPOSITE");

  auto attrs = call("GetObjectAttributes",
                    {{"Bucket", "sums"},
                     {"Key", "mp"},
                     {"ObjectAttributes",
                      json::array{"ETag", "Checksum", "ObjectParts", "ObjectSize", "StorageClass"}},
                     {"MaxParts", 1}});
  EXPECT_EQ(s(attrs["ETag"]), s(done["ETag"]).substr(1, s(done["ETag"]).size() - 2));
  EXPECT_EQ(s(attrs["Checksum"].as_object().at("ChecksumCRC32")), "meG8JQ==");
  EXPECT_EQ(attrs["ObjectSize"].to_number<int64_t>(), (5 << 20) + 10);
  EXPECT_EQ(s(attrs["StorageClass"]), "STANDARD");
  const auto& op = attrs["ObjectParts"].as_object();
  EXPECT_EQ(op.at("TotalPartsCount").to_number<int64_t>(), 2);
  EXPECT_TRUE(op.at("IsTruncated").as_bool());
  ASSERT_EQ(op.at("Parts").as_array().size(), 1u);
  EXPECT_EQ(s(op.at("Parts").as_array()[0].as_object().at("ChecksumCRC32")), "r/zBbw==");
  attrs = call("GetObjectAttributes", {{"Bucket", "sums"},
                                       {"Key", "mp"},
                                       {"ObjectAttributes", json::array{"ObjectParts"}},
                                       {"PartNumberMarker", 1}});
  EXPECT_EQ(attrs["ObjectParts"].as_object().at("Parts").as_array()[0].as_object().at("PartNumber"),
            2);
  EXPECT_FALSE(attrs.contains("ETag"));
}

TEST_F(S3ChecksumTest, GetObjectAttributesOfPlainObjectsAndErrors) {
  put("sums", "plain", "hello world");
  auto attrs =
      call("GetObjectAttributes",
           {{"Bucket", "sums"},
            {"Key", "plain"},
            {"ObjectAttributes", json::array{"ETag", "Checksum", "ObjectParts", "ObjectSize"}}});
  EXPECT_EQ(attrs["ObjectSize"].to_number<int64_t>(), 11);
  EXPECT_FALSE(attrs.contains("Checksum"));     // none was asked for when it was written
  EXPECT_FALSE(attrs.contains("ObjectParts"));  // not a multipart object
  EXPECT_EQ(error_code("GetObjectAttributes", {{"Bucket", "sums"},
                                               {"Key", "plain"},
                                               {"ObjectAttributes", json::array{"Colour"}}}),
            "InvalidArgument");
  EXPECT_EQ(
      error_code("GetObjectAttributes",
                 {{"Bucket", "sums"}, {"Key", "none"}, {"ObjectAttributes", json::array{"ETag"}}}),
      "NoSuchKey");
}

}  // namespace
}  // namespace nimbus::services::s3
