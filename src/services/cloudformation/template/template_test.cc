#include <gtest/gtest.h>

#include "services/cloudformation/template/parameters.h"
#include "services/cloudformation/template/test_util.h"

namespace nimbus::cfn {
namespace {

using testing::message;
using testing::tmpl;

TEST(Template, SectionsAreRead) {
  auto t = tmpl(R"(
AWSTemplateFormatVersion: "2010-09-09"
Description: a queue
Transform: AWS::Serverless-2016-10-31
Parameters:
  Name: {Type: String, Default: q, NoEcho: true}
Resources:
  Q: {Type: AWS::SQS::Queue}
Outputs:
  Url: {Value: !Ref Q}
)");
  EXPECT_EQ(t.description, "a queue");
  ASSERT_EQ(t.transforms.size(), 1u);
  EXPECT_EQ(t.transforms[0], "AWS::Serverless-2016-10-31");
  ASSERT_EQ(t.parameters.size(), 1u);
  EXPECT_TRUE(t.parameters[0].no_echo);
  EXPECT_EQ(t.resource_type("Q"), "AWS::SQS::Queue");
  EXPECT_TRUE(t.outputs().contains("Url"));
}

TEST(Template, TheSamTransformsOwnSectionsNeedTheTransform) {
  const char* body = R"(
Globals: {Function: {Runtime: python3.12}}
Resources:
  Q: {Type: AWS::SQS::Queue, IgnoreGlobals: "*"}
  T: {Type: AWS::SNS::Topic, Connectors: {ToQ: {Properties: {Destination: {Id: Q}}}}}
)";
  EXPECT_EQ(message(parse_template(body)),
            "Template format error: Invalid template property or properties [Globals]");
  EXPECT_EQ(message(parse_template("Resources:\n  T: {Type: AWS::SNS::Topic, Connectors: {}}\n")),
            "Template format error: Invalid template resource property 'Connectors'");
  EXPECT_EQ(message(parse_template(std::string("Transform: AWS::Serverless-2016-10-31\n") + body)),
            "");
}

TEST(Template, StructureErrorsUseAwsWords) {
  EXPECT_EQ(message(parse_template("Description: x\n")),
            "Template format error: At least one Resources member must be defined.");
  EXPECT_EQ(message(parse_template("Resources: {}\n")),
            "Template format error: At least one Resources member must be defined.");
  EXPECT_EQ(message(parse_template("Resources: {Q: {Properties: {}}}\n")),
            "Template format error: [/Resources/Q] Every Resources object must contain a Type "
            "member.");
  EXPECT_EQ(message(parse_template("Foo: 1\nBar: 2\nResources: {Q: {Type: X}}\n")),
            "Template format error: Invalid template property or properties [Foo, Bar]");
  EXPECT_EQ(message(parse_template("Parameters: {P: {Type: Strin}}\nResources: {Q: {Type: X}}\n")),
            "Template format error: Unrecognized parameter type: Strin");
  EXPECT_EQ(message(parse_template("Parameters: {P: {Type: String, Defualt: a}}\n"
                                   "Resources: {Q: {Type: X}}\n")),
            "Template format error: Invalid template parameter property 'Defualt'");
  EXPECT_EQ(message(parse_template("Resources: {Q: {Type: X}}\nOutputs: {O: {Export: 1}}\n")),
            "Template format error: Every Outputs member must contain a Value object");
  EXPECT_EQ(message(parse_template("Resources: {Q: {Type: X, Condition: [a]}}\n")),
            "Template format error: Every Condition member must be a string.");
  EXPECT_EQ(message(parse_template("just a string")),
            "Template format error: unsupported structure.");
}

Template with_parameters(std::string_view params) {
  return tmpl("Parameters:\n" + std::string(params) + "Resources: {Q: {Type: AWS::SQS::Queue}}\n");
}

TEST(Parameters, DefaultsFillInAndListsSplit) {
  auto t = with_parameters(
      "  Name: {Type: String, Default: abc}\n"
      "  Ids: {Type: CommaDelimitedList, Default: 'a, b,c'}\n"
      "  Count: {Type: Number, Default: 3}\n");
  auto v = resolve_parameters(t, {{"Name", "given"}});
  ASSERT_TRUE(v) << message(v);
  EXPECT_EQ(v->at("Name"), "given");
  EXPECT_EQ(v->at("Ids"), boost::json::parse(R"(["a","b","c"])"));
  EXPECT_EQ(v->at("Count"), "3");  // Ref of a Number parameter is a string
}

TEST(Parameters, MissingAndUnknownAreRefused) {
  auto t = with_parameters(
      "  A: {Type: String}\n  B: {Type: String}\n  C: {Type: String, Default: c}\n");
  EXPECT_EQ(message(resolve_parameters(t, {})), "Parameters: [A, B] must have values");
  EXPECT_EQ(message(resolve_parameters(t, {{"A", "1"}, {"B", "2"}, {"Z", "3"}})),
            "Parameters: [Z] do not exist in the template");
}

TEST(Parameters, ConstraintsUseAwsWords) {
  auto t = with_parameters(
      "  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}\n"
      "  Code: {Type: String, AllowedPattern: '[a-z]+', Default: abc}\n"
      "  Short: {Type: String, MinLength: 2, MaxLength: 3, Default: ab}\n"
      "  Size: {Type: Number, MinValue: 1, MaxValue: 10, Default: 5}\n");
  EXPECT_TRUE(resolve_parameters(t, {}));
  EXPECT_EQ(message(resolve_parameters(t, {{"Env", "test"}})),
            "Parameter 'Env' must be one of AllowedValues");
  EXPECT_EQ(message(resolve_parameters(t, {{"Code", "ABC"}})),
            "Parameter 'Code' must match pattern [a-z]+");
  EXPECT_EQ(message(resolve_parameters(t, {{"Short", "a"}})),
            "Parameter 'Short' must contain at least 2 characters");
  EXPECT_EQ(message(resolve_parameters(t, {{"Short", "abcd"}})),
            "Parameter 'Short' must contain at most 3 characters");
  EXPECT_EQ(message(resolve_parameters(t, {{"Size", "0"}})),
            "Parameter 'Size' must be a number not less than 1");
  EXPECT_EQ(message(resolve_parameters(t, {{"Size", "11"}})),
            "Parameter 'Size' must be a number not greater than 10");
  EXPECT_EQ(message(resolve_parameters(t, {{"Size", "many"}})),
            "Parameter 'Size' must be a number");
}

TEST(Parameters, ConstraintDescriptionReplacesTheMessage) {
  auto t = with_parameters(
      "  Env: {Type: String, AllowedValues: [dev], ConstraintDescription: pick dev}\n");
  EXPECT_EQ(message(resolve_parameters(t, {{"Env", "x"}})),
            "Parameter 'Env' failed to satisfy constraint: pick dev");
}

TEST(Parameters, NoEchoIsMasked) {
  auto t = with_parameters("  Secret: {Type: String, NoEcho: true}\n  Open: {Type: String}\n");
  EXPECT_EQ(shown_value(*t.parameter("Secret"), "pw"), "****");
  EXPECT_EQ(shown_value(*t.parameter("Open"), "pw"), "pw");
}

}  // namespace
}  // namespace nimbus::cfn
