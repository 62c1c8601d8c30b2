// Website endpoints through the service: index and error documents,
// redirects, S3's HTML error pages, 405, object headers, HEAD, ranges and
// If-None-Match, and anonymous access under `--iam enforce`.
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;

class WebsiteTest : public testing::S3Test {
 protected:
  struct Got {
    int status = 0;
    std::string body;
    http::Response resp;
  };

  Got site(const std::string& bucket, const std::string& path, std::string method = "GET",
           http::Headers headers = {}) {
    UserRequest r;
    r.api = UserApi::kS3Website;
    r.id = bucket;
    r.region = "us-east-1";
    r.path = path;
    r.request.method = std::move(method);
    r.request.target = path;
    r.request.headers = std::move(headers);
    r.request.headers.emplace_back("host", bucket + ".s3-website.localhost:4566");
    Got g;
    g.resp = user_call(std::move(r));
    g.status = g.resp.status;
    g.body = g.resp.body;
    if (g.resp.stream) {
      std::promise<Result<std::string>> p;
      http::read_all(g.resp.stream, 1 << 20,
                     [&p](Result<std::string> r) { p.set_value(std::move(r)); });
      auto r = p.get_future().get();
      EXPECT_TRUE(r);
      if (r) g.body = *r;
    }
    return g;
  }

  void website(const std::string& bucket, std::string_view config) {
    call("PutBucketWebsite",
         {{"Bucket", bucket}, {"WebsiteConfiguration", json::parse(config).as_object()}});
  }

  void html(const std::string& bucket, const std::string& key, const std::string& body) {
    put(bucket, key, body, {{"ContentType", "text/html"}});
  }
};

TEST_F(WebsiteTest, IndexAndErrorDocumentsAndFolders) {
  make_bucket("site");
  website("site",
          R"({"IndexDocument":{"Suffix":"index.html"},"ErrorDocument":{"Key":"404.html"}})");
  html("site", "index.html", "<h1>home</h1>");
  html("site", "docs/index.html", "<h1>docs</h1>");
  html("site", "404.html", "<h1>missing</h1>");
  put("site", "app.js", "console.log(1)",
      {{"ContentType", "text/javascript"},
       {"CacheControl", "max-age=60"},
       {"Metadata", json::object{{"build", "7"}}}});

  auto g = site("site", "/");
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, "<h1>home</h1>");
  EXPECT_EQ(g.resp.header("Content-Type"), "text/html");
  EXPECT_EQ(site("site", "/docs/").body, "<h1>docs</h1>");
  g = site("site", "/docs");
  EXPECT_EQ(g.status, 302);
  EXPECT_EQ(g.resp.header("Location"), "/docs/");

  g = site("site", "/app.js");
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, "console.log(1)");
  EXPECT_EQ(g.resp.header("Content-Type"), "text/javascript");
  EXPECT_EQ(g.resp.header("Cache-Control"), "max-age=60");
  EXPECT_EQ(g.resp.header("x-amz-meta-build"), "7");
  EXPECT_FALSE(g.resp.header("ETag").empty());
  EXPECT_FALSE(g.resp.header("Last-Modified").empty());

  g = site("site", "/nothing/here");
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(g.body, "<h1>missing</h1>");
}

TEST_F(WebsiteTest, HeadRangesAndConditionalGets) {
  make_bucket("site");
  website("site", R"({"IndexDocument":{"Suffix":"index.html"}})");
  html("site", "index.html", "0123456789");
  auto g = site("site", "/index.html", "HEAD");
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.resp.header("Content-Length"), "10");
  EXPECT_TRUE(g.body.empty());
  g = site("site", "/", "GET", {{"range", "bytes=2-4"}});
  EXPECT_EQ(g.status, 206);
  EXPECT_EQ(g.body, "234");
  EXPECT_EQ(g.resp.header("Content-Range"), "bytes 2-4/10");
  std::string etag(site("site", "/").resp.header("ETag"));
  EXPECT_EQ(site("site", "/", "GET", {{"if-none-match", etag}}).status, 304);
  EXPECT_EQ(site("site", "/", "GET", {{"if-none-match", "\"other\""}}).status, 200);
}

