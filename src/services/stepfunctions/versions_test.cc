// Versions and aliases: publishing, executions on a version or an alias
// (weighted routing), AWS's errors, and their surviving a restart.
#include <set>

#include "services/stepfunctions/test_helpers.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;

std::string pass_machine(const std::string& result) {
  return R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":")" + result +
         R"(","End":true}}})";
}

class SfnVersionTest : public SfnTest {
 protected:
  std::string output(const std::string& x) {
    EXPECT_TRUE(eventually([&] { return status(x) != "RUNNING"; }));
    return s(json::parse(s(call("DescribeExecution", {{"executionArn", x}})["output"])));
  }
  json::object alias_routes(const std::string& v1, int w1, const std::string& v2 = "", int w2 = 0) {
    json::array r{json::object{{"stateMachineVersionArn", v1}, {"weight", w1}}};
    if (!v2.empty()) r.push_back(json::object{{"stateMachineVersionArn", v2}, {"weight", w2}});
    return json::object{{"routingConfiguration", std::move(r)}};
  }
};

TEST_F(SfnVersionTest, VersionsKeepTheRevisionTheyWerePublishedFrom) {
  std::string m = create("versioned", pass_machine("one"));
  auto v1 = call("PublishStateMachineVersion", {{"stateMachineArn", m}, {"description", "first"}});
  EXPECT_EQ(s(v1["stateMachineVersionArn"]), m + ":1");
  // The same revision again: the same version.
  EXPECT_EQ(
      s(call("PublishStateMachineVersion", {{"stateMachineArn", m}})["stateMachineVersionArn"]),
      m + ":1");
  expect_error("PublishStateMachineVersion", {{"stateMachineArn", m}, {"revisionId", "nope"}},
               "ConflictException");
  auto up = call("UpdateStateMachine", {{"stateMachineArn", m},
                                        {"definition", pass_machine("two")},
                                        {"publish", true},
                                        {"versionDescription", "second"}});
  EXPECT_EQ(s(up["stateMachineVersionArn"]), m + ":2");
  expect_error("UpdateStateMachine",
               {{"stateMachineArn", m},
                {"definition", pass_machine("x")},
                {"versionDescription", "no publish"}},
               "ValidationException");
  auto list = call("ListStateMachineVersions", {{"stateMachineArn", m}})["stateMachineVersions"];
  ASSERT_EQ(list.as_array().size(), 2u);
  EXPECT_EQ(s(list.as_array()[0].at("stateMachineVersionArn")), m + ":2");  // newest first
  auto d1 = call("DescribeStateMachine", {{"stateMachineArn", m + ":1"}});
  EXPECT_EQ(s(d1["definition"]), pass_machine("one"));
  EXPECT_EQ(s(d1["description"]), "first");

  std::string x = start(m + ":1", "{}");
  EXPECT_EQ(output(x), "one");
  EXPECT_EQ(output(start(m, "{}")), "two");
  auto d = call("DescribeExecution", {{"executionArn", x}});
  EXPECT_EQ(s(d["stateMachineArn"]), m);
  EXPECT_EQ(s(d["stateMachineVersionArn"]), m + ":1");
  EXPECT_FALSE(d.contains("stateMachineAliasArn"));
  auto by_version = call("ListExecutions", {{"stateMachineArn", m + ":1"}})["executions"];
  ASSERT_EQ(by_version.as_array().size(), 1u);
  EXPECT_EQ(s(by_version.as_array()[0].at("stateMachineVersionArn")), m + ":1");
  EXPECT_EQ(call("ListExecutions", {{"stateMachineArn", m}})["executions"].as_array().size(), 2u);
  expect_error("StartExecution", {{"stateMachineArn", m + ":9"}}, "StateMachineDoesNotExist");

  // Deleting a version is idempotent; its number is not used again.
  call("DeleteStateMachineVersion", {{"stateMachineVersionArn", m + ":2"}});
  call("DeleteStateMachineVersion", {{"stateMachineVersionArn", m + ":2"}});
  call("UpdateStateMachine", {{"stateMachineArn", m}, {"definition", pass_machine("three")}});
  EXPECT_EQ(
      s(call("PublishStateMachineVersion", {{"stateMachineArn", m}})["stateMachineVersionArn"]),
      m + ":3");
  reopen();
  EXPECT_EQ(output(start(m + ":3", "{}")), "three");
  EXPECT_EQ(call("ListStateMachineVersions", {{"stateMachineArn", m}})["stateMachineVersions"]
                .as_array()
                .size(),
            2u);
}

