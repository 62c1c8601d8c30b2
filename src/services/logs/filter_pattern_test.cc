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

TEST(FilterPattern, Unsupported) {
  EXPECT_FALSE(FilterPattern::parse("{ $.level = \"error\" }"));
  EXPECT_FALSE(FilterPattern::parse("[ip, user]"));
  EXPECT_FALSE(FilterPattern::parse("\"unterminated"));
  EXPECT_FALSE(FilterPattern::parse("a\"b"));
  EXPECT_FALSE(FilterPattern::parse("- x"));
}

}  // namespace
}  // namespace nimbus::services::logs
