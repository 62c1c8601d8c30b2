// Versioning: version ids on Enabled buckets, delete markers, reads and
// deletes by version id, the null version of Suspended buckets,
// ListObjectVersions paging, events, bad input, and versions across a
// restart with their bodies on disk.
#include <filesystem>

#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::file_sized;
using testing::S3Test;

class S3VersionTest : public S3Test {
 protected:
  void SetUp() override {
    S3Test::SetUp();
    make_bucket("ver");
    versioning("ver", "Enabled");
  }
  void versioning(const std::string& bucket, const std::string& status) {
    call("PutBucketVersioning",
         {{"Bucket", bucket}, {"VersioningConfiguration", json::object{{"Status", status}}}});
  }
  json::object versions(json::object in) {
    in["Bucket"] = "ver";
    return call("ListObjectVersions", std::move(in));
  }
  // "key@version" of each entry, versions and markers merged in key order,
  // newest first (as S3 interleaves them), markers with a '!'.
  std::vector<std::string> listed(const json::object& out) {
    std::vector<std::pair<std::string, std::string>> all;
    for (const char* member : {"Versions", "DeleteMarkers"}) {
      if (!out.contains(member)) continue;
      for (const auto& e : out.at(member).as_array()) {
        const auto& o = e.as_object();
        std::string mark = std::string(member) == "DeleteMarkers" ? "!" : "";
        all.emplace_back(s(o.at("Key")) + "@" + s(o.at("VersionId")), mark);
      }
    }
    std::vector<std::string> out_list;
    for (auto& [k, m] : all) out_list.push_back(m + k);
    return out_list;
  }
  Output try_get(const std::string& key, json::object extra = {}) {
    extra["Bucket"] = "ver";
    extra["Key"] = key;
    return try_call("HeadObject", std::move(extra));
  }
};

TEST_F(S3VersionTest, VersioningStatusIsStoredAndChecked) {
  make_bucket("plain");
  EXPECT_FALSE(call("GetBucketVersioning", {{"Bucket", "plain"}}).contains("Status"));
  auto got = call("GetBucketVersioning", {{"Bucket", "ver"}});
  EXPECT_EQ(s(got["Status"]), "Enabled");
  expect_error("PutBucketVersioning",
               {{"Bucket", "ver"}, {"VersioningConfiguration", json::object{{"Status", "On"}}}},
               "MalformedXML");
  expect_error(
      "PutBucketVersioning",
      {{"Bucket", "nope"}, {"VersioningConfiguration", json::object{{"Status", "Enabled"}}}},
      "NoSuchBucket");
  versioning("ver", "Suspended");
  EXPECT_EQ(s(call("GetBucketVersioning", {{"Bucket", "ver"}})["Status"]), "Suspended");
  reopen();
  EXPECT_EQ(s(call("GetBucketVersioning", {{"Bucket", "ver"}})["Status"]), "Suspended");
}

TEST_F(S3VersionTest, EveryWriteIsAVersionAndDeletesMakeMarkers) {
  std::string v1 = s(put("ver", "k", file_sized("one"))["VersionId"]);
  std::string v2 = s(put("ver", "k", file_sized("two"))["VersionId"]);
  ASSERT_FALSE(v1.empty());
  ASSERT_NE(v1, v2);
  EXPECT_EQ(get("ver", "k").body, file_sized("two"));
  auto old = get("ver", "k", {{"VersionId", v1}});
  ASSERT_TRUE(old.out);
  EXPECT_EQ(old.body, file_sized("one"));
  EXPECT_EQ(s(old.out->at("VersionId")), v1);

  auto del = call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}});
  EXPECT_TRUE(del["DeleteMarker"].as_bool());
  std::string marker = s(del["VersionId"]);
  EXPECT_NE(marker, v2);
  // The latest is a marker: 404 saying so; by its id: 405.
  auto gone = try_get("k");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "NoSuchKey");
  ASSERT_NE(gone.error().field("DeleteMarker"), nullptr);
  EXPECT_EQ(*gone.error().field("VersionId"), marker);
  auto by_id = try_get("k", {{"VersionId", marker}});
  ASSERT_FALSE(by_id);
  EXPECT_EQ(by_id.error().code, "MethodNotAllowed");
  EXPECT_EQ(by_id.error().http_status, 405);
  // Not listed as an object, but every version is.
  EXPECT_FALSE(call("ListObjectsV2", {{"Bucket", "ver"}}).contains("Contents"));
  auto all = versions({});
  EXPECT_EQ(listed(all), (std::vector<std::string>{"k@" + v2, "k@" + v1, "!k@" + marker}));
  EXPECT_TRUE(all["DeleteMarkers"].as_array()[0].as_object().at("IsLatest").as_bool());
  EXPECT_FALSE(all["Versions"].as_array()[0].as_object().at("IsLatest").as_bool());
  EXPECT_EQ(body_files(), 2u);  // old versions keep their bodies

  // Deleting the marker by id brings the object back; deleting a version
  // by id removes it for good, with its body.
  auto undel = call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}, {"VersionId", marker}});
  EXPECT_TRUE(undel["DeleteMarker"].as_bool());
  EXPECT_EQ(s(undel["VersionId"]), marker);
  EXPECT_EQ(get("ver", "k").body, file_sized("two"));
  call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}, {"VersionId", v2}});
  EXPECT_EQ(get("ver", "k").body, file_sized("one"));
  EXPECT_TRUE(eventually([&] { return body_files() == 1; }));
  auto missing = try_get("k", {{"VersionId", v2}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "NoSuchVersion");
  // A version id that is no version id at all.
  EXPECT_EQ(error_code("GetObject", {{"Bucket", "ver"}, {"Key", "k"}, {"VersionId", "x/y"}}),
            "InvalidArgument");
  EXPECT_EQ(error_code("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}, {"VersionId", "x"}}),
            "InvalidArgument");
  EXPECT_EQ(get("ver", "k").body, file_sized("one"));
  // A bucket with versions is not empty.
  call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}, {"VersionId", v1}});
  call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}});
  expect_error("DeleteBucket", {{"Bucket", "ver"}}, "BucketNotEmpty");
}

