#include "services/apigateway/routes.h"

#include <gtest/gtest.h>

namespace nimbus::services::apigateway {
namespace {

std::string pick(const RouteTable& t, std::string_view method, std::string_view path) {
  auto m = t.find(method, path);
  return m ? m->key : "(none)";
}

TEST(PathTemplate, ParsesWhatAwsAccepts) {
  EXPECT_TRUE(parse_path_template("/"));
  EXPECT_EQ(parse_path_template("/a/{b}/{c+}")->size(), 3u);
  EXPECT_FALSE(parse_path_template("a"));
  EXPECT_FALSE(parse_path_template("/a//b"));
  EXPECT_FALSE(parse_path_template("/a/{b"));
  EXPECT_FALSE(parse_path_template("/a/x{b}"));
  EXPECT_FALSE(parse_path_template("/{p+}/b"));
  EXPECT_FALSE(parse_path_template("/{a}/{a}"));
  EXPECT_FALSE(parse_path_template("/{}"));
}

TEST(RouteKey, ParsesMethodsAndDefault) {
  EXPECT_TRUE(parse_route_key("$default")->is_default);
  EXPECT_EQ(parse_route_key("ANY /pets")->method, "ANY");
  EXPECT_FALSE(parse_route_key("FETCH /pets"));
  EXPECT_FALSE(parse_route_key("GET pets"));
  EXPECT_FALSE(parse_route_key("GET"));
}

TEST(RouteTable, MostSpecificWins) {
  RouteTable t;
  t.add("GET /pets/{id}", "1");
  t.add("GET /pets/dog", "2");
  t.add("ANY /pets/{proxy+}", "3");
  t.add("ANY /{proxy+}", "4");
  t.add("ANY /pets/dog", "5");
  t.add("$default", "6");
  EXPECT_EQ(pick(t, "GET", "/pets/dog"), "GET /pets/dog");        // literal and method
  EXPECT_EQ(pick(t, "POST", "/pets/dog"), "ANY /pets/dog");       // literal over greedy
  EXPECT_EQ(pick(t, "GET", "/pets/cat"), "GET /pets/{id}");       // variable over greedy
  EXPECT_EQ(pick(t, "POST", "/pets/cat"), "ANY /pets/{proxy+}");  // longer greedy prefix
  EXPECT_EQ(pick(t, "GET", "/pets/a/b"), "ANY /pets/{proxy+}");
  EXPECT_EQ(pick(t, "GET", "/toys"), "ANY /{proxy+}");
  EXPECT_EQ(pick(t, "GET", "/"), "$default");  // a greedy variable needs a segment
}

TEST(RouteTable, ParametersAreDecodedAndGreedyJoined) {
  RouteTable t;
  t.add("GET /files/{dir}/{rest+}", "1");
  auto m = t.find("GET", "/files/a%20b/c/d%2Fe");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params["dir"], "a b");
  EXPECT_EQ(m->params["rest"], "c/d/e");
  EXPECT_FALSE(t.find("GET", "/files/a"));
  EXPECT_FALSE(t.find("POST", "/files/a/b"));
}

TEST(RouteTable, NoDefaultMeansNoMatch) {
  RouteTable t;
  t.add("GET /", "1");
  EXPECT_EQ(pick(t, "GET", "/"), "GET /");
  EXPECT_EQ(pick(t, "GET", "/x"), "(none)");
}

}  // namespace
}  // namespace nimbus::services::apigateway
