#include "services/stepfunctions/asl/json_path.h"

#include <gtest/gtest.h>

namespace nimbus::sfn::asl {
namespace {

namespace json = boost::json;

json::value doc() {
  return json::parse(R"({"a":{"b":[1,2,3],"c":"x"},"items":[{"p":5,"n":"u"},{"p":15,"n":"v"}],
                         "weird key":{"k":true}})");
}

json::value at(std::string_view path, const json::value& d = doc()) {
  auto p = Path::parse(path);
  EXPECT_TRUE(p.is_ok()) << path;
  auto v = p->find(d);
  return v ? *v : json::value("<missing>");
}

TEST(JsonPath, DefinitePathsNameOneNode) {
  EXPECT_EQ(at("$"), doc());
  EXPECT_EQ(at("$.a.c"), json::value("x"));
  EXPECT_EQ(at("$.a.b[1]"), json::value(2));
  EXPECT_EQ(at("$.a.b[-1]"), json::value(3));
  EXPECT_EQ(at("$['weird key'].k"), json::value(true));
  EXPECT_EQ(at("$.a.missing"), json::value("<missing>"));
  EXPECT_EQ(at("$.a.b[7]"), json::value("<missing>"));
}

TEST(JsonPath, IndefinitePathsYieldArrays) {
  EXPECT_EQ(at("$.items[*].p"), json::parse("[5,15]"));
  EXPECT_EQ(at("$..n"), json::parse(R"(["u","v"])"));
  EXPECT_EQ(at("$.a.b[0:2]"), json::parse("[1,2]"));
  EXPECT_EQ(at("$.a.b[0,2]"), json::parse("[1,3]"));
  EXPECT_EQ(at("$.items[?(@.p > 10)].n"), json::parse(R"(["v"])"));
  EXPECT_EQ(at("$.items[?(@.n == 'u' || @.p >= 15)].p"), json::parse("[5,15]"));
  EXPECT_EQ(at("$.nothing[*]"), json::parse("[]"));
}

TEST(JsonPath, ReferencePathsAndContext) {
  EXPECT_TRUE(Path::parse("$.a.b[0]")->reference());
  EXPECT_FALSE(Path::parse("$.a[*]")->reference());
  EXPECT_TRUE(Path::parse("$$.Execution.Id")->context());
  EXPECT_FALSE(Path::parse("a.b").is_ok());
  EXPECT_FALSE(Path::parse("$.a[").is_ok());
  EXPECT_FALSE(Path::parse("$.a[?(@.x > )]").is_ok());
}

TEST(JsonPath, AssignCreatesObjectsAndRefusesScalars) {
  json::value d = json::parse(R"({"a":{"x":1}})");
  ASSERT_TRUE(Path::parse("$.a.y.z")->assign(d, json::value(2)).is_ok());
  EXPECT_EQ(d, json::parse(R"({"a":{"x":1,"y":{"z":2}}})"));
  EXPECT_FALSE(Path::parse("$.a.x.q")->assign(d, json::value(3)).is_ok());
  json::value root = json::parse("[1]");
  ASSERT_TRUE(Path::parse("$[0]")->assign(root, json::value("r")).is_ok());
  EXPECT_EQ(root, json::parse(R"(["r"])"));
}

}  // namespace
}  // namespace nimbus::sfn::asl
