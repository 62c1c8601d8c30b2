#include <gtest/gtest.h>

#include "services/cloudformation/template/graph.h"
#include "services/cloudformation/template/test_util.h"

namespace nimbus::cfn {
namespace {

using testing::message;
using testing::tmpl;

TEST(Graph, EdgesFromRefGetAttSubAndDependsOn) {
  auto t = tmpl(R"(
Parameters: {Env: {Type: String, Default: dev}}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Environment: {Variables: {Q: !Ref Queue, T: !Sub '${Table}-${Env}-${AWS::Region}'}}
  Role: {Type: AWS::IAM::Role}
  Queue: {Type: AWS::SQS::Queue, DependsOn: Role}
  Table: {Type: AWS::DynamoDB::Table}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    DependsOn: [Fn]
    Properties: {EventSourceArn: !GetAtt [Queue, Arn]}
)");
  auto g = dependency_graph(t);
  ASSERT_TRUE(g) << message(g);
  EXPECT_EQ(g->depends_on.at("Fn"), (Graph::Ids{"Queue", "Role", "Table"}));
  EXPECT_EQ(g->depends_on.at("Queue"), (Graph::Ids{"Role"}));
  EXPECT_EQ(g->depends_on.at("Mapping"), (Graph::Ids{"Fn", "Queue"}));
  EXPECT_EQ(g->order, (std::vector<std::string>{"Role", "Queue", "Table", "Fn", "Mapping"}));
  EXPECT_EQ(g->dependents("Queue"), (Graph::Ids{"Fn", "Mapping"}));
}

TEST(Graph, UnresolvedNamesInResourcesAndOutputs) {
  EXPECT_EQ(message(dependency_graph(tmpl(
                "Resources: {A: {Type: X, Properties: {P: !Ref Missing, Q: !Sub '${Gone}'}}}\n"))),
            "Template format error: Unresolved resource dependencies [Gone, Missing] in the "
            "Resources block of the template");
  EXPECT_EQ(message(dependency_graph(tmpl("Resources: {A: {Type: X, DependsOn: B}}\n"))),
            "Template format error: Unresolved resource dependencies [B] in the Resources block "
            "of the template");
  EXPECT_EQ(message(dependency_graph(
                tmpl("Resources: {A: {Type: X}}\nOutputs: {O: {Value: !Ref Nope}}\n"))),
            "Template format error: Unresolved resource dependencies [Nope] in the Outputs block "
            "of the template");
  EXPECT_EQ(message(dependency_graph(
                tmpl("Resources: {A: {Type: X, Properties: {P: !GetAtt B.Arn}}}\n"))),
            "Template error: instance of Fn::GetAtt references undefined resource B");
}

TEST(Graph, CyclesAreNamed) {
  auto t = tmpl(R"(
Resources:
  A: {Type: X, Properties: {P: !Ref B}}
  B: {Type: X, Properties: {P: !GetAtt C.Arn}}
  C: {Type: X, DependsOn: A}
  D: {Type: X}
)");
  EXPECT_EQ(message(dependency_graph(t)), "Circular dependency between resources: [A, B, C]");
}

}  // namespace
}  // namespace nimbus::cfn
