// AWS::Serverless::SimpleTable, AWS::Serverless::StateMachine and
// AWS::Serverless::LayerVersion.
#include "services/cloudformation/sam/test_util.h"

namespace nimbus::cfn::sam {
namespace {

using namespace testing;

TEST(SamSimpleTable, DefaultsPrimaryKeyThroughputAndGlobals) {
  auto r = resources(R"(
Globals:
  SimpleTable: {SSESpecification: {SSEEnabled: true}}
Resources:
  Plain: {Type: AWS::Serverless::SimpleTable}
  Keyed:
    Type: AWS::Serverless::SimpleTable
    DeletionPolicy: Retain
    Properties:
      TableName: items
      PrimaryKey: {Name: pk, Type: Number}
      ProvisionedThroughput: {ReadCapacityUnits: 2, WriteCapacityUnits: 3}
      Tags: {team: x}
)");
  EXPECT_EQ(type(r, "Plain"), "AWS::DynamoDB::Table");
  EXPECT_EQ(props(r, "Plain"),
            parse(R"({"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
                      "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
                      "BillingMode":"PAY_PER_REQUEST","SSESpecification":{"SSEEnabled":true}})")
                .as_object());
  const auto& keyed = props(r, "Keyed");
  EXPECT_EQ(keyed.at("KeySchema").at(0).at("AttributeName"), "pk");
  EXPECT_EQ(keyed.at("AttributeDefinitions").at(0).at("AttributeType"), "N");
  EXPECT_FALSE(keyed.contains("BillingMode"));
  EXPECT_EQ(keyed.at("TableName"), "items");
  EXPECT_EQ(keyed.at("Tags"), parse(R"([{"Key":"team","Value":"x"}])"));
  EXPECT_EQ(r.at("Keyed").at("DeletionPolicy"), "Retain");
}

TEST(SamStateMachine, ScheduleV2StartsExecutionsThroughTheSchedulersRole) {
  auto r = resources(R"(
Resources:
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition: {StartAt: A, States: {A: {Type: Succeed}}}
      Events:
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 3 * * ? *)
            DeadLetterConfig: {Arn: arn:aws:sqs:us-east-1:1:dlq}
)");
  ASSERT_EQ(type(r, "MachineNightly"), "AWS::Scheduler::Schedule");
  EXPECT_EQ(props(r, "MachineNightly").at("Target"),
            parse(R"({"Arn":{"Ref":"Machine"},"RoleArn":{"Fn::GetAtt":["MachineNightlyRole","Arn"]},
                      "DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:1:dlq"}})"));
  const auto& policies = props(r, "MachineNightlyRole").at("Policies").as_array();
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0].at("PolicyName"), "MachineNightlyStartExecutionPolicy");
  EXPECT_EQ(policies[0].at("PolicyDocument").at("Statement").at(0).at("Action"),
            "states:StartExecution");
  EXPECT_EQ(policies[1].at("PolicyName"), "MachineNightlySQSPolicy");
  EXPECT_EQ(policies[1].at("PolicyDocument").at("Statement").at(0).at("Resource"),
            "arn:aws:sqs:us-east-1:1:dlq");
}

TEST(SamSimpleTable, BadKeyTypeIsRefused) {
  EXPECT_NE(error_of(R"(
Resources:
  T: {Type: AWS::Serverless::SimpleTable, Properties: {PrimaryKey: {Name: k, Type: Date}}}
)")
                .find("Resource with id [T] is invalid."),
            std::string::npos);
}

