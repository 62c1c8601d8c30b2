#include "services/s3/config/website.h"

#include <gtest/gtest.h>

#include <set>

#include "services/s3/config/test_support.h"

namespace nimbus::s3config {
namespace {

using testing::code;
using testing::doc;
using testing::message;
using Kind = WebsiteAnswer::Kind;

const std::set<std::string> kObjects = {"index.html", "docs/index.html", "404.html", "a.txt"};
bool exists(const std::string& key) {
  return kObjects.contains(key);
}

TEST(Website, Validation) {
  EXPECT_TRUE(validate_website(
      doc(R"({"IndexDocument":{"Suffix":"index.html"},"ErrorDocument":{"Key":"404.html"}})")));
  EXPECT_TRUE(validate_website(
      doc(R"({"RedirectAllRequestsTo":{"HostName":"example.com","Protocol":"https"}})")));
  EXPECT_EQ(message(validate_website(doc(R"({"ErrorDocument":{"Key":"e.html"}})"))),
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty");
  EXPECT_EQ(message(validate_website(doc(R"({"IndexDocument":{"Suffix":"a/index.html"}})"))),
            "The IndexDocument Suffix is not well formed");
  EXPECT_EQ(
      code(validate_website(doc(
          R"({"RedirectAllRequestsTo":{"HostName":"e.com"},"IndexDocument":{"Suffix":"i.html"}})"))),
      "InvalidArgument");
  EXPECT_EQ(code(validate_website(doc(R"({"IndexDocument":{"Suffix":"i.html"},
      "RoutingRules":[{"Redirect":{"ReplaceKeyWith":"a","ReplaceKeyPrefixWith":"b"}}]})"))),
            "InvalidRequest");
  EXPECT_EQ(message(validate_website(doc(R"({"IndexDocument":{"Suffix":"i.html"},
      "RoutingRules":[{"Redirect":{"HttpRedirectCode":"200"}}]})"))),
            "The provided HTTP redirect code (200) is not valid. Valid codes are 3XX except 300.");
}

TEST(Website, IndexFoldersErrorsAndRedirects) {
  auto config = doc(R"({"IndexDocument":{"Suffix":"index.html"},"ErrorDocument":{"Key":"404.html"},
    "RoutingRules":[
      {"Condition":{"KeyPrefixEquals":"old/"},"Redirect":{"ReplaceKeyPrefixWith":"new/","HttpRedirectCode":"302"}},
      {"Condition":{"HttpErrorCodeReturnedEquals":"404","KeyPrefixEquals":"img/"},
       "Redirect":{"HostName":"cdn.example.com","Protocol":"https","ReplaceKeyWith":"missing.png"}}]})");
  auto a = resolve_website(config, "/", "b.s3-website.localhost", exists);
  EXPECT_EQ(a.kind, Kind::kObject);
  EXPECT_EQ(a.key, "index.html");
  EXPECT_EQ(a.status, 200);
  a = resolve_website(config, "/docs/", "h", exists);
  EXPECT_EQ(a.key, "docs/index.html");
  a = resolve_website(config, "/docs", "h", exists);
  EXPECT_EQ(a.kind, Kind::kRedirect);
  EXPECT_EQ(a.status, 302);
  EXPECT_EQ(a.location, "/docs/");
  a = resolve_website(config, "/a%2Etxt", "h", exists);
  EXPECT_EQ(a.key, "a.txt");
  a = resolve_website(config, "/nothing", "h", exists);
  EXPECT_EQ(a.kind, Kind::kObject);
  EXPECT_EQ(a.key, "404.html");
  EXPECT_EQ(a.status, 404);
  a = resolve_website(config, "/old/page.html", "site.example", exists);
  EXPECT_EQ(a.kind, Kind::kRedirect);
  EXPECT_EQ(a.status, 302);
  EXPECT_EQ(a.location, "http://site.example/new/page.html");
  a = resolve_website(config, "/img/x.png", "h", exists);
  EXPECT_EQ(a.status, 301);
  EXPECT_EQ(a.location, "https://cdn.example.com/missing.png");
  a = resolve_website(config, "/a.txt", "h", exists);  // exists: no error rule
  EXPECT_EQ(a.kind, Kind::kObject);

  auto bare = doc(R"({"IndexDocument":{"Suffix":"index.html"}})");
  a = resolve_website(bare, "/nothing", "h", exists);
  EXPECT_EQ(a.kind, Kind::kError);
  EXPECT_EQ(a.status, 404);
}

TEST(Website, RedirectAll) {
  auto config =
      doc(R"({"RedirectAllRequestsTo":{"HostName":"www.example.com","Protocol":"https"}})");
  auto a = resolve_website(config, "/a/b?c", "h", exists);
  EXPECT_EQ(a.status, 301);
  EXPECT_EQ(a.location, "https://www.example.com/a/b?c");
  EXPECT_NE(website_error_page(404, "NoSuchKey", "The specified key does not exist.", "R")
                .find("<li>Code: NoSuchKey</li>"),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::s3config
