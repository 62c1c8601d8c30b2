// Bus policies (PutPermission / RemovePermission), tags of rules and buses,
// and ListRuleNamesByTarget: what the API answers, EventBridge's errors for
// bad input (nothing changes), and the state after a restart.
#include <gtest/gtest.h>

#include "services/events/test_helpers.h"

namespace nimbus::services::eventbridge {
namespace {

namespace json = boost::json;

class EventsPolicyTest : public testing::EventsTest {
 protected:
  json::array statements(const std::string& bus = "default") {
    auto d = call("DescribeEventBus", {{"Name", bus}});
    if (!d.contains("Policy")) return {};
    return json::parse(s(d["Policy"])).as_object().at("Statement").as_array();
  }
};

TEST_F(EventsPolicyTest, PutPermissionAddsAndReplacesStatementsById) {
  call("PutPermission",
       {{"Action", "events:PutEvents"}, {"Principal", "111122223333"}, {"StatementId", "partner"}});
  auto st = statements();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0], json::parse(R"({"Sid":"partner","Effect":"Allow","Action":"events:PutEvents",
      "Resource":"arn:aws:events:us-east-1:000000000000:event-bus/default",
      "Principal":{"AWS":"arn:aws:iam::111122223333:root"}})"));
  call("PutPermission",
       {{"Action", "events:PutEvents"},
        {"Principal", "*"},
        {"StatementId", "org"},
        {"Condition",
         {{"Type", "StringEquals"}, {"Key", "aws:PrincipalOrgID"}, {"Value", "o-abc"}}}});
  call("PutPermission",
       {{"Action", "events:PutEvents"}, {"Principal", "444455556666"}, {"StatementId", "partner"}});
  st = statements();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].at("Condition"),
            json::parse(R"({"StringEquals":{"aws:PrincipalOrgID":"o-abc"}})"));
  EXPECT_EQ(st[1].at("Principal").at("AWS"), "arn:aws:iam::444455556666:root");

  reopen();
  EXPECT_EQ(statements().size(), 2u);
  call("RemovePermission", {{"StatementId", "org"}});
  EXPECT_EQ(statements().size(), 1u);
  call("RemovePermission", {{"RemoveAllPermissions", true}});
  EXPECT_TRUE(statements().empty());
}

TEST_F(EventsPolicyTest, AWholePolicyReplacesTheBusPolicy) {
  call("CreateEventBus", {{"Name", "orders"}});
  std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Sid":"all","Effect":"Allow","Principal":"*",)"
      R"("Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:000000000000:event-bus/orders"}]})";
  call("PutPermission", {{"EventBusName", "orders"}, {"Policy", policy}});
  EXPECT_EQ(s(call("DescribeEventBus", {{"Name", "orders"}})["Policy"]), policy);
  EXPECT_TRUE(statements().empty());  // the default bus is untouched
}

TEST_F(EventsPolicyTest, BadPermissionsAreRefusedAndChangeNothing) {
  call("PutPermission",
       {{"Action", "events:PutEvents"}, {"Principal", "111122223333"}, {"StatementId", "a"}});
  expect_error(
      "PutPermission",
      {{"Action", "events:DeleteRule"}, {"Principal", "111122223333"}, {"StatementId", "b"}},
      "ValidationException");
  expect_error("PutPermission",
               {{"Action", "events:PutEvents"}, {"Principal", "12"}, {"StatementId", "b"}},
               "ValidationException");
  expect_error(
      "PutPermission",
      {{"Action", "events:PutEvents"}, {"Principal", "111122223333"}, {"StatementId", "has space"}},
      "ValidationException");
  expect_error("PutPermission", {{"Principal", "111122223333"}}, "ValidationException");
  expect_error("PutPermission", {{"Policy", R"({"Statement":[{"Effect":"Maybe"}]})"}},
               "ValidationException");
  expect_error("PutPermission",
               {{"EventBusName", "nope"},
                {"Action", "events:PutEvents"},
                {"Principal", "111122223333"},
                {"StatementId", "b"}},
               "ResourceNotFoundException");
  std::string big(11 * 1024, 'x');
  expect_error("PutPermission",
               {{"Policy", R"({"Version":"2012-10-17","Statement":[{"Sid":")" + big +
                               R"(","Effect":"Allow","Principal":"*","Action":"events:PutEvents",)"
                               R"("Resource":"*"}]})"}},
               "PolicyLengthExceededException");
  expect_error("RemovePermission", {{"StatementId", "nope"}}, "ResourceNotFoundException");
  EXPECT_EQ(error_message("RemovePermission", {{"StatementId", "nope"}}),
            "Statement with the provided id does not exist.");
  ASSERT_EQ(statements().size(), 1u);
  call("RemovePermission", {{"StatementId", "a"}});
  EXPECT_EQ(error_message("RemovePermission", {{"StatementId", "a"}}),
            "EventBus does not have a policy.");
}