TEST(SamStateMachine, InlineDefinitionRoleAndSubstitutions) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: flow
      Type: EXPRESS
      Definition:
        StartAt: Call
        States:
          Call: {Type: Task, Resource: !GetAtt Fn.Arn, End: true}
      Policies:
        - LambdaInvokePolicy: {FunctionName: !Ref Fn}
      Events:
        Every: {Type: Schedule, Properties: {Schedule: rate(1 hour)}}
)");
  EXPECT_EQ(type(r, "Machine"), "AWS::StepFunctions::StateMachine");
  const auto& sm = props(r, "Machine");
  EXPECT_EQ(sm.at("StateMachineName"), "flow");
  EXPECT_EQ(sm.at("StateMachineType"), "EXPRESS");
  auto def = testing::parse(std::string_view(sm.at("DefinitionString").as_string()));
  EXPECT_EQ(def.at("States").at("Call").at("Resource"), "${definition_substitution_1}");
  EXPECT_EQ(sm.at("DefinitionSubstitutions"),
            parse(R"({"definition_substitution_1":{"Fn::GetAtt":["Fn","Arn"]}})"));
  EXPECT_EQ(sm.at("RoleArn"), parse(R"({"Fn::GetAtt":["MachineRole","Arn"]})"));
  EXPECT_EQ(props(r, "MachineRole")
                .at("AssumeRolePolicyDocument")
                .at("Statement")
                .at(0)
                .at("Principal")
                .at("Service")
                .at(0),
            "states.amazonaws.com");
  EXPECT_EQ(props(r, "MachineRole").at("Policies").at(0).at("PolicyName"), "MachineRolePolicy0");
  EXPECT_EQ(type(r, "MachineEvery"), "AWS::Events::Rule");
  EXPECT_EQ(props(r, "MachineEvery").at("Targets").at(0).at("Id"),
            "MachineEveryStepFunctionsTarget");
  EXPECT_EQ(type(r, "MachineEveryRole"), "AWS::IAM::Role");
}