TEST_F(WebsiteTest, ErrorPagesAreS3sAndEscaped) {
  auto g = site("nobucket", "/");
  EXPECT_EQ(g.status, 404);
  EXPECT_NE(g.body.find("<li>Code: NoSuchBucket</li>"), std::string::npos) << g.body;
  EXPECT_NE(g.body.find("<li>BucketName: nobucket</li>"), std::string::npos);
  EXPECT_EQ(g.resp.header("Content-Type"), "text/html; charset=utf-8");

  make_bucket("plain");
  g = site("plain", "/");
  EXPECT_EQ(g.status, 404);
  EXPECT_NE(g.body.find("NoSuchWebsiteConfiguration"), std::string::npos);

  website("plain", R"({"IndexDocument":{"Suffix":"index.html"}})");
  g = site("plain", "/%3Cscript%3E");
  EXPECT_EQ(g.status, 404);
  EXPECT_NE(g.body.find("<li>Code: NoSuchKey</li>"), std::string::npos);
  EXPECT_NE(g.body.find("<li>Key: &lt;script&gt;</li>"), std::string::npos) << g.body;
  EXPECT_EQ(g.body.find("<script>"), std::string::npos);
  g = site("plain", "/");
  EXPECT_NE(g.body.find("<li>Key: index.html</li>"), std::string::npos) << g.body;

  for (const char* m : {"POST", "PUT", "DELETE"}) {
    g = site("plain", "/", m);
    EXPECT_EQ(g.status, 405) << m;
    EXPECT_NE(g.body.find("MethodNotAllowed"), std::string::npos);
  }
  // Nothing was written by the refused methods.
  EXPECT_EQ(call("ListObjectsV2", {{"Bucket", "plain"}})["KeyCount"], 0);
}

TEST_F(WebsiteTest, CorsPreflightsAndHeadersFromTheBucketsRules) {
  make_bucket("fonts");
  website("fonts", R"({"IndexDocument":{"Suffix":"index.html"}})");
  put("fonts", "a.woff", "font", {{"ContentType", "font/woff"}});
  call("PutBucketCors", {{"Bucket", "fonts"},
                         {"CORSConfiguration",
                          json::parse(R"({"CORSRules":[{"AllowedOrigins":["https://app.example"],
            "AllowedMethods":["GET","HEAD"],"AllowedHeaders":["range"],"ExposeHeaders":["ETag"],
            "MaxAgeSeconds":600}]})")
                              .as_object()}});
  const std::string origin = "https://app.example";

  auto g = site("fonts", "/a.woff", "OPTIONS",
                {{"origin", origin},
                 {"access-control-request-method", "GET"},
                 {"access-control-request-headers", "Range"}});
  EXPECT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(g.resp.header("Access-Control-Allow-Origin"), origin);
  EXPECT_EQ(g.resp.header("Access-Control-Allow-Methods"), "GET, HEAD");
  EXPECT_EQ(g.resp.header("Access-Control-Allow-Headers"), "range");
  EXPECT_EQ(g.resp.header("Access-Control-Max-Age"), "600");

  // Refused preflights are S3's errors as the website's HTML pages.
  g = site("fonts", "/a.woff", "OPTIONS",
           {{"origin", origin}, {"access-control-request-method", "PUT"}});
  EXPECT_EQ(g.status, 403);
  EXPECT_EQ(g.resp.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(g.body.find("<li>Code: AccessForbidden</li>"), std::string::npos) << g.body;
  EXPECT_NE(g.body.find("<li>ResourceType: OBJECT</li>"), std::string::npos);
  EXPECT_TRUE(g.resp.header("Access-Control-Allow-Origin").empty());
  g = site("fonts", "/", "OPTIONS", {{"access-control-request-method", "GET"}});
  EXPECT_EQ(g.status, 400);
  EXPECT_NE(g.body.find("<li>Code: BadRequest</li>"), std::string::npos);

  // Actual requests: the rule's headers on objects and errors alike.
  g = site("fonts", "/a.woff", "GET", {{"origin", origin}});
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, "font");
  EXPECT_EQ(g.resp.header("Access-Control-Allow-Origin"), origin);
  EXPECT_EQ(g.resp.header("Access-Control-Expose-Headers"), "ETag");
  EXPECT_EQ(site("fonts", "/a.woff", "HEAD", {{"origin", origin}})
                .resp.header("Access-Control-Allow-Origin"),
            origin);
  g = site("fonts", "/missing.woff", "GET", {{"origin", origin}});
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(g.resp.header("Access-Control-Allow-Origin"), origin);
  EXPECT_TRUE(site("fonts", "/a.woff", "GET", {{"origin", "https://other.example"}})
                  .resp.header("Access-Control-Allow-Origin")
                  .empty());
  EXPECT_TRUE(site("fonts", "/a.woff").resp.header("Access-Control-Allow-Origin").empty());

  // A website without a CORS configuration refuses every preflight.
  make_bucket("plain");
  website("plain", R"({"IndexDocument":{"Suffix":"index.html"}})");
  g = site("plain", "/", "OPTIONS", {{"origin", origin}, {"access-control-request-method", "GET"}});
  EXPECT_EQ(g.status, 403);
  EXPECT_NE(g.body.find("CORS is not enabled for this bucket."), std::string::npos);
  EXPECT_NE(g.body.find("<li>ResourceType: BUCKET</li>"), std::string::npos);
  EXPECT_EQ(site("nobucket", "/", "OPTIONS",
                 {{"origin", origin}, {"access-control-request-method", "GET"}})
                .status,
            404);
}

