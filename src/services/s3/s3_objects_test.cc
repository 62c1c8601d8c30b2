// Objects: put and read back (whole, ranges, headers, metadata), conditions,
// deletes, bad input, and what is on disk: one body per object, nothing
// left after overwrites, deletes and a crash's leftovers at start-up.
#include <filesystem>
#include <fstream>

#include "common/encoding.h"
#include "services/s3/blob_sink.h"
#include "services/s3/codec.h"
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::file_sized;
using testing::S3Test;

std::string base64_of_md5(const std::string& data) {
  return base64_encode(md5_of(data));
}

class S3ObjectTest : public S3Test {
 protected:
  void SetUp() override {
    S3Test::SetUp();
    make_bucket("bkt");
  }
};

TEST_F(S3ObjectTest, PutThenGetHeadAndDelete) {
  auto put_out = put("bkt", "dir/hello.txt", "hello world",
                     {{"ContentType", "text/plain"},
                      {"CacheControl", "max-age=60"},
                      {"ContentEncoding", "aws-chunked,gzip"},
                      {"Metadata", json::object{{"owner", "ann"}}}});
  EXPECT_EQ(s(put_out["ETag"]), "\"" + hex(md5_of("hello world")) + "\"");

  auto got = get("bkt", "dir/hello.txt");
  ASSERT_TRUE(got.out) << got.out.error().message;
  EXPECT_EQ(got.body, "hello world");
  auto& out = *got.out;
  EXPECT_EQ(s(out["ContentType"]), "text/plain");
  EXPECT_EQ(s(out["CacheControl"]), "max-age=60");
  EXPECT_EQ(s(out["ContentEncoding"]), "gzip");  // the framing is not the object's
  EXPECT_EQ(s(out["Metadata"].as_object().at("owner")), "ann");
  EXPECT_EQ(out["ContentLength"].to_number<int64_t>(), 11);
  EXPECT_EQ(s(out["ETag"]), s(put_out["ETag"]));
  EXPECT_FALSE(out.contains("ContentRange"));

  auto head = call("HeadObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}});
  EXPECT_EQ(head["ContentLength"].to_number<int64_t>(), 11);

  call("DeleteObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}});
  expect_error("GetObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}}, "NoSuchKey");
  expect_error("HeadObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}}, "NoSuchKey");
  call("DeleteObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}});  // nothing there: fine
  expect_error("GetObject", {{"Bucket", "none"}, {"Key", "k"}}, "NoSuchBucket");
  expect_error("DeleteObject", {{"Bucket", "none"}, {"Key", "k"}}, "NoSuchBucket");
  EXPECT_TRUE(eventually([&] { return body_files() == 0; }));
}

TEST_F(S3ObjectTest, DefaultContentTypeAndResponseOverrides) {
  put("bkt", "k", "x");
  auto got =
      get("bkt", "k",
          {{"ResponseContentType", "image/png"}, {"ResponseContentDisposition", "attachment"}});
  ASSERT_TRUE(got.out);
  EXPECT_EQ(s((*got.out)["ContentType"]), "image/png");
  EXPECT_EQ(s((*got.out)["ContentDisposition"]), "attachment");
  auto plain = get("bkt", "k");
  EXPECT_EQ(s((*plain.out)["ContentType"]), "binary/octet-stream");
}

TEST_F(S3ObjectTest, RangesAsS3ServesThem) {
  put("bkt", "digits", "0123456789");
  auto part = [&](const std::string& range) {
    auto g = get("bkt", "digits", {{"Range", range}});
    EXPECT_TRUE(g.out) << range;
    return std::make_pair(g.body, g.out ? s((*g.out)["ContentRange"]) : "");
  };
  EXPECT_EQ(part("bytes=2-4"), std::make_pair(std::string("234"), std::string("bytes 2-4/10")));
  EXPECT_EQ(part("bytes=7-"), std::make_pair(std::string("789"), std::string("bytes 7-9/10")));
  EXPECT_EQ(part("bytes=-3"), std::make_pair(std::string("789"), std::string("bytes 7-9/10")));
  EXPECT_EQ(part("bytes=8-100"), std::make_pair(std::string("89"), std::string("bytes 8-9/10")));
  EXPECT_EQ(part("bytes=-100").first, "0123456789");
  // What S3 ignores serves the whole object, without a Content-Range.
  for (auto ignored : {"bytes=5-2", "bytes=0-1,4-5", "items=0-1", "bytes=x-"}) {
    auto g = get("bkt", "digits", {{"Range", ignored}});
    EXPECT_EQ(g.body, "0123456789") << ignored;
    EXPECT_FALSE(g.out->contains("ContentRange")) << ignored;
  }
  auto r = try_call("GetObject", {{"Bucket", "bkt"}, {"Key", "digits"}, {"Range", "bytes=10-"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "InvalidRange");
  EXPECT_EQ(r.error().http_status, 416);
  EXPECT_EQ(*r.error().field("ActualObjectSize"), "10");
}

TEST_F(S3ObjectTest, ConditionalReads) {
  auto etag = s(put("bkt", "k", "v")["ETag"]);
  double modified =
      call("HeadObject", {{"Bucket", "bkt"}, {"Key", "k"}})["LastModified"].to_number<double>();
  EXPECT_TRUE(get("bkt", "k", {{"IfMatch", etag}}).out);
  EXPECT_TRUE(get("bkt", "k", {{"IfMatch", "\"other\", " + etag}}).out);
  EXPECT_TRUE(get("bkt", "k", {{"IfMatch", "*"}}).out);
  auto failed = get("bkt", "k", {{"IfMatch", "\"other\""}}).out;
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "PreconditionFailed");
  EXPECT_EQ(*failed.error().field("Condition"), "If-Match");
  EXPECT_EQ(get("bkt", "k", {{"IfNoneMatch", etag}}).out.error().http_status, 304);
  EXPECT_TRUE(get("bkt", "k", {{"IfNoneMatch", "\"other\""}}).out);
  EXPECT_EQ(get("bkt", "k", {{"IfModifiedSince", modified}}).out.error().http_status, 304);
  EXPECT_TRUE(get("bkt", "k", {{"IfModifiedSince", modified - 10}}).out);
  EXPECT_EQ(get("bkt", "k", {{"IfUnmodifiedSince", modified - 10}}).out.error().code,
            "PreconditionFailed");
  // If-Match that holds wins over If-Unmodified-Since that does not.
  EXPECT_TRUE(get("bkt", "k", {{"IfMatch", etag}, {"IfUnmodifiedSince", modified - 10}}).out);
}

TEST_F(S3ObjectTest, BadInputChangesNothing) {
  auto r =
      try_call("PutObject", {{"Bucket", "bkt"}, {"Key", std::string(1025, 'k')}, {"Body", "x"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "KeyTooLongError");
  json::object big;
  big["m"] = std::string(2048, 'x');
  expect_error("PutObject", {{"Bucket", "bkt"}, {"Key", "k"}, {"Body", "x"}, {"Metadata", big}},
               "MetadataTooLarge");
  expect_error("PutObject",
               {{"Bucket", "bkt"}, {"Key", "k"}, {"Body", "x"}, {"ContentMD5", "not base64!"}},
               "InvalidDigest");
  // A body kept in a file, and one kept in its record: neither stays.
  std::string large = file_sized("x");
  auto bad = try_call(
      "PutObject",
      {{"Bucket", "bkt"}, {"Key", "k"}, {"Body", large}, {"ContentMD5", base64_of_md5("y")}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "BadDigest");
  bad = try_call(
      "PutObject",
      {{"Bucket", "bkt"}, {"Key", "k"}, {"Body", "x"}, {"ContentMD5", base64_of_md5("y")}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "BadDigest");
  expect_error("HeadObject", {{"Bucket", "bkt"}, {"Key", "k"}}, "NoSuchKey");
  EXPECT_TRUE(eventually([&] { return body_files() == 0; }));
  put("bkt", "k", large, {{"ContentMD5", base64_of_md5(large)}});
  EXPECT_TRUE(eventually([&] { return body_files() == 1; }));
}

TEST_F(S3ObjectTest, StreamedBodyAndShortBody) {
  CallContext c = ctx("PutObject");
  std::string big(3 << 20, 'z');
  c.payload->request = http::memory_body(big, 100 * 1024);
  auto out = try_call(*svc, c, {{"Bucket", "bkt"}, {"Key", "big"}});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(s((*out)["ETag"]), "\"" + hex(md5_of(big)) + "\"");
  EXPECT_EQ(get("bkt", "big").body, big);
}

TEST_F(S3ObjectTest, OverwritesKeepOneBodyAndAnOpenReadKeepsItsVersion) {
  put("bkt", "k", std::string(600 * 1024, 'a'));
  CallContext c = ctx("GetObject");
  ASSERT_TRUE(try_call(*svc, c, {{"Bucket", "bkt"}, {"Key", "k"}}));  // opened, not read yet
  put("bkt", "k", file_sized("second"));
  EXPECT_TRUE(eventually([&] { return body_files() == 1; }));
  std::promise<Result<std::string>> p;
  http::read_all(c.payload->response, 1 << 30,
                 [&p](Result<std::string> r) { p.set_value(std::move(r)); });
  auto first = p.get_future().get();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, std::string(600 * 1024, 'a'));
  EXPECT_EQ(get("bkt", "k").body, file_sized("second"));
}

TEST_F(S3ObjectTest, ObjectsSurviveARestartAndStrayBodiesAreCollected) {
  put("bkt", "kept", file_sized("durable"));
  // A body whose record never committed (a crash between the two).
  fs::create_directories(settings.data_dir + "/s3/blobs/ab");
  std::ofstream(settings.data_dir + "/s3/blobs/ab/ab" + std::string(30, '0')) << "orphan";
  std::ofstream(settings.data_dir + "/s3/blobs/tmp/cd" + std::string(30, '0')) << "partial";
  reopen();
  EXPECT_EQ(get("bkt", "kept").body, file_sized("durable"));
  EXPECT_EQ(body_files(), 1u);
  EXPECT_FALSE(fs::exists(settings.data_dir + "/s3/blobs/tmp/cd" + std::string(30, '0')));
}

TEST_F(S3ObjectTest, SmallBodiesLiveInTheirRecords) {
  std::string at_limit(Engine::kInlineBytes, 'i');
  put("bkt", "small", "tiny body");
  put("bkt", "limit", at_limit);
  put("bkt", "empty", "");
  EXPECT_EQ(body_files(), 0u);
  EXPECT_EQ(get("bkt", "small").body, "tiny body");
  EXPECT_EQ(get("bkt", "limit").body, at_limit);
  EXPECT_EQ(get("bkt", "empty").body, "");
  EXPECT_EQ(get("bkt", "small", {{"Range", "bytes=5-"}}).body, "body");
  EXPECT_EQ(get("bkt", "small", {{"Range", "bytes=-4"}}).body, "body");
  EXPECT_EQ(get("bkt", "small", {{"Range", "bytes=0-3"}}).body, "tiny");
  // One byte more is a file; replacing it with a small body drops the file,
  // and the other way round.
  put("bkt", "grows", file_sized("f"));
  EXPECT_EQ(body_files(), 1u);
  put("bkt", "grows", "small again");
  EXPECT_TRUE(eventually([&] { return body_files() == 0; }));
  // Copies of small objects are small objects.
  call("CopyObject", {{"Bucket", "bkt"}, {"Key", "copy"}, {"CopySource", "bkt/small"}});
  EXPECT_EQ(get("bkt", "copy").body, "tiny body");
  EXPECT_EQ(body_files(), 0u);
  reopen();
  EXPECT_EQ(get("bkt", "small").body, "tiny body");
  EXPECT_EQ(get("bkt", "limit").body, at_limit);
  EXPECT_EQ(get("bkt", "grows").body, "small again");
  auto head = call("HeadObject", {{"Bucket", "bkt"}, {"Key", "limit"}});
  EXPECT_EQ(head["ContentLength"].to_number<int64_t>(), static_cast<int64_t>(Engine::kInlineBytes));
  EXPECT_EQ(s(head["ETag"]), "\"" + hex(md5_of(at_limit)) + "\"");
}

TEST(S3Codec, AnInlineBodyRoundTripsRawAndADamagedOneIsRefused) {
  ObjectMeta m;
  m.version_id = "null";
  m.etag = "\"e\"";
  m.inline_body = std::string("a\0b\0", 4);  // NULs in the body are bytes like any other
  m.size = 4;
  std::string text = codec::encode(m);
  auto back = codec::decode_object("b", "k", text);
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->inline_body);
  EXPECT_EQ(*back->inline_body, std::string("a\0b\0", 4));
  EXPECT_TRUE(back->blob.empty());
  // Cut short, or without its bytes at all: not the size the record says.
  EXPECT_FALSE(codec::decode_object("b", "k", text.substr(0, text.size() - 1)));
  EXPECT_FALSE(codec::decode_object("b", "k", text.substr(0, text.find('\0'))));
}

TEST_F(S3ObjectTest, BodiesGoIntoSlotsMadeAheadAndUnusedSlotsAreCollected) {
  auto files = [&] {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(settings.data_dir + "/s3/blobs", ec)) {
      if (e.is_regular_file()) ++n;
    }
    return n;
  };
  put("bkt", "a", file_sized("first"));
  // One batch: the body's slot and the spare ones, in one fan-out directory.
  EXPECT_EQ(files(), BlobSlots::kBatch);
  EXPECT_EQ(body_files(), 1u);
  put("bkt", "b", file_sized("second"));
  EXPECT_EQ(files(), BlobSlots::kBatch);
  // Spare slots go with a clean stop (and, left by a crash, with start-up's
  // collection of unreferenced blobs, as in the test above).
  reopen();
  EXPECT_EQ(files(), 2u);
  EXPECT_EQ(get("bkt", "a").body, file_sized("first"));
  EXPECT_EQ(get("bkt", "b").body, file_sized("second"));
}

}  // namespace
}  // namespace nimbus::services::s3
