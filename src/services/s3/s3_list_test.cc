// ListObjectsV2 / ListObjects: order, prefixes and delimiters, paging by
// token, StartAfter and Marker, url encoding; DeleteObjects.
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

class S3ListTest : public S3Test {
 protected:
  void SetUp() override {
    S3Test::SetUp();
    make_bucket("bkt");
    for (auto k : {"a.txt", "dir/x", "dir/y", "dir/sub/z", "e", "é", "z z"}) put("bkt", k, "1");
  }
  static std::vector<std::string> keys(const json::object& out) {
    std::vector<std::string> v;
    if (const auto* c = out.if_contains("Contents")) {
      for (const auto& e : c->as_array()) v.push_back(s(e.as_object().at("Key")));
    }
    return v;
  }
  static std::vector<std::string> prefixes(const json::object& out) {
    std::vector<std::string> v;
    if (const auto* c = out.if_contains("CommonPrefixes")) {
      for (const auto& e : c->as_array()) v.push_back(s(e.as_object().at("Prefix")));
    }
    return v;
  }
  using V = std::vector<std::string>;
};

TEST_F(S3ListTest, AllKeysInBinaryOrder) {
  auto out = call("ListObjectsV2", {{"Bucket", "bkt"}});
  EXPECT_EQ(keys(out), (V{"a.txt", "dir/sub/z", "dir/x", "dir/y", "e", "z z", "é"}));
  EXPECT_EQ(out["KeyCount"].to_number<int64_t>(), 7);
  EXPECT_FALSE(out["IsTruncated"].as_bool());
  const auto& first = out["Contents"].as_array()[0].as_object();
  EXPECT_EQ(first.at("Size").to_number<int64_t>(), 1);
  EXPECT_EQ(s(first.at("StorageClass")), "STANDARD");
  EXPECT_FALSE(first.contains("Owner"));
  auto owned = call("ListObjectsV2", {{"Bucket", "bkt"}, {"FetchOwner", true}});
  EXPECT_TRUE(owned["Contents"].as_array()[0].as_object().contains("Owner"));
}

TEST_F(S3ListTest, DelimiterRollsKeysIntoCommonPrefixes) {
  auto top = call("ListObjectsV2", {{"Bucket", "bkt"}, {"Delimiter", "/"}});
  EXPECT_EQ(keys(top), (V{"a.txt", "e", "z z", "é"}));
  EXPECT_EQ(prefixes(top), (V{"dir/"}));
  EXPECT_EQ(top["KeyCount"].to_number<int64_t>(), 5);
  auto dir = call("ListObjectsV2", {{"Bucket", "bkt"}, {"Prefix", "dir/"}, {"Delimiter", "/"}});
  EXPECT_EQ(keys(dir), (V{"dir/x", "dir/y"}));
  EXPECT_EQ(prefixes(dir), (V{"dir/sub/"}));
}

TEST_F(S3ListTest, PagesByContinuationTokenAndStartAfter) {
  std::vector<std::string> seen;
  json::object in{{"Bucket", "bkt"}, {"MaxKeys", 2}, {"Delimiter", "/"}};
  for (int pages = 0; pages < 10; ++pages) {
    auto out = call("ListObjectsV2", in);
    for (auto& k : keys(out)) seen.push_back(k);
    for (auto& p : prefixes(out)) seen.push_back(p);
    if (!out["IsTruncated"].as_bool()) break;
    in["ContinuationToken"] = out["NextContinuationToken"];
  }
  EXPECT_EQ(seen, (V{"a.txt", "dir/", "e", "z z", "é"}));
  auto after = call("ListObjectsV2", {{"Bucket", "bkt"}, {"StartAfter", "dir/y"}});
  EXPECT_EQ(keys(after), (V{"e", "z z", "é"}));
  EXPECT_EQ(s(after["StartAfter"]), "dir/y");
  expect_error("ListObjectsV2", {{"Bucket", "bkt"}, {"ContinuationToken", "!!"}},
               "InvalidArgument");
  auto none = call("ListObjectsV2", {{"Bucket", "bkt"}, {"MaxKeys", 0}});
  EXPECT_TRUE(keys(none).empty());
  EXPECT_FALSE(none["IsTruncated"].as_bool());
}

TEST_F(S3ListTest, V1MarkersAndUrlEncoding) {
  auto page = call("ListObjects", {{"Bucket", "bkt"}, {"MaxKeys", 3}, {"Delimiter", "/"}});
  EXPECT_EQ(keys(page), (V{"a.txt", "e"}));
  EXPECT_EQ(prefixes(page), (V{"dir/"}));
  EXPECT_TRUE(page["IsTruncated"].as_bool());
  EXPECT_EQ(s(page["NextMarker"]), "e");
  auto rest = call("ListObjects", {{"Bucket", "bkt"}, {"Marker", "e"}});
  EXPECT_EQ(keys(rest), (V{"z z", "é"}));
  EXPECT_TRUE(rest["Contents"].as_array()[0].as_object().contains("Owner"));
  auto encoded =
      call("ListObjectsV2", {{"Bucket", "bkt"}, {"Prefix", "z"}, {"EncodingType", "url"}});
  EXPECT_EQ(keys(encoded), (V{"z%20z"}));
  expect_error("ListObjectsV2", {{"Bucket", "bkt"}, {"EncodingType", "xml"}}, "InvalidArgument");
  expect_error("ListObjectsV2", {{"Bucket", "nope"}}, "NoSuchBucket");
}

TEST_F(S3ListTest, DeleteObjectsReportsEachKey) {
  json::array objects;
  for (auto k : {"a.txt", "dir/x", "missing"}) objects.push_back(json::object{{"Key", k}});
  objects.push_back(json::object{{"Key", std::string(1100, 'k')}});
  auto out =
      call("DeleteObjects", {{"Bucket", "bkt"}, {"Delete", json::object{{"Objects", objects}}}});
  ASSERT_EQ(out["Deleted"].as_array().size(), 3u);  // a missing key is deleted too
  EXPECT_EQ(s(out["Deleted"].as_array()[0].as_object().at("Key")), "a.txt");
  ASSERT_EQ(out["Errors"].as_array().size(), 1u);
  EXPECT_EQ(s(out["Errors"].as_array()[0].as_object().at("Code")), "KeyTooLongError");
  EXPECT_EQ(keys(call("ListObjectsV2", {{"Bucket", "bkt"}, {"Prefix", "dir/x"}})), V{});
  auto quiet = call("DeleteObjects",
                    {{"Bucket", "bkt"},
                     {"Delete", json::object{{"Objects", json::array{json::object{{"Key", "e"}}}},
                                             {"Quiet", true}}}});
  EXPECT_FALSE(quiet.contains("Deleted"));
  expect_error("DeleteObjects",
               {{"Bucket", "bkt"}, {"Delete", json::object{{"Objects", json::array{}}}}},
               "MalformedXML");
}

}  // namespace
}  // namespace nimbus::services::s3
