#include <gtest/gtest.h>

#include "services/cloudformation/template/test_util.h"

namespace nimbus::cfn {
namespace {

namespace json = boost::json;
using testing::doc;
using testing::message;

TEST(Document, JsonBodyIsParsedAsJson) {
  auto v = doc(R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})");
  EXPECT_EQ(v.at("Resources").at("Q").at("Type"), "AWS::SQS::Queue");
}

TEST(Document, MalformedJsonNamesLineAndColumn) {
  auto r = parse_document("{\n  \"Resources\": {\n    \"Q\": {] \n  }\n}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "ValidationError");
  EXPECT_EQ(r.error().message, "Template format error: JSON not well-formed. (line 3, column 11)");
}

TEST(Document, MalformedYamlIsRefused) {
  auto r = parse_document("Resources:\n  Q: [unclosed\n");
  ASSERT_FALSE(r);
  EXPECT_TRUE(message(r).starts_with("Template format error: YAML not well-formed. (line "))
      << message(r);
}

TEST(Document, ShortFormTagsBecomeLongForms) {
  auto v = doc(R"(
A: !Ref Param
B: !GetAtt Queue.Arn
C: !GetAtt [Queue, QueueName]
D: !Sub "${AWS::StackName}-x"
E: !Join [",", [a, !Ref P]]
F: !If [IsProd, 1, 2]
G: !Condition IsProd
H: !GetAZs ''
I: !Base64 text
J: !Equals [a, b]
)");
  EXPECT_EQ(v.at("A"), json::parse(R"({"Ref":"Param"})"));
  EXPECT_EQ(v.at("B"), json::parse(R"({"Fn::GetAtt":["Queue","Arn"]})"));
  EXPECT_EQ(v.at("C"), json::parse(R"({"Fn::GetAtt":["Queue","QueueName"]})"));
  EXPECT_EQ(v.at("D"), json::parse(R"({"Fn::Sub":"${AWS::StackName}-x"})"));
  EXPECT_EQ(v.at("E"), json::parse(R"({"Fn::Join":[",",["a",{"Ref":"P"}]]})"));
  EXPECT_EQ(v.at("F"), json::parse(R"({"Fn::If":["IsProd",1,2]})"));
  EXPECT_EQ(v.at("G"), json::parse(R"({"Condition":"IsProd"})"));
  EXPECT_EQ(v.at("H"), json::parse(R"({"Fn::GetAZs":""})"));
  EXPECT_EQ(v.at("I"), json::parse(R"({"Fn::Base64":"text"})"));
  EXPECT_EQ(v.at("J"), json::parse(R"({"Fn::Equals":["a","b"]})"));
}

TEST(Document, PlainScalarsAreTypedQuotedOnesStayStrings) {
  auto v = doc(R"(
int: 30
neg: -4
zero: 0
account: 012345678901
float: 1.5
quoted: "30"
yes: true
no: false
nothing: ~
empty:
date: 2010-09-09
)");
  EXPECT_EQ(v.at("int"), 30);
  EXPECT_EQ(v.at("neg"), -4);
  EXPECT_EQ(v.at("zero"), 0);
  EXPECT_EQ(v.at("account"), "012345678901");
  EXPECT_EQ(v.at("float"), "1.5");
  EXPECT_EQ(v.at("quoted"), "30");
  EXPECT_EQ(v.at("yes"), true);
  EXPECT_EQ(v.at("no"), false);
  EXPECT_TRUE(v.at("nothing").is_null());
  EXPECT_TRUE(v.at("empty").is_null());
  EXPECT_EQ(v.at("date"), "2010-09-09");
}

TEST(Document, AliasBombIsRefusedNotExpanded) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + ", " + prev +
            ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev +
            ", " + prev + ", " + prev + "]\n";
  }
  auto r = parse_document(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "ValidationError");
}

TEST(Document, AnchorsWithinBudgetExpand) {
  auto v = doc("base: &b {Type: String}\ncopy: *b\n");
  EXPECT_EQ(v.at("copy").at("Type"), "String");
}

}  // namespace
}  // namespace nimbus::cfn
