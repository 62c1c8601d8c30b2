// Browser POST uploads through the service: the form's fields, its policy
// and conditions, ${filename}, the answers S3 gives, content-length-range
// on the streamed size, and what a refused form leaves (nothing).
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "services/s3/blob_sink.h"
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kBoundary = "----nimbusform";

std::string form(const Fields& fields, const std::string& file = "hello",
                 const std::string& filename = "hello.txt", const Fields& after = {}) {
  std::string out;
  auto part = [&](const std::string& name, const std::string& value) {
    out += "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" + name +
           "\"\r\n\r\n" + value + "\r\n";
  };
  for (const auto& [n, v] : fields) part(n, v);
  out += "--" + std::string(kBoundary) +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
         "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + file + "\r\n";
  for (const auto& [n, v] : after) part(n, v);
  out += "--" + std::string(kBoundary) + "--\r\n";
  return out;
}

// A policy expiring an hour after the simulated clock's start.
std::string policy(const std::string& conditions) {
  return base64_encode(R"({"expiration": "2023-11-14T23:13:20Z", "conditions": [)" + conditions +
                       "]}");
}

class S3PostTest : public testing::S3Test {
 protected:
  void SetUp() override {
    S3Test::SetUp();
    make_bucket("forms");
  }
  Output post(const std::string& body, std::string content_type = {}) {
    if (content_type.empty()) {
      content_type = "multipart/form-data; boundary=" + std::string(kBoundary);
    }
    return try_call("PostObject",
                    {{"Bucket", "forms"}, {"ContentType", content_type}, {"Body", body}});
  }
  bool exists(const std::string& key) { return bool(get("forms", key).out); }
};

TEST_F(S3PostTest, StoresTheFileWithTheFieldsHeadersAndMetadata) {
  auto out = post(form({{"key", "up/${filename}"},
                        {"Content-Type", "text/plain"},
                        {"Cache-Control", "max-age=5"},
                        {"x-amz-meta-Owner", "alice"},
                        {"Expires", "Thu, 01 Dec 2033 16:00:00 GMT"},
                        {"acl", "private"}},
                       "file body", "notes.txt"));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(json::value_to<int64_t>(out->at("Status")), 204);
  EXPECT_EQ(out->at("ETag").as_string(), "\"" + hex(md5_of("file body")) + "\"");
  auto g = get("forms", "up/notes.txt");
  ASSERT_TRUE(g.out);
  EXPECT_EQ(g.body, "file body");
  EXPECT_EQ(g.out->at("ContentType").as_string(), "text/plain");
  EXPECT_EQ(g.out->at("CacheControl").as_string(), "max-age=5");
  EXPECT_EQ(g.out->at("Metadata").at("owner").as_string(), "alice");
  EXPECT_EQ(json::value_to<int64_t>(g.out->at("Expires")), 2017065600);
}

TEST_F(S3PostTest, AnswersAsSuccessActionFieldsSay) {
  auto out = post(form({{"key", "up/a"}, {"success_action_status", "201"}}));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(json::value_to<int64_t>(out->at("Status")), 201);
  const auto& doc = out->at("PostResponse").as_object();
  EXPECT_EQ(doc.at("Bucket").as_string(), "forms");
  EXPECT_EQ(doc.at("Key").as_string(), "up/a");
  EXPECT_EQ(doc.at("ETag"), out->at("ETag"));
  // Path-style as posted; the key's slash encoded, as S3 answers.
  EXPECT_EQ(doc.at("Location").as_string(), "http://localhost:4566/forms/up%2Fa");
  EXPECT_EQ(out->at("Location"), doc.at("Location"));
  CallContext vhost = ctx("PostObject");
  vhost.endpoint_url = "http://forms.s3.localhost:4566";
  std::string body = form({{"key", "a b/c"}, {"success_action_status", "201"}});
  out = try_call(*svc, vhost,
                 {{"Bucket", "forms"},
                  {"ContentType", "multipart/form-data; boundary=" + std::string(kBoundary)},
                  {"Body", body}});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("Location").as_string(), "http://forms.s3.localhost:4566/a%20b%2Fc");
  // A path-style post to a host that merely begins with the bucket's name.
  CallContext ip = ctx("PostObject");
  ip.endpoint_url = "http://127.0.0.1:4566";
  make_bucket("127");
  out = try_call(*svc, ip,
                 {{"Bucket", "127"},
                  {"ContentType", "multipart/form-data; boundary=" + std::string(kBoundary)},
                  {"Body", form({{"key", "a"}})}});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("Location").as_string(), "http://127.0.0.1:4566/127/a");
  out = post(form({{"key", "b"}, {"success_action_status", "200"}}));
  EXPECT_EQ(json::value_to<int64_t>(out->at("Status")), 200);
  EXPECT_FALSE(out->contains("PostResponse"));
  out = post(form({{"key", "c d"}, {"success_action_redirect", "https://app.example/ok"}}));
  EXPECT_EQ(json::value_to<int64_t>(out->at("Status")), 303);
  EXPECT_EQ(
      out->at("Location").as_string(),
      "https://app.example/ok?bucket=forms&key=c%20d&etag=%22" + hex(md5_of("hello")) + "%22");
  // A redirect that is no URL is ignored.
  out = post(form({{"key", "e"}, {"success_action_redirect", "nowhere"}}));
  EXPECT_EQ(json::value_to<int64_t>(out->at("Status")), 204);
}