TEST_F(WebsiteTest, RedirectsAndRoutingRules) {
  make_bucket("site");
  website("site", R"({"IndexDocument":{"Suffix":"index.html"},
    "RoutingRules":[
      {"Condition":{"KeyPrefixEquals":"old/"},"Redirect":{"ReplaceKeyPrefixWith":"new/"}},
      {"Condition":{"HttpErrorCodeReturnedEquals":"404"},
       "Redirect":{"HostName":"fallback.example","HttpRedirectCode":"307"}}]})");
  html("site", "moved.html", "x");
  put("site", "moved.html", "x", {{"WebsiteRedirectLocation", "/target.html"}});
  auto g = site("site", "/old/a.html");
  EXPECT_EQ(g.status, 301);
  EXPECT_EQ(g.resp.header("Location"), "http://site.s3-website.localhost:4566/new/a.html");
  g = site("site", "/gone");
  EXPECT_EQ(g.status, 307);
  EXPECT_EQ(g.resp.header("Location"), "http://fallback.example/gone");
  g = site("site", "/moved.html");
  EXPECT_EQ(g.status, 301);
  EXPECT_EQ(g.resp.header("Location"), "/target.html");

  make_bucket("all");
  website("all", R"({"RedirectAllRequestsTo":{"HostName":"example.com","Protocol":"https"}})");
  g = site("all", "/x/y");
  EXPECT_EQ(g.status, 301);
  EXPECT_EQ(g.resp.header("Location"), "https://example.com/x/y");
}

class EnforcedWebsiteTest : public WebsiteTest {
 protected:
  EnforcedWebsiteTest() { settings.service_options["iam.mode"] = "enforce"; }
  void policy(const std::string& bucket, const std::string& statements) {
    call("PutBucketPolicy",
         {{"Bucket", bucket},
          {"Policy", R"({"Version":"2012-10-17","Statement":[)" + statements + "]}"}});
  }
};

TEST_F(EnforcedWebsiteTest, AnonymousReadsNeedTheBucketPolicy) {
  make_bucket("site");
  website("site",
          R"({"IndexDocument":{"Suffix":"index.html"},"ErrorDocument":{"Key":"err.html"}})");
  html("site", "index.html", "home");
  auto g = site("site", "/");
  EXPECT_EQ(g.status, 403);
  EXPECT_NE(g.body.find("<li>Code: AccessDenied</li>"), std::string::npos);

  policy(
      "site",
      R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"})");
  EXPECT_EQ(site("site", "/").body, "home");
  // Without s3:ListBucket a missing key is 403, not 404.
  EXPECT_EQ(site("site", "/missing").status, 403);
  html("site", "err.html", "sorry");
  g = site("site", "/missing");
  EXPECT_EQ(g.status, 403);
  EXPECT_EQ(g.body, "sorry");

  policy(
      "site",
      R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},
            {"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::site"},
            {"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/private/*"})");
  g = site("site", "/missing");
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(g.body, "sorry");
  html("site", "private/x.html", "secret");
  g = site("site", "/private/x.html");
  EXPECT_EQ(g.status, 403);
  EXPECT_EQ(g.body, "sorry");
}

}  // namespace
}  // namespace nimbus::services::s3
