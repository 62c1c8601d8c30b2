// Input paths and input transformer templates, as EventBridge documents them.
#include "services/events/transform.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace nimbus::services::eventbridge {
namespace {

namespace json = boost::json;

const json::value kEvent = json::parse(R"({
  "id": "e1", "source": "my.app", "detail-type": "Order",
  "detail": {"instance": "i-123", "state": "RUNNING", "n": 5, "tags": ["a", "b"],
             "quote": "say \"hi\"", "obj": {"k": "v"}}})");

std::string apply(std::map<std::string, std::string> paths, std::string tmpl) {
  Transformer t{std::move(paths), std::move(tmpl)};
  EXPECT_TRUE(t.check().is_ok()) << t.input_template;
  return t.apply(kEvent, "arn:aws:events:us-east-1:000000000000:rule/r", "r",
                 "2026-12-04T00:00:00Z");
}

TEST(TransformTest, Paths) {
  EXPECT_EQ(json::serialize(**select_path(kEvent, "$.detail.state")), "\"RUNNING\"");
  EXPECT_EQ(json::serialize(**select_path(kEvent, "$.detail.tags[1]")), "\"b\"");
  EXPECT_EQ(json::serialize(**select_path(kEvent, "$['detail']['n']")), "5");
  EXPECT_EQ(*select_path(kEvent, "$.detail.missing"), nullptr);
  EXPECT_EQ(*select_path(kEvent, "$.detail.tags[9]"), nullptr);
  for (const char* bad : {"", "detail", "$.", "$..a", "$[x]", "$[-1]", "$.a[", "$a"}) {
    EXPECT_FALSE(check_path(bad).is_ok()) << bad;
  }
}

TEST(TransformTest, JsonTemplatesQuoteStringsOnlyOutsideStrings) {
  EXPECT_EQ(apply({{"i", "$.detail.instance"}, {"s", "$.detail.state"}},
                  R"({"instance": <i>, "state": "<s>"})"),
            R"({"instance": "i-123", "state": "RUNNING"})");
  EXPECT_EQ(apply({{"n", "$.detail.n"}, {"o", "$.detail.obj"}}, R"({"n": <n>, "o": <o>})"),
            R"({"n": 5, "o": {"k":"v"}})");
  EXPECT_EQ(apply({{"q", "$.detail.quote"}}, R"({"q": "<q>"})"), R"({"q": "say \"hi\""})");
  EXPECT_EQ(apply({{"m", "$.detail.missing"}}, R"({"m": <m>, "s": "x<m>y"})"),
            R"({"m": null, "s": "xy"})");
}

TEST(TransformTest, StringTemplatesAndPredefinedVariables) {
  EXPECT_EQ(
      apply({{"i", "$.detail.instance"}, {"s", "$.detail.state"}}, R"("<i> is in state <s>")"),
      R"("i-123 is in state RUNNING")");
  EXPECT_EQ(
      apply({}, R"({"rule": "<aws.events.rule-name>", "at": "<aws.events.event.ingestion-time>"})"),
      R"({"rule": "r", "at": "2026-12-04T00:00:00Z"})");
  EXPECT_EQ(apply({}, R"({"e": <aws.events.event.json>})").substr(0, 13), R"({"e": {"id":")");
  // Unknown placeholders and escaped quotes stay as written.
  EXPECT_EQ(apply({}, R"("a <unknown> \"<b>\"")"), R"("a <unknown> \"<b>\"")");
}

TEST(TransformTest, InvalidTransformers) {
  EXPECT_FALSE((Transformer{{{"aws.x", "$.a"}}, "x"}.check().is_ok()));
  EXPECT_FALSE((Transformer{{{"a b", "$.a"}}, "x"}.check().is_ok()));
  EXPECT_FALSE((Transformer{{{"a", "detail"}}, "x"}.check().is_ok()));
  EXPECT_FALSE((Transformer{{}, ""}.check().is_ok()));
  EXPECT_FALSE((Transformer{{}, std::string(8193, 'x')}.check().is_ok()));
}

}  // namespace
}  // namespace nimbus::services::eventbridge