TEST_F(SfnVersionTest, AliasesRouteExecutionsByWeight) {
  std::string m = create("aliased", pass_machine("one"), "STANDARD");
  std::string v1 =
      s(call("PublishStateMachineVersion", {{"stateMachineArn", m}})["stateMachineVersionArn"]);
  call("UpdateStateMachine", {{"stateMachineArn", m}, {"definition", pass_machine("two")}});
  std::string v2 =
      s(call("PublishStateMachineVersion", {{"stateMachineArn", m}})["stateMachineVersionArn"]);

  json::object in = alias_routes(v1, 100);
  in["name"] = "live";
  in["description"] = "production";
  std::string a = s(call("CreateStateMachineAlias", in)["stateMachineAliasArn"]);
  EXPECT_EQ(a, m + ":live");
  EXPECT_EQ(s(call("CreateStateMachineAlias", in)["stateMachineAliasArn"]), a);  // idempotent
  std::string x = start(a, "{}");
  EXPECT_EQ(output(x), "one");
  auto d = call("DescribeExecution", {{"executionArn", x}});
  EXPECT_EQ(s(d["stateMachineAliasArn"]), a);
  EXPECT_EQ(s(d["stateMachineVersionArn"]), v1);

  // Bad routing changes nothing.
  auto bad = [&](json::object routes) {
    routes["stateMachineAliasArn"] = a;
    expect_error("UpdateStateMachineAlias", routes, "ValidationException");
  };
  bad(alias_routes(v1, 50, v2, 40));
  bad(alias_routes(v1, 50, v1, 50));
  expect_error("UpdateStateMachineAlias", {{"stateMachineAliasArn", a}}, "ValidationException");
  json::object clash = alias_routes(v2, 100);
  clash["name"] = "live";
  expect_error("CreateStateMachineAlias", clash, "ConflictException");
  json::object digits = alias_routes(v2, 100);
  digits["name"] = "42";
  expect_error("CreateStateMachineAlias", digits, "InvalidName");
  expect_error("DeleteStateMachineVersion", {{"stateMachineVersionArn", v1}}, "ConflictException");

  json::object split = alias_routes(v1, 50, v2, 50);
  split["stateMachineAliasArn"] = a;
  call("UpdateStateMachineAlias", split);
  auto desc = call("DescribeStateMachineAlias", {{"stateMachineAliasArn", a}});
  EXPECT_EQ(s(desc["name"]), "live");
  EXPECT_EQ(s(desc["description"]), "production");
  EXPECT_EQ(desc["routingConfiguration"].as_array().size(), 2u);
  std::set<std::string> seen;
  for (int i = 0; i < 40 && seen.size() < 2; ++i) seen.insert(output(start(a, "{}")));
  EXPECT_EQ(seen, (std::set<std::string>{"one", "two"}));

  reopen();
  EXPECT_EQ(call("ListStateMachineAliases", {{"stateMachineArn", m}})["stateMachineAliases"]
                .as_array()
                .size(),
            1u);
  call("DeleteStateMachineAlias", {{"stateMachineAliasArn", a}});
  expect_error("DescribeStateMachineAlias", {{"stateMachineAliasArn", a}}, "ResourceNotFound");
  expect_error("StartExecution", {{"stateMachineArn", a}}, "ResourceNotFound");
  call("DeleteStateMachineVersion", {{"stateMachineVersionArn", v1}});

  // A machine's versions and aliases go with it.
  json::object again = alias_routes(v2, 100);
  again["name"] = "again";
  call("CreateStateMachineAlias", again);
  call("DeleteStateMachine", {{"stateMachineArn", m}});
  expect_error("DescribeStateMachine", {{"stateMachineArn", v2}}, "StateMachineDoesNotExist");
  expect_error("DescribeStateMachineAlias", {{"stateMachineAliasArn", m + ":again"}},
               "ResourceNotFound");
}

}  // namespace
}  // namespace nimbus::sfn
