// AWS::Serverless::Connector and embedded Connectors.
#include "services/cloudformation/sam/test_util.h"

namespace nimbus::cfn::sam {
namespace {

using namespace testing;

constexpr std::string_view kFunctionAndTable = R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, InlineCode: x}
  Table: {Type: AWS::Serverless::SimpleTable}
)";

TEST(SamConnector, FunctionReadsATableThroughItsRole) {
  auto r = resources(std::string(kFunctionAndTable) + R"(
  Link:
    Type: AWS::Serverless::Connector
    Condition: On
    Properties:
      Source: {Id: Fn}
      Destination: {Id: Table}
      Permissions: [Write, Read]
)");
  ASSERT_EQ(type(r, "LinkPolicy"), "AWS::IAM::ManagedPolicy");
  const auto& p = props(r, "LinkPolicy");
  EXPECT_EQ(p.at("Roles"), parse(R"([{"Ref":"FnRole"}])"));
  const auto& statements = p.at("PolicyDocument").at("Statement").as_array();
  ASSERT_EQ(statements.size(), 2u);  // Read first, as SAM writes them
  EXPECT_EQ(statements[0].at("Action").at(0), "dynamodb:GetItem");
  EXPECT_EQ(statements[1].at("Action").at(0), "dynamodb:PutItem");
  EXPECT_EQ(statements[0].at("Resource"), parse(R"([{"Fn::GetAtt":["Table","Arn"]},
                      {"Fn::Sub":["${DestinationArn}/index/*",
                                  {"DestinationArn":{"Fn::GetAtt":["Table","Arn"]}}]}])"));
  EXPECT_EQ(r.at("LinkPolicy").at("Condition"), "On");
  EXPECT_EQ(r.at("LinkPolicy").at("Metadata"), parse(R"({"aws:sam:connectors":{"Link":{
                       "Source":{"Type":"AWS::Serverless::Function"},
                       "Destination":{"Type":"AWS::Serverless::SimpleTable"}}}})"));
  EXPECT_FALSE(r.contains("Link"));
}

TEST(SamConnector, QueueToFunctionPolicyIsOnTheFunctionsRoleAndTheMappingWaits) {
  auto r = resources(R"(
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
  Link:
    Type: AWS::Serverless::Connector
    Properties:
      Source: {Id: Queue}
      Destination: {Id: Fn}
      Permissions: [Read, Write]
  Waits:
    Type: AWS::SNS::Topic
    DependsOn: Link
)");
  EXPECT_EQ(props(r, "LinkPolicy").at("Roles"), parse(R"([{"Ref":"FnRole"}])"));
  EXPECT_EQ(r.at("FnJobs").at("DependsOn"), parse(R"(["LinkPolicy"])"));
  EXPECT_EQ(r.at("Waits").at("DependsOn"), parse(R"(["LinkPolicy"])"));
}

TEST(SamConnector, EmbeddedConnectorsAndServicePermissions) {
  auto r = resources(R"(
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Connectors:
      ToFn:
        Properties:
          Destination: {Id: Fn}
          Permissions: [Write]
      ToQueues:
        Properties:
          Destination: [{Id: Queue}, {Type: AWS::SQS::Queue, Arn: arn:aws:sqs:us-east-1:1:q, QueueUrl: http://q}]
          Permissions: [Write]
  Queue: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Role: !GetAtt R.Arn, Runtime: python3.12, Handler: a.h, Code: {ZipFile: x}}
)");
  EXPECT_FALSE(r.at("Topic").as_object().contains("Connectors"));
  ASSERT_EQ(type(r, "TopicToFnWriteLambdaPermission"), "AWS::Lambda::Permission");
  EXPECT_EQ(props(r, "TopicToFnWriteLambdaPermission"),
            parse(R"({"Action":"lambda:InvokeFunction","FunctionName":{"Fn::GetAtt":["Fn","Arn"]},
                      "Principal":"sns.amazonaws.com","SourceArn":{"Ref":"Topic"}})")
                .as_object());
  ASSERT_EQ(type(r, "TopicToQueuesQueuePolicyDestination0"), "AWS::SQS::QueuePolicy");
  EXPECT_EQ(props(r, "TopicToQueuesQueuePolicyDestination0").at("Queues"),
            parse(R"([{"Ref":"Queue"}])"));
  EXPECT_EQ(props(r, "TopicToQueuesQueuePolicyDestination1").at("Queues"),
            parse(R"(["http://q"])"));
  EXPECT_EQ(props(r, "TopicToQueuesQueuePolicyDestination1")
                .at("PolicyDocument")
                .at("Statement")
                .at(0)
                .at("Condition"),
            parse(R"({"ArnEquals":{"aws:SourceArn":{"Ref":"Topic"}}})"));
}

TEST(SamConnector, RefusalsUseSamsWords) {
  std::string base(kFunctionAndTable);
  EXPECT_NE(error_of(base + R"(
  C: {Type: AWS::Serverless::Connector, Properties: {Source: {Id: Fn}, Destination: {Id: Nope}, Permissions: [Read]}}
)")
                .find("Unable to find resource with logical ID 'Nope'."),
            std::string::npos);
  EXPECT_NE(error_of(base + R"(
  C: {Type: AWS::Serverless::Connector, Properties: {Source: {Id: Fn}, Destination: {Id: Table}}}
)")
                .find("Missing required property 'Permissions'."),
            std::string::npos);
  EXPECT_NE(error_of(base + R"(
  C:
    Type: AWS::Serverless::Connector
    Properties:
      Source: {Type: AWS::Fancy::Thing, Arn: x}
      Destination: {Id: Fn}
      Permissions: [Write]
)")
                .find("Unable to create connector from AWS::Fancy::Thing to "
                      "AWS::Serverless::Function; it's not supported or the template is invalid."),
            std::string::npos);
  EXPECT_NE(error_of(base + R"(
  C: {Type: AWS::Serverless::Connector, Properties: {Source: {Id: Fn}, Destination: {Id: Table}, Permissions: [Delete]}}
)")
                .find("valid values are: Read, Write."),
            std::string::npos);
  EXPECT_NE(error_of(R"(
Resources:
  Q: {Type: AWS::SQS::Queue}
  F: {Type: AWS::Lambda::Function, Properties: {Role: !GetAtt R.Arn}}
  C: {Type: AWS::Serverless::Connector, Properties: {Source: {Id: Q}, Destination: {Id: F}, Permissions: [Read]}}
)")
                .find("valid combinations are: Read + Write."),
            std::string::npos);
  EXPECT_NE(error_of(R"(
Resources:
  F: {Type: AWS::Lambda::Function, Properties: {Role: arn:aws:iam::1:role/r}}
  Q: {Type: AWS::SQS::Queue}
  C: {Type: AWS::Serverless::Connector, Properties: {Source: {Id: F}, Destination: {Id: Q}, Permissions: [Write]}}
)")
                .find("Unable to get IAM role name from 'Source' resource."),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::cfn::sam
