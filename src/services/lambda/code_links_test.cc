#include "services/lambda/code_links.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace nimbus::services::lambda {
namespace {

constexpr std::string_view kSha =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// The query string of a link.
std::string query_of(const std::string& link) {
  return link.substr(link.find('?') + 1);
}

TEST(CodeLinks, ALinkIsValidForTenMinutes) {
  SimulatedClock clock;
  CodeLinks links(clock, "key");
  std::string link = links.link("http://127.0.0.1:4566", kSha);
  EXPECT_TRUE(
      link.starts_with("http://127.0.0.1:4566/_aws/lambda-code/" + std::string(kSha) + "?Expires="))
      << link;
  EXPECT_EQ(links.check(kSha, query_of(link)), CodeLinks::Check::kValid);
  clock.advance(std::chrono::seconds(CodeLinks::kValidSeconds));
  EXPECT_EQ(links.check(kSha, query_of(link)), CodeLinks::Check::kValid);
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(links.check(kSha, query_of(link)), CodeLinks::Check::kExpired);
}

TEST(CodeLinks, AnyChangeBreaksTheSignature) {
  SimulatedClock clock;
  CodeLinks links(clock, "key");
  std::string query = query_of(links.link("http://h", kSha));
  std::string other_sha(kSha);
  other_sha[0] = '0';
  EXPECT_EQ(links.check(other_sha, query), CodeLinks::Check::kBadSignature);
  // A later expiry with the same signature.
  std::string later = query;
  later[later.find('=') + 1] += 1;
  EXPECT_EQ(links.check(kSha, later), CodeLinks::Check::kBadSignature);
  // Another process's key.
  EXPECT_EQ(CodeLinks(clock, "other").check(kSha, query), CodeLinks::Check::kBadSignature);
  for (std::string bad : {"", "Expires=", "Expires=x&Signature=00", "Signature=00",
                          "Expires=99999999999999999999999&Signature=00"}) {
    EXPECT_EQ(links.check(kSha, bad), CodeLinks::Check::kBadSignature) << bad;
  }
}

TEST(CodeLinks, RandomKeysDiffer) {
  SimulatedClock clock;
  CodeLinks a(clock), b(clock);
  std::string query = query_of(a.link("http://h", kSha));
  EXPECT_EQ(a.check(kSha, query), CodeLinks::Check::kValid);
  EXPECT_EQ(b.check(kSha, query), CodeLinks::Check::kBadSignature);
}

}  // namespace
}  // namespace nimbus::services::lambda
