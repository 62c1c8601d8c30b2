// The prefix expression parser and evaluator.
#include "services/firehose/prefix.h"

#include <gtest/gtest.h>

namespace nimbus::services::firehose {
namespace {

// 2026-03-07T09:05:04.123Z, a Saturday.
constexpr int64_t kAt = 1772874304123;

std::string eval(const std::string& text, bool error_output = false) {
  auto p = Prefix::parse(text, error_output);
  EXPECT_TRUE(p) << text << ": " << (p ? "" : p.error().message);
  if (!p) return "";
  return p->evaluate(
      kAt, [] { return std::string("RANDOMxxxxx"); }, "processing-failed");
}

std::string reason(const std::string& text, bool error_output = false) {
  auto p = Prefix::parse(text, error_output);
  return p ? "(ok)" : p.error().message;
}

TEST(FirehosePrefix, EvaluatesTimestampsAndFirehoseValues) {
  EXPECT_EQ(eval("plain/"), "plain/");
  EXPECT_EQ(eval("!{timestamp:yyyy/MM/dd/HH}/"), "2026/03/07/09/");
  EXPECT_EQ(eval("dt=!{timestamp:yyyy'-'MM'-'dd}/h=!{timestamp:HH}/"), "dt=2026-03-07/h=09/");
  EXPECT_EQ(eval("!{timestamp:yy M d H m s SSS}"), "26 3 7 9 5 4 123");
  EXPECT_EQ(eval("!{timestamp:EEE EEEE MMM MMMM D DDD h a}"), "Sat Saturday Mar March 66 066 9 AM");
  EXPECT_EQ(eval("!{timestamp:'it''s' ''}"), "it's '");
  EXPECT_EQ(eval("r/!{firehose:random-string}/"), "r/RANDOMxxxxx/");
  EXPECT_EQ(eval("e/!{firehose:error-output-type}/", true), "e/processing-failed/");
  EXPECT_EQ(default_layout(kAt), "2026/03/07/09/");
  EXPECT_EQ(suffix_time(kAt), "2026-03-07-09-05-04");
  EXPECT_FALSE(Prefix::parse("plain/", false)->has_expressions());
  EXPECT_TRUE(Prefix::parse("!{timestamp:yyyy}", false)->uses_timestamp());
}

TEST(FirehosePrefix, RefusesWhatFirehoseRefuses) {
  EXPECT_NE(reason("!{timestamp:yyyy"), "(ok)");
  EXPECT_NE(reason("!{timestamp}"), "(ok)");
  EXPECT_NE(reason("!{timestamp:}"), "(ok)");
  EXPECT_NE(reason("!{nope:x}"), "(ok)");
  EXPECT_NE(reason("!{firehose:nope}"), "(ok)");
  EXPECT_NE(reason("!{firehose:error-output-type}"), "(ok)");
  EXPECT_NE(reason("!{timestamp:ddd}"), "(ok)");
  EXPECT_NE(reason("!{timestamp:qq}"), "(ok)");
  EXPECT_NE(reason("!{timestamp:'open}"), "(ok)");
  EXPECT_NE(reason("!{timestamp:[yyyy]}"), "(ok)");
  EXPECT_NE(reason("!{partitionKeyFromQuery:id}"), "(ok)");
  EXPECT_EQ(reason("!{timestamp:qq}"),
            "Prefix expression is invalid: the timestamp pattern letter 'q' is not supported.");
}

}  // namespace
}  // namespace nimbus::services::firehose
