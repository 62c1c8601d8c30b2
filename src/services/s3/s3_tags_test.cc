// Object tags (x-amz-tagging on PUT, the tagging operations, TagCount,
// copy directives, limits) and bucket tags; tag events reach listeners.
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

json::object tagging(std::vector<std::pair<std::string, std::string>> tags) {
  json::array set;
  for (auto& [k, v] : tags) set.push_back(json::object{{"Key", k}, {"Value", v}});
  return json::object{{"TagSet", set}};
}

TEST_F(S3Test, ObjectTags) {
  make_bucket("tags");
  std::vector<ObjectEvent> events;
  std::mutex mu;
  svc->objects().on_event([&](const ObjectEvent& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
  });
  put("tags", "k", "v", {{"Tagging", "a=1&b=two%20words"}});
  auto first = get("tags", "k");
  ASSERT_TRUE(first.out);
  EXPECT_EQ(first.out->at("TagCount").to_number<int64_t>(), 2);
  auto got = call("GetObjectTagging", {{"Bucket", "tags"}, {"Key", "k"}});
  ASSERT_EQ(got["TagSet"].as_array().size(), 2u);
  EXPECT_EQ(s(got["TagSet"].as_array()[1].as_object().at("Value")), "two words");

  call("PutObjectTagging", {{"Bucket", "tags"}, {"Key", "k"}, {"Tagging", tagging({{"c", "3"}})}});
  got = call("GetObjectTagging", {{"Bucket", "tags"}, {"Key", "k"}});
  ASSERT_EQ(got["TagSet"].as_array().size(), 1u);
  EXPECT_EQ(s(got["TagSet"].as_array()[0].as_object().at("Key")), "c");
  call("CopyObject", {{"Bucket", "tags"}, {"Key", "copy"}, {"CopySource", "tags/k"}});
  EXPECT_EQ(
      call("GetObjectTagging", {{"Bucket", "tags"}, {"Key", "copy"}})["TagSet"].as_array().size(),
      1u);
  call("CopyObject", {{"Bucket", "tags"},
                      {"Key", "copy2"},
                      {"CopySource", "tags/k"},
                      {"TaggingDirective", "REPLACE"},
                      {"Tagging", "x=y"}});
  EXPECT_EQ(s(call("GetObjectTagging", {{"Bucket", "tags"}, {"Key", "copy2"}})["TagSet"]
                  .as_array()[0]
                  .as_object()
                  .at("Key")),
            "x");
  call("DeleteObjectTagging", {{"Bucket", "tags"}, {"Key", "k"}});
  EXPECT_TRUE(
      call("GetObjectTagging", {{"Bucket", "tags"}, {"Key", "k"}})["TagSet"].as_array().empty());

  expect_error("PutObjectTagging",
               {{"Bucket", "tags"}, {"Key", "k"}, {"Tagging", tagging({{"d", "1"}, {"d", "2"}})}},
               "InvalidTag");
  std::vector<std::pair<std::string, std::string>> eleven;
  for (int i = 0; i < 11; ++i) eleven.emplace_back("t" + std::to_string(i), "v");
  expect_error("PutObjectTagging", {{"Bucket", "tags"}, {"Key", "k"}, {"Tagging", tagging(eleven)}},
               "BadRequest");
  expect_error("PutObjectTagging",
               {{"Bucket", "tags"}, {"Key", "none"}, {"Tagging", tagging({{"a", "b"}})}},
               "NoSuchKey");
  expect_error("PutObject",
               {{"Bucket", "tags"},
                {"Key", "bad"},
                {"Body", "x"},
                {"Tagging", std::string(129, 'k') + "=v"}},
               "InvalidTag");
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return events.size() >= 5;
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(events[0].name, "ObjectCreated:Put");
  EXPECT_EQ(events[1].name, "ObjectTagging:Put");
  EXPECT_EQ(events[2].name, "ObjectCreated:Copy");
  EXPECT_LT(events[0].sequencer, events[1].sequencer);
}

TEST_F(S3Test, BucketTags) {
  make_bucket("btags");
  expect_error("GetBucketTagging", {{"Bucket", "btags"}}, "NoSuchTagSet");
  call("PutBucketTagging", {{"Bucket", "btags"}, {"Tagging", tagging({{"team", "data"}})}});
  reopen();
  auto got = call("GetBucketTagging", {{"Bucket", "btags"}});
  EXPECT_EQ(s(got["TagSet"].as_array()[0].as_object().at("Value")), "data");
  call("DeleteBucketTagging", {{"Bucket", "btags"}});
  expect_error("GetBucketTagging", {{"Bucket", "btags"}}, "NoSuchTagSet");
}

}  // namespace
}  // namespace nimbus::services::s3
