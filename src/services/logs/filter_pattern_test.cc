#include "services/logs/filter_pattern.h"

#include <gtest/gtest.h>

namespace nimbus::services::logs {
namespace {

bool match(const char* pattern, const char* message) {
  auto p = FilterPattern::parse(pattern);
  EXPECT_TRUE(p.has_value()) << pattern;
  return p && p->matches(message);
}

TEST(FilterPattern, Terms) {
  EXPECT_TRUE(match("", "anything"));
  EXPECT_TRUE(match("   ", "anything"));
  EXPECT_TRUE(match("ERROR", "an ERROR here"));
  EXPECT_FALSE(match("ERROR", "an error here"));
  EXPECT_TRUE(match("ERROR Exception", "Exception then ERROR"));
  EXPECT_FALSE(match("ERROR Exception", "ERROR only"));
}

TEST(FilterPattern, PhrasesExclusionsAndAlternatives) {
  EXPECT_TRUE(match("\"Task timed out\"", "2023 Task timed out after 3.00 seconds"));
  EXPECT_FALSE(match("\"Task timed out\"", "Task was timed out"));
  EXPECT_TRUE(match("\"say \\\"hi\\\"\"", "they say \"hi\""));
  EXPECT_TRUE(match("ERROR -Retry", "ERROR final"));
  EXPECT_FALSE(match("ERROR -Retry", "ERROR Retry 2"));
  EXPECT_TRUE(match("?ERROR ?WARN", "WARN disk"));
  EXPECT_FALSE(match("?ERROR ?WARN", "INFO disk"));
  EXPECT_TRUE(match("\"\"", "x"));
}

TEST(FilterPattern, Json) {
  const char* msg = R"({"level":"error","latency":120,"ok":false,"path":"/api/users",)"
                    R"("user":{"id":"u1","tags":["a","b"]},"gone":null})";
  EXPECT_TRUE(match("{ $.level = \"error\" }", msg));
  EXPECT_TRUE(match("{$.level=error}", msg));
  EXPECT_FALSE(match("{ $.level = \"warn\" }", msg));
  EXPECT_TRUE(match("{ $.level != \"warn\" }", msg));
  EXPECT_TRUE(match("{ $.latency > 100 && $.path = \"/api/*\" }", msg));
  EXPECT_FALSE(match("{ $.latency >= 121 }", msg));
  EXPECT_TRUE(match("{ $.latency = 120 }", msg));
  EXPECT_TRUE(match("{ ($.latency < 10) || $.user.tags[1] = \"b\" }", msg));
  EXPECT_TRUE(match("{ $.ok IS FALSE && $.gone IS NULL && $.nope NOT EXISTS }", msg));
  EXPECT_FALSE(match("{ $.user.id = \"u2\" }", msg));
  EXPECT_FALSE(match("{ $.level = \"error\" }", "not json at all"));
  EXPECT_FALSE(match("{ $.missing = 1 }", msg));
}

TEST(FilterPattern, Unsupported) {
  EXPECT_FALSE(FilterPattern::parse("{ $.level = }"));
  EXPECT_FALSE(FilterPattern::parse("{ $.level > \"x\" }"));
  EXPECT_FALSE(FilterPattern::parse("{ $.a = 1 "));
  EXPECT_FALSE(FilterPattern::parse("{ level = 1 }"));
  EXPECT_FALSE(FilterPattern::parse("[ip, user]"));
  EXPECT_FALSE(FilterPattern::parse("\"unterminated"));
  EXPECT_FALSE(FilterPattern::parse("a\"b"));
  EXPECT_FALSE(FilterPattern::parse("- x"));
}

}  // namespace
}  // namespace nimbus::services::logs