TEST_F(S3VersionTest, SuspendedWritesReplaceTheNullVersion) {
  make_bucket("plain");
  put("plain", "k", file_sized("before"));  // written unversioned: the null version
  versioning("plain", "Enabled");
  std::string v1 = s(put("plain", "k", file_sized("enabled"))["VersionId"]);
  versioning("plain", "Suspended");
  auto p = put("plain", "k", file_sized("suspended"));
  EXPECT_FALSE(p.contains("VersionId"));  // "null"
  auto listing = call("ListObjectVersions", {{"Bucket", "plain"}});
  EXPECT_EQ(listed(listing), (std::vector<std::string>{"k@null", "k@" + v1}));
  EXPECT_EQ(get("plain", "k", {{"VersionId", "null"}}).body, file_sized("suspended"));
  // Another null write replaces it; the Enabled version stays.
  put("plain", "k", file_sized("again"));
  EXPECT_EQ(listed(call("ListObjectVersions", {{"Bucket", "plain"}})),
            (std::vector<std::string>{"k@null", "k@" + v1}));
  // A delete makes a null marker, replacing the null version.
  auto del = call("DeleteObject", {{"Bucket", "plain"}, {"Key", "k"}});
  EXPECT_EQ(s(del["VersionId"]), "null");
  EXPECT_EQ(listed(call("ListObjectVersions", {{"Bucket", "plain"}})),
            (std::vector<std::string>{"k@" + v1, "!k@null"}));
  EXPECT_EQ(get("plain", "k", {{"VersionId", v1}}).body, file_sized("enabled"));
  EXPECT_TRUE(eventually([&] { return body_files() == 1; }));
}

TEST_F(S3VersionTest, ListObjectVersionsPages) {
  std::vector<std::string> expected;
  for (const char* key : {"a", "b/1", "b/2", "c"}) {
    std::vector<std::string> ids;
    for (int i = 0; i < 2; ++i) ids.push_back(s(put("ver", key, "x")["VersionId"]));
    expected.push_back(std::string(key) + "@" + ids[1]);
    expected.push_back(std::string(key) + "@" + ids[0]);
  }
  // Three at a time, with the markers of the page before.
  std::vector<std::string> seen;
  json::object in{{"MaxKeys", 3}};
  for (int pages = 0; pages < 10; ++pages) {
    auto out = versions(in);
    auto got = listed(out);
    seen.insert(seen.end(), got.begin(), got.end());
    if (!out["IsTruncated"].as_bool()) break;
    in["KeyMarker"] = out["NextKeyMarker"];
    in["VersionIdMarker"] = out["NextVersionIdMarker"];
  }
  EXPECT_EQ(seen, expected);
  // Prefix and delimiter: b/ is one common prefix.
  auto out = versions({{"Delimiter", "/"}});
  ASSERT_EQ(out["CommonPrefixes"].as_array().size(), 1u);
  EXPECT_EQ(s(out["CommonPrefixes"].as_array()[0].as_object().at("Prefix")), "b/");
  EXPECT_EQ(listed(out).size(), 4u);
  out = versions({{"Prefix", "b/"}, {"MaxKeys", 1}});
  EXPECT_EQ(listed(out), (std::vector<std::string>{expected[2]}));
  // A key marker alone starts after every version of that key.
  EXPECT_EQ(listed(versions({{"KeyMarker", "b/2"}})),
            (std::vector<std::string>{expected[6], expected[7]}));
  EXPECT_EQ(error_code("ListObjectVersions", {{"Bucket", "ver"}, {"VersionIdMarker", "null"}}),
            "InvalidArgument");
}

