#include <gtest/gtest.h>

#include "services/cloudformation/template/intrinsics.h"
#include "services/cloudformation/template/test_util.h"

namespace nimbus::cfn {
namespace {

namespace json = boost::json;
using testing::doc;
using testing::message;

// A stack with two parameters, one mapping, one queue and its attributes.
class Intrinsics : public ::testing::Test {
 protected:
  Intrinsics() {
    params_["Env"] = "prod";
    params_["Ids"] = json::array{"a", "b"};
    mappings_ = doc("Sizes: {prod: {Memory: 512}, dev: {Memory: 128}}").as_object();
    conditions_["IsProd"] = true;
    conditions_["IsDev"] = false;
    scope_.stack_name = "app";
    scope_.stack_id = "arn:aws:cloudformation:us-east-1:000000000000:stack/app/id";
    scope_.parameters = &params_;
    scope_.mappings = &mappings_;
    scope_.conditions = &conditions_;
    scope_.ref = [](std::string_view id) -> Result<json::value> {
      if (id == "Queue") return json::value("http://q/app-Queue");
      return unresolved_dependency(id);
    };
    scope_.get_att = [](std::string_view id, std::string_view att) -> Result<json::value> {
      if (id == "Queue" && att == "Arn") return json::value("arn:aws:sqs:us-east-1:0:app-Queue");
      return template_error("resource " + std::string(id) + " does not support attribute type " +
                            std::string(att) + " in Fn::GetAtt");
    };
    scope_.import_value = [](std::string_view name) -> Result<json::value> {
      if (name == "shared-bus") return json::value("bus-arn");
      return Error::validation("No export named " + std::string(name) + " found.");
    };
  }

  Result<json::value> eval(std::string_view yaml) { return resolve(doc(yaml), scope_); }
  json::value ok(std::string_view yaml) {
    auto r = eval(yaml);
    EXPECT_TRUE(r) << message(r);
    return r ? *r : json::value();
  }