TEST_F(EventsPolicyTest, RulesAndBusesKeepTheirTags) {
  auto bus = s(
      call("CreateEventBus",
           {{"Name", "orders"},
            {"Tags", json::array{json::object{{"Key", "team"}, {"Value", "a"}}}}})["EventBusArn"]);
  auto rule = s(call(
      "PutRule", {{"Name", "r"},
                  {"EventPattern", R"({"source":["x"]})"},
                  {"Tags", json::array{json::object{{"Key", "k"}, {"Value", "1"}}}}})["RuleArn"]);
  call("TagResource", {{"ResourceARN", bus},
                       {"Tags", json::array{json::object{{"Key", "env"}, {"Value", "dev"}},
                                            json::object{{"Key", "team"}, {"Value", "b"}}}}});
  call("PutRule", {{"Name", "r"}, {"EventPattern", R"({"source":["y"]})"}});  // keeps tags
  reopen();
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceARN", bus}})["Tags"],
            json::parse(R"([{"Key":"env","Value":"dev"},{"Key":"team","Value":"b"}])"));
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceARN", rule}})["Tags"],
            json::parse(R"([{"Key":"k","Value":"1"}])"));
  call("UntagResource", {{"ResourceARN", bus}, {"TagKeys", json::array{"team"}}});
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceARN", bus}})["Tags"].as_array().size(), 1u);

  expect_error("TagResource",
               {{"ResourceARN", rule},
                {"Tags", json::array{json::object{{"Key", "aws:x"}, {"Value", "1"}}}}},
               "ValidationException");
  json::array many;
  for (int i = 0; i < 50; ++i) {
    many.push_back(json::object{{"Key", "k" + std::to_string(i)}, {"Value", ""}});
  }
  expect_error("TagResource", {{"ResourceARN", rule}, {"Tags", many}}, "LimitExceededException");
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceARN", rule}})["Tags"].as_array().size(), 1u);
  expect_error("ListTagsForResource",
               {{"ResourceARN", "arn:aws:events:us-east-1:000000000000:rule/nope"}},
               "ResourceNotFoundException");
  expect_error("ListTagsForResource", {{"ResourceARN", "nope"}}, "ValidationException");
}

TEST_F(EventsPolicyTest, RuleNamesByTargetPageInNameOrder) {
  auto q = queue("q");
  auto other = queue("other");
  for (const char* name : {"c", "a", "b"}) {
    call("PutRule", {{"Name", name}, {"EventPattern", R"({"source":["x"]})"}});
    put_target(name, {{"Id", "t"}, {"Arn", arn_of(q)}});
  }
  call("PutRule", {{"Name", "d"}, {"EventPattern", R"({"source":["x"]})"}});
  put_target("d", {{"Id", "t"}, {"Arn", arn_of(other)}});
  auto page = call("ListRuleNamesByTarget", {{"TargetArn", arn_of(q)}, {"Limit", 2}});
  EXPECT_EQ(page["RuleNames"], json::parse(R"(["a","b"])"));
  auto rest =
      call("ListRuleNamesByTarget", {{"TargetArn", arn_of(q)}, {"NextToken", page["NextToken"]}});
  EXPECT_EQ(rest["RuleNames"], json::parse(R"(["c"])"));
  EXPECT_FALSE(rest.contains("NextToken"));
  expect_error("ListRuleNamesByTarget", {{"TargetArn", arn_of(q)}, {"EventBusName", "nope"}},
               "ResourceNotFoundException");
}

}  // namespace
}  // namespace nimbus::services::eventbridge