TEST_F(S3PostTest, PolicyConditionsDecideAndARefusedFormStoresNothing) {
  std::string p = policy(R"({"bucket": "forms"}, ["starts-with", "$key", "up/"])");
  EXPECT_TRUE(post(form({{"key", "up/x"}, {"policy", p}})));
  auto refused = post(form({{"key", "other/x"}, {"policy", p}}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "AccessDenied");
  EXPECT_EQ(
      refused.error().message,
      R"(Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "up/"])");
  EXPECT_FALSE(exists("other/x"));
  refused = post(form({{"key", "up/y"}, {"policy", p}, {"x-amz-meta-a", "1"}}));
  EXPECT_EQ(refused.error().message,
            "Invalid according to Policy: Extra input fields: x-amz-meta-a");
  EXPECT_FALSE(exists("up/y"));
  clock.set(clock.now() + std::chrono::hours(2));
  refused = post(form({{"key", "up/z"}, {"policy", p}}));
  EXPECT_EQ(refused.error().message, "Invalid according to Policy: Policy expired.");
  EXPECT_FALSE(exists("up/z"));
}

TEST_F(S3PostTest, ContentLengthRangeOnTheStreamedFile) {
  std::string p = policy(R"(["starts-with", "$key", ""], ["content-length-range", 3, 1000])");
  auto small = post(form({{"key", "s"}, {"policy", p}}, "ab"));
  EXPECT_EQ(small.error().code, "EntityTooSmall");
  auto large = post(form({{"key", "s"}, {"policy", p}}, std::string(100000, 'x')));
  EXPECT_EQ(large.error().code, "EntityTooLarge");
  EXPECT_FALSE(exists("s"));
  EXPECT_TRUE(post(form({{"key", "s"}, {"policy", p}}, std::string(1000, 'x'))));
  EXPECT_EQ(get("forms", "s").body.size(), 1000u);
}

TEST_F(S3PostTest, TaggingFieldIsTheTaggingDocument) {
  auto out = post(form({{"key", "tagged"},
                        {"tagging",
                         "<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag>"
                         "<Tag><Key>tier</Key><Value>1</Value></Tag></TagSet></Tagging>"}}));
  ASSERT_TRUE(out) << out.error().message;
  auto tags = call("GetObjectTagging", {{"Bucket", "forms"}, {"Key", "tagged"}});
  EXPECT_EQ(json::serialize(tags.at("TagSet")),
            R"([{"Key":"team","Value":"web"},{"Key":"tier","Value":"1"}])");
  EXPECT_EQ(post(form({{"key", "t2"}, {"tagging", "<Tagging><TagSet>"}})).error().code,
            "MalformedXML");
  EXPECT_FALSE(exists("t2"));
}

TEST_F(S3PostTest, FieldsAfterTheFileAreIgnored) {
  auto out = post(form({{"key", "late"}}, "body", "f.bin", {{"Content-Type", "text/html"}}));
  ASSERT_TRUE(out) << out.error().message;
  auto g = get("forms", "late");
  EXPECT_EQ(g.body, "body");
  EXPECT_EQ(g.out->at("ContentType").as_string(), "binary/octet-stream");
}

TEST_F(S3PostTest, MalformedFormsAreRefused) {
  auto e = post("key=x", "application/x-www-form-urlencoded").error();
  EXPECT_EQ(e.code, "PreconditionFailed");
  EXPECT_EQ(e.http_status, 412);
  std::string no_file = "--" + std::string(kBoundary) +
                        "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--" +
                        std::string(kBoundary) + "--\r\n";
  EXPECT_EQ(post(no_file).error().code, "IncorrectNumberOfFilesInPostRequest");
  EXPECT_EQ(post("garbage").error().code, "MalformedPOSTRequest");
  std::string cut = form({{"key", "cut"}});
  cut.resize(cut.size() - 10);
  EXPECT_EQ(post(cut).error().code, "MalformedPOSTRequest");
  EXPECT_FALSE(exists("cut"));
  auto missing = post(form({{"Content-Type", "text/plain"}})).error();
  EXPECT_EQ(missing.code, "InvalidArgument");
  EXPECT_EQ(missing.message,
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the "
            "order of the fields.");
  auto nb = try_call(
      "PostObject",
      {{"Bucket", "nope"}, {"ContentType", "multipart/form-data; boundary=x"}, {"Body", ""}});
  EXPECT_EQ(nb.error().code, "NoSuchBucket");
}

// The server's PostAuth, as a double: what it answers is what the form gets.
class FakePostAuth final : public PostAuth {
 public:
  Result<PostSigner> authenticate(const std::map<std::string, std::string>& f) const override {
    if (!f.contains("signature")) return Error::make("SignatureDoesNotMatch", "no", 403);
    return PostSigner{"AKIDPOST", "000000000000", "", "", false};
  }
  Status authorize(const PostSigner& s, const CallContext&, std::string_view,
                   std::string_view key) const override {
    if (key.starts_with("secret/")) return Error::make("AccessDenied", "Access Denied", 403);
    return Status::ok();
  }
};

TEST_F(S3PostTest, TheServersAuthDecides) {
  FakePostAuth auth;
  svc->use_post_auth(&auth);
  EXPECT_EQ(post(form({{"key", "k"}})).error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(post(form({{"key", "secret/k"}, {"signature", "s"}})).error().code, "AccessDenied");
  EXPECT_FALSE(exists("secret/k"));
  EXPECT_TRUE(post(form({{"key", "k"}, {"signature", "s"}})));
  svc->use_post_auth(nullptr);
}

}  // namespace
}  // namespace nimbus::services::s3