  ParameterValues params_;
  json::object mappings_;
  Conditions conditions_;
  Scope scope_;
};

TEST_F(Intrinsics, RefParametersPseudoAndResources) {
  EXPECT_EQ(ok("!Ref Env"), "prod");
  EXPECT_EQ(ok("!Ref Ids"), json::parse(R"(["a","b"])"));
  EXPECT_EQ(ok("!Ref AWS::Region"), "us-east-1");
  EXPECT_EQ(ok("!Ref AWS::StackName"), "app");
  EXPECT_EQ(ok("!Ref AWS::AccountId"), "000000000000");
  EXPECT_EQ(ok("!Ref AWS::Partition"), "aws");
  EXPECT_EQ(ok("!Ref AWS::URLSuffix"), "amazonaws.com");
  EXPECT_EQ(ok("!Ref Queue"), "http://q/app-Queue");
}

TEST_F(Intrinsics, NoValueRemovesMembersAndElements) {
  EXPECT_EQ(ok("{A: 1, B: !Ref AWS::NoValue, C: [1, !If [IsDev, 2, !Ref AWS::NoValue], 3]}"),
            json::parse(R"({"A":1,"C":[1,3]})"));
}

TEST_F(Intrinsics, GetAttBothForms) {
  EXPECT_EQ(ok("!GetAtt Queue.Arn"), "arn:aws:sqs:us-east-1:0:app-Queue");
  EXPECT_EQ(ok("{Fn::GetAtt: [Queue, !Join ['', [A, rn]]]}"), "arn:aws:sqs:us-east-1:0:app-Queue");
  EXPECT_EQ(message(eval("!GetAtt Queue")),
            "Template error: every Fn::GetAtt object requires two non-empty parameters, the "
            "resource name and the resource attribute");
}

TEST_F(Intrinsics, SubBothFormsAndEscapes) {
  EXPECT_EQ(ok("!Sub '${AWS::StackName}-${Env}-${Queue.Arn}'"),
            "app-prod-arn:aws:sqs:us-east-1:0:app-Queue");
  EXPECT_EQ(ok("!Sub ['${Name}/${Env}', {Name: !Join ['-', [x, y]]}]"), "x-y/prod");
  EXPECT_EQ(ok("!Sub 'literal ${!Env} and $Env'"), "literal ${Env} and $Env");
  EXPECT_EQ(message(eval("!Sub '${Nope}'")),
            "Template format error: Unresolved resource dependencies [Nope] in the Resources "
            "block of the template");
}

TEST_F(Intrinsics, ListAndStringFunctions) {
  EXPECT_EQ(ok("!Join ['', [a, 1, !Ref Env]]"), "a1prod");
  EXPECT_EQ(ok("!Join [',', !Ref Ids]"), "a,b");
  EXPECT_EQ(ok("!Select [1, [x, y, z]]"), "y");
  EXPECT_EQ(ok("!Select ['0', !Ref Ids]"), "a");
  EXPECT_EQ(message(eval("!Select [3, [x]]")),
            "Template error: Fn::Select cannot select nonexistent value at index 3");
  EXPECT_EQ(ok("!Split [',', 'a,,b']"), json::parse(R"(["a","","b"])"));
  EXPECT_EQ(ok("!Select [2, !Split ['/', 'a/b/c']]"), "c");
  EXPECT_EQ(ok("!Base64 hello"), "aGVsbG8=");
  EXPECT_EQ(ok("!Length [a, b, c]"), 3);
  EXPECT_EQ(ok("!ToJsonString {a: [1, !Ref Env]}"), R"({"a":[1,"prod"]})");
  EXPECT_EQ(ok("!GetAZs ''"), json::parse(R"(["us-east-1a","us-east-1b","us-east-1c"])"));
  EXPECT_EQ(ok("!Cidr ['10.0.0.0/16', 3, 8]"),
            json::parse(R"(["10.0.0.0/24","10.0.1.0/24","10.0.2.0/24"])"));
  EXPECT_EQ(ok("!ImportValue shared-bus"), "bus-arn");
  EXPECT_EQ(message(eval("!ImportValue other")), "No export named other found.");
  EXPECT_TRUE(message(eval("!Join [',']")).starts_with("Template error: every Fn::Join object"));
}

TEST_F(Intrinsics, FindInMap) {
  EXPECT_EQ(ok("!FindInMap [Sizes, !Ref Env, Memory]"), 512);
  EXPECT_EQ(message(eval("!FindInMap [Sizes, test, Memory]")),
            "Template error: Unable to get mapping for Sizes::test::Memory");
}

TEST_F(Intrinsics, IfPicksABranch) {
  EXPECT_EQ(ok("!If [IsProd, big, small]"), "big");
  EXPECT_EQ(ok("!If [IsDev, big, small]"), "small");
  EXPECT_EQ(message(eval("!If [Unknown, a, b]")),
            "Template error: unresolved condition dependency Unknown in Fn::If");
}

TEST_F(Intrinsics, ConditionsEvaluateInAnyOrderAndFindCycles) {
  auto section = doc(R"(
Both: !And [!Condition Prod, !Not [!Condition Dev]]
Prod: !Equals [!Ref Env, prod]
Dev: !Equals [dev, !Ref Env]
Either: !Or [!Condition Dev, !Equals [a, a]]
Mapped: !Equals [!FindInMap [Sizes, prod, Memory], 512]
)");
  auto c = evaluate_conditions(section.as_object(), scope_);
  ASSERT_TRUE(c) << message(c);
  EXPECT_TRUE(c->at("Both"));
  EXPECT_TRUE(c->at("Prod"));
  EXPECT_FALSE(c->at("Dev"));
  EXPECT_TRUE(c->at("Either"));
  EXPECT_TRUE(c->at("Mapped"));
  auto cyclic = doc("A: !Condition B\nB: !Not [!Condition A]\n");
  EXPECT_FALSE(evaluate_conditions(cyclic.as_object(), scope_));
  auto bad = doc("A: !And [!Equals [a, a]]\n");
  EXPECT_EQ(message(evaluate_conditions(bad.as_object(), scope_)),
            "Template error: every Fn::And object requires a list of at least 2 and at most 10 "
            "boolean parameters.");
}

TEST_F(Intrinsics, IncludedFollowsTheConditionAttribute) {
  EXPECT_TRUE(included(doc("{Type: X}").as_object(), conditions_));
  EXPECT_TRUE(included(doc("{Type: X, Condition: IsProd}").as_object(), conditions_));
  EXPECT_FALSE(included(doc("{Type: X, Condition: IsDev}").as_object(), conditions_));
}

TEST_F(Intrinsics, UnknownFunctionIsAnError) {
  EXPECT_EQ(message(eval("{Fn::Nope: 1}")),
            "Template error: Encountered unsupported function: Fn::Nope");
}

}  // namespace
}  // namespace nimbus::cfn