TEST(SamStateMachine, DefinitionUriAndGivenRole) {
  auto r = resources(R"(
Resources:
  M:
    Type: AWS::Serverless::StateMachine
    Properties: {DefinitionUri: s3://b/flow.json, Role: arn:aws:iam::1:role/r}
)");
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(props(r, "M").at("DefinitionS3Location"), parse(R"({"Bucket":"b","Key":"flow.json"})"));
  EXPECT_EQ(props(r, "M").at("RoleArn"), "arn:aws:iam::1:role/r");
}

TEST(SamStateMachine, ApiEventStartsExecutionsAndAliasPublishesVersions) {
  auto r = resources(R"(
Resources:
  M:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: s3://b/flow.json
      AutoPublishAlias: live
      Events:
        Start: {Type: Api, Properties: {Path: /start, Method: post}}
        Tick: {Type: Schedule, Properties: {Schedule: rate(1 hour), RoleArn: arn:aws:iam::1:role/r,
                                            DeadLetterConfig: {Type: SQS}}}
)");
  EXPECT_EQ(type(r, "MStartRole"), "AWS::IAM::Role");
  const auto& op = props(r, "ServerlessRestApi").at("Body").at("paths").at("/start").at("post");
  const auto& integration = op.at("x-amazon-apigateway-integration");
  EXPECT_EQ(integration.at("type"), "aws");
  EXPECT_EQ(integration.at("credentials"), parse(R"({"Fn::GetAtt":["MStartRole","Arn"]})"));
  EXPECT_FALSE(r.contains("MStartPermissionProd"));
  EXPECT_EQ(type(r, "MVersion"), "AWS::StepFunctions::StateMachineVersion");
  EXPECT_EQ(r.at("MVersion").at("DeletionPolicy"), "Retain");
  EXPECT_EQ(props(r, "MAliaslive").at("DeploymentPreference").at("StateMachineVersionArn"),
            parse(R"({"Ref":"MVersion"})"));
  EXPECT_FALSE(r.contains("MTickRole"));  // RoleArn given
  EXPECT_EQ(props(r, "MTick").at("Targets").at(0).at("RoleArn"), "arn:aws:iam::1:role/r");
  EXPECT_EQ(type(r, "MTickQueue"), "AWS::SQS::Queue");
  EXPECT_EQ(type(r, "MTickQueuePolicy"), "AWS::SQS::QueuePolicy");
}

TEST(SamStateMachine, EventAndDefinitionErrors) {
  EXPECT_NE(error_of(R"(
Resources:
  M:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: s3://b/flow.json
      Events:
        E: {Type: Schedule, Properties: {Schedule: rate(1 hour), DeadLetterConfig: {Type: SNS}}}
)")
                .find("Event with id [E] is invalid. The only valid value for 'Type' property of "
                      "DeadLetterConfig is 'SQS'."),
            std::string::npos);
  EXPECT_NE(error_of("Resources: {M: {Type: AWS::Serverless::StateMachine, Properties: "
                     "{DefinitionUri: {Bucket: b}}}}")
                .find("'DefinitionUri' requires Bucket and Key properties to be specified."),
            std::string::npos);
}

TEST(SamStateMachine, WithoutDefinitionIsRefused) {
  EXPECT_NE(error_of("Resources: {M: {Type: AWS::Serverless::StateMachine, Properties: {}}}")
                .find("Either 'Definition' or 'DefinitionUri' property must be specified."),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::cfn::sam

namespace nimbus::cfn::sam {
namespace {

using namespace testing;

// SAM's ids: the SAM id + sha1 of the resource as written (checked against
// the translator's own outputs in the conformance corpus).
TEST(SamLayerVersion, HashedIdRetentionAndReferences) {
  auto doc = expand(R"(
Parameters:
  Keep: {Type: String, Default: Delete}
Resources:
  MinimalLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: s3://sam-demo-bucket/layer.zip}
  MyLayer:
    Type: AWS::Serverless::LayerVersion
    DependsOn: MinimalLayer
    Properties:
      ContentUri: s3://bucket/key
      RetentionPolicy: !Ref Keep
      CompatibleRuntimes: [python3.11]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://bucket/key
      Handler: app.handler
      Runtime: python3.11
      Layers: [!Ref MyLayer]
Outputs:
  Layer: {Value: !Ref MyLayer}
)");
  ASSERT_TRUE(doc) << doc.error().message;
  const auto& r = doc->at("Resources").as_object();
  ASSERT_TRUE(r.contains("MinimalLayer0c7f96cce7"));
  EXPECT_EQ(type(r, "MinimalLayer0c7f96cce7"), "AWS::Lambda::LayerVersion");
  EXPECT_EQ(r.at("MinimalLayer0c7f96cce7").at("DeletionPolicy"), "Retain");
  EXPECT_EQ(props(r, "MinimalLayer0c7f96cce7"),
            parse(R"({"Content":{"S3Bucket":"sam-demo-bucket","S3Key":"layer.zip"},
                      "LayerName":"MinimalLayer"})")
                .as_object());
  std::string my;
  for (const auto& [id, res] : r) {
    if (id.starts_with("MyLayer")) my = std::string(id);
  }
  ASSERT_EQ(my.size(), 17u);
  EXPECT_EQ(r.at(my).at("DeletionPolicy"), "Delete");
  EXPECT_EQ(r.at(my).at("DependsOn"), "MinimalLayer0c7f96cce7");
  EXPECT_EQ(props(r, my).at("CompatibleRuntimes"), parse(R"(["python3.11"])"));
  EXPECT_EQ(props(r, "Fn").at("Layers"), parse(R"([{"Ref":")" + my + R"("}])"));
  EXPECT_EQ(doc->at("Outputs").at("Layer").at("Value"), parse(R"({"Ref":")" + my + R"("})"));
}

TEST(SamLayerVersion, BadPropertiesAreRefused) {
  EXPECT_NE(error_of("Resources: {L: {Type: AWS::Serverless::LayerVersion, Properties: {}}}")
                .find("Resource with id [L] is invalid. Missing required property 'ContentUri'."),
            std::string::npos);
  EXPECT_NE(error_of(R"(
Resources:
  L:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: s3://b/k, RetentionPolicy: Keep}
)")
                .find("'RetentionPolicy' must be one of the following options: ['Retain', "
                      "'Delete']."),
            std::string::npos);
  EXPECT_NE(error_of(R"(
Resources:
  L:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: s3://b/k, CompatibleRuntimes: python3.11}
)")
                .find("Property 'CompatibleRuntimes' should be a list."),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::cfn::sam