TEST_F(S3VersionTest, VersionsSurviveARestartAndIdsStayUnique) {
  std::string v1 = s(put("ver", "k", file_sized("one"))["VersionId"]);
  std::string m = s(call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}})["VersionId"]);
  reopen();  // the simulated clock has not moved
  std::string v2 = s(put("ver", "k", file_sized("two"))["VersionId"]);
  EXPECT_NE(v2, v1);
  EXPECT_NE(v2, m);
  EXPECT_EQ(listed(versions({})), (std::vector<std::string>{"k@" + v2, "k@" + v1, "!k@" + m}));
  EXPECT_EQ(get("ver", "k", {{"VersionId", v1}}).body, file_sized("one"));
  EXPECT_EQ(body_files(), 2u);
}

TEST_F(S3VersionTest, SmallVersionsKeepTheirBodiesInTheirRecords) {
  std::string v1 = s(put("ver", "k", "one")["VersionId"]);
  std::string v2 = s(put("ver", "k", "two")["VersionId"]);
  call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}});
  reopen();
  EXPECT_EQ(get("ver", "k", {{"VersionId", v1}}).body, "one");
  EXPECT_EQ(get("ver", "k", {{"VersionId", v2}}).body, "two");
  call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}, {"VersionId", v2}});
  EXPECT_EQ(get("ver", "k", {{"VersionId", v1}}).body, "one");
  EXPECT_EQ(body_files(), 0u);
}

TEST_F(S3VersionTest, EventsNameMarkersAndVersions) {
  std::vector<ObjectEvent> events;
  std::mutex mu;
  svc->objects().on_event([&](const ObjectEvent& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
  });
  std::string v1 = s(put("ver", "k", "one")["VersionId"]);
  std::string m = s(call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}})["VersionId"]);
  call("DeleteObject", {{"Bucket", "ver"}, {"Key", "k"}, {"VersionId", v1}});
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return events.size() >= 3;
  }));
  EXPECT_EQ(events[0].name, "ObjectCreated:Put");
  EXPECT_EQ(events[0].version_id, v1);
  EXPECT_EQ(events[1].name, "ObjectRemoved:DeleteMarkerCreated");
  EXPECT_EQ(events[1].version_id, m);
  EXPECT_EQ(events[2].name, "ObjectRemoved:Delete");
  EXPECT_EQ(events[2].version_id, v1);
}

TEST_F(S3VersionTest, CopiesTagsAndBatchDeletesByVersion) {
  std::string v1 = s(put("ver", "src", "one")["VersionId"]);
  put("ver", "src", "two");
  auto copy = call("CopyObject",
                   {{"Bucket", "ver"}, {"Key", "dst"}, {"CopySource", "ver/src?versionId=" + v1}});
  EXPECT_EQ(s(copy["CopySourceVersionId"]), v1);
  EXPECT_EQ(get("ver", "dst").body, "one");
  // Tags of an old version stay with it.
  call("PutObjectTagging",
       {{"Bucket", "ver"},
        {"Key", "src"},
        {"VersionId", v1},
        {"Tagging",
         json::object{{"TagSet", json::array{json::object{{"Key", "a"}, {"Value", "1"}}}}}}});
  EXPECT_EQ(
      call("GetObjectTagging", {{"Bucket", "ver"}, {"Key", "src"}, {"VersionId", v1}})["TagSet"]
          .as_array()
          .size(),
      1u);
  EXPECT_TRUE(
      call("GetObjectTagging", {{"Bucket", "ver"}, {"Key", "src"}})["TagSet"].as_array().empty());
  std::string m = s(call("DeleteObject", {{"Bucket", "ver"}, {"Key", "src"}})["VersionId"]);
  EXPECT_EQ(
      error_code("CopyObject",
                 {{"Bucket", "ver"}, {"Key", "d2"}, {"CopySource", "ver/src?versionId=" + m}}),
      "InvalidRequest");
  EXPECT_EQ(error_code("CopyObject", {{"Bucket", "ver"}, {"Key", "d2"}, {"CopySource", "ver/src"}}),
            "NoSuchKey");
  auto out =
      call("DeleteObjects",
           {{"Bucket", "ver"},
            {"Delete", json::object{{"Objects", json::array{
                                                    json::object{{"Key", "dst"}},
                                                    json::object{{"Key", "src"}, {"VersionId", v1}},
                                                }}}}});
  const auto& deleted = out["Deleted"].as_array();
  ASSERT_EQ(deleted.size(), 2u);
  EXPECT_TRUE(deleted[0].as_object().at("DeleteMarker").as_bool());
  EXPECT_FALSE(s(deleted[0].as_object().at("DeleteMarkerVersionId")).empty());
  EXPECT_EQ(s(deleted[1].as_object().at("VersionId")), v1);
  EXPECT_EQ(error_code("GetObject", {{"Bucket", "ver"}, {"Key", "src"}, {"VersionId", v1}}),
            "NoSuchVersion");
}

}  // namespace
}  // namespace nimbus::services::s3
