// AWS::Serverless::Function: the function, its role and policies, code
// locations, Globals, AutoPublishAlias, URLs, DLQs, invoke configs, errors.
#include "services/cloudformation/sam/test_util.h"

namespace nimbus::cfn::sam {
namespace {

using namespace testing;

TEST(SamFunction, MinimalFunctionAndGeneratedRole) {
  auto r = resources(R"(
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://bucket/code.zip?versionId=v1
      Handler: app.handler
      Runtime: python3.12
      Timeout: 9
      Environment: {Variables: {A: b}}
)");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(type(r, "Fn"), "AWS::Lambda::Function");
  EXPECT_EQ(type(r, "FnRole"), "AWS::IAM::Role");
  const auto& fn = props(r, "Fn");
  EXPECT_EQ(fn.at("Code"),
            parse(R"({"S3Bucket":"bucket","S3Key":"code.zip","S3ObjectVersion":"v1"})"));
  EXPECT_EQ(fn.at("Handler"), "app.handler");
  EXPECT_EQ(fn.at("Timeout"), 9);
  EXPECT_EQ(fn.at("Role"), parse(R"({"Fn::GetAtt":["FnRole","Arn"]})"));
  EXPECT_EQ(fn.at("Tags"), parse(R"([{"Key":"lambda:createdBy","Value":"SAM"}])"));
  EXPECT_EQ(props(r, "FnRole").at("ManagedPolicyArns"),
            parse(R"(["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"])"));
}

TEST(SamFunction, CodeAsObjectOrInline) {
  auto r = resources(R"(
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: {Bucket: b, Key: k}, Handler: h, Runtime: nodejs20.x}
  B:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: "def handler(e, c): return 1", Handler: index.handler, Runtime: python3.12}
)");
  EXPECT_EQ(props(r, "A").at("Code"), parse(R"({"S3Bucket":"b","S3Key":"k"})"));
  EXPECT_EQ(props(r, "B").at("Code"), parse(R"({"ZipFile":"def handler(e, c): return 1"})"));
}

TEST(SamFunction, LocalCodeUriIsRefusedWithSamsMessage) {
  std::string e = error_of(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ./src, Handler: h, Runtime: python3.12}
)");
  EXPECT_EQ(e,
            "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application "
            "Specification document. Number of errors found: 1. Resource with id [Fn] is invalid. "
            "'CodeUri' is not a valid S3 Uri of the form 's3://bucket/key' with optional "
            "versionId query parameter.");
}

TEST(SamFunction, PropertiesAreCheckedAsSamChecksThem) {
  auto refused = [](std::string props) {
    return error_of(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: " + props + "\n");
  };
  EXPECT_NE(refused("{CodeUri: s3://b/k, Handler: h}")
                .find("Runtime and Handler needs to be present when PackageType is of type `Zip`"),
            std::string::npos);
  EXPECT_NE(refused("{PackageType: Image}").find("'ImageUri' must be set."), std::string::npos);
  EXPECT_NE(refused("{CodeUri: s3://b/k, Handler: h, Runtime: r, AutoPublishAlias: 'a*b'}")
                .find("AutoPublishAlias name ('a*b') must contain only alphanumeric characters"),
            std::string::npos);
  EXPECT_NE(refused("{CodeUri: s3://b/k, Handler: h, Runtime: r, ProvisionedConcurrencyConfig: "
                    "{ProvisionedConcurrentExecutions: 1}}")
                .find("To set ProvisionedConcurrencyConfig AutoPublishALias must be defined"),
            std::string::npos);
  EXPECT_NE(refused("{CodeUri: s3://b/k, Handler: h, Runtime: r, Role: [a]}")
                .find("Property 'Role' should be a string."),
            std::string::npos);
  EXPECT_NE(refused("{CodeUri: s3://b/k, Handler: h, Runtime: r, FunctionUrlConfig: {}}")
                .find("AuthType is required to configure function property `FunctionUrlConfig`."),
            std::string::npos);
}

TEST(SamFunction, PoliciesManagedInlineAndTemplates) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Policies:
        - AmazonDynamoDBFullAccess
        - AmazonDynamoDBFullAccess
        - AWSLambdaRole
        - arn:aws:iam::123456789012:policy/Mine
        - Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]
        - SQSPollerPolicy: {QueueName: q1}
        - DynamoDBCrudPolicy: {TableName: !Ref Table}
)");
  const auto& role = props(r, "FnRole");
  EXPECT_EQ(role.at("ManagedPolicyArns"),
            parse(R"(["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                      "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
                      "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
                      "arn:aws:iam::123456789012:policy/Mine"])"));
  const auto& policies = role.at("Policies").as_array();
  ASSERT_EQ(policies.size(), 3u);
  EXPECT_EQ(policies[0].at("PolicyName"), "FnRolePolicy4");
  EXPECT_EQ(policies[1].at("PolicyName"), "FnRolePolicy5");
  const auto& poller = policies[1].at("PolicyDocument").at("Statement").at(0);
  EXPECT_EQ(poller.at("Action").at(0), "sqs:ChangeMessageVisibility");
  EXPECT_EQ(poller.at("Resource").at("Fn::Sub").at(1), parse(R"({"queueName":"q1"})"));
  const auto& crud = policies[2].at("PolicyDocument").at("Statement").at(0);
  EXPECT_EQ(crud.at("Resource").at(0).at("Fn::Sub").at(1),
            parse(R"({"tableName":{"Ref":"Table"}})"));
}

TEST(SamFunction, EveryNamedPolicyTemplateExpands) {
  for (std::string t :
       {"SQSPollerPolicy: {QueueName: q}", "DynamoDBCrudPolicy: {TableName: t}",
        "S3ReadPolicy: {BucketName: b}", "SNSPublishMessagePolicy: {TopicName: t}",
        "SQSSendMessagePolicy: {QueueName: q}", "DynamoDBReadPolicy: {TableName: t}",
        "LambdaInvokePolicy: {FunctionName: f}",
        "StepFunctionsExecutionPolicy: {StateMachineName: s}"}) {
    auto out = expand(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, Policies: [{)" +
                      t + "}]}\n");
    ASSERT_TRUE(out) << t << ": " << out.error().message;
    const auto& doc = out->at("Resources").at("FnRole").at("Properties").at("Policies").at(0);
    EXPECT_FALSE(doc.at("PolicyDocument").at("Statement").as_array().empty()) << t;
  }
}

TEST(SamFunction, PolicyTemplateErrors) {
  EXPECT_NE(error_of(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, Policies: [{LambdaInvokePolicy: {}}]}
)")
                .find("Following required parameters of template 'LambdaInvokePolicy' don't "
                      "have values: ['FunctionName']"),
            std::string::npos);
  EXPECT_NE(error_of(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, Policies: [AWSLambdaRole, {NoSuchPolicy: {}}]}
)")
                .find("Policy at index 1 in the 'Policies' property is not valid"),
            std::string::npos);
}

TEST(SamFunction, GlobalsMergeMapsListsAndScalars) {
  auto r = resources(R"(
Globals:
  Function:
    Runtime: python3.12
    Handler: g.handler
    Timeout: 30
    Environment: {Variables: {A: global, B: global}}
    Layers: [layer-a]
    Tags: {team: x}
Resources:
  Plain:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k}
  Own:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Timeout: 5
      Environment: {Variables: {B: own}}
      Layers: [layer-b]
  Ignoring:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [Timeout]
    Properties: {CodeUri: s3://b/k}
)");
  EXPECT_EQ(props(r, "Plain").at("Timeout"), 30);
  EXPECT_EQ(props(r, "Plain").at("Handler"), "g.handler");
  EXPECT_EQ(props(r, "Own").at("Timeout"), 5);
  EXPECT_EQ(props(r, "Own").at("Environment"), parse(R"({"Variables":{"A":"global","B":"own"}})"));
  EXPECT_EQ(props(r, "Own").at("Layers"), parse(R"(["layer-a","layer-b"])"));
  EXPECT_EQ(props(r, "Own").at("Tags").at(1), parse(R"({"Key":"team","Value":"x"})"));
  EXPECT_FALSE(props(r, "Ignoring").contains("Timeout"));
}

TEST(SamFunction, GlobalsErrors) {
  EXPECT_NE(error_of("Globals: {Nope: {}}\nResources: {A: {Type: AWS::SQS::Queue}}")
                .find("'Globals' section is invalid. 'Nope' is not supported."),
            std::string::npos);
  EXPECT_NE(error_of("Globals: {Function: {Events: {}}}\nResources: {A: {Type: AWS::SQS::Queue}}")
                .find("'Events' is not a supported property of 'Function'."),
            std::string::npos);
  EXPECT_NE(error_of("Globals: []\nResources: {A: {Type: AWS::SQS::Queue}}")
                .find("It must be a non-empty dictionary"),
            std::string::npos);
}

TEST(SamFunction, AutoPublishAliasMakesVersionAndAlias) {
  const char* tmpl = R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/%s, Handler: h, Runtime: python3.12, AutoPublishAlias: live,
                 VersionDescription: d, ProvisionedConcurrencyConfig: {ProvisionedConcurrentExecutions: 2}}
)";
  char a[512], b[512];
  std::snprintf(a, sizeof a, tmpl, "v1.zip");
  std::snprintf(b, sizeof b, tmpl, "v2.zip");
  auto r1 = resources(a);
  auto r2 = resources(b);
  std::string version1, version2;
  for (const auto& [id, res] : r1) {
    if (res.at("Type") == "AWS::Lambda::Version") version1 = id;
  }
  for (const auto& [id, res] : r2) {
    if (res.at("Type") == "AWS::Lambda::Version") version2 = id;
  }
  ASSERT_TRUE(version1.starts_with("FnVersion")) << version1;
  EXPECT_EQ(version1.size(), std::string("FnVersion").size() + 10);
  EXPECT_NE(version1, version2);  // new code, new version
  EXPECT_EQ(r1.at(version1).at("DeletionPolicy"), "Retain");
  EXPECT_EQ(props(r1, version1).at("Description"), "d");
  const auto& alias = props(r1, "FnAliaslive");
  EXPECT_EQ(alias.at("Name"), "live");
  EXPECT_EQ(alias.at("FunctionVersion").at("Fn::GetAtt").at(0), version1.c_str());
  EXPECT_TRUE(alias.contains("ProvisionedConcurrencyConfig"));
}

TEST(SamFunction, AliasIdsSpellUnderscoresAndDashes) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, AutoPublishAlias: my_live-1}
)");
  EXPECT_EQ(type(r, "FnAliasmyUliveD1"), "AWS::Lambda::Alias");
  EXPECT_EQ(props(r, "FnAliasmyUliveD1").at("Name"), "my_live-1");
}

TEST(SamFunction, ResourceReferencesResolveInRefGetAttAndSub) {
  auto out = expand(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, AutoPublishAlias: live}
  Plain:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12}
  Q:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !GetAtt Fn.Alias.Name}
Outputs:
  AliasArn: {Value: !Ref Fn.Alias}
  VersionNumber: {Value: !GetAtt [Fn.Version, Version]}
  InSub: {Value: !Sub "${Fn.Alias} ${Fn.Alias.Name} ${Other}"}
  Unresolved: {Value: !Ref Plain.Alias}
)");
  ASSERT_TRUE(out) << out.error().message;
  const auto& outputs = out->at("Outputs");
  EXPECT_EQ(outputs.at("AliasArn").at("Value"), parse(R"({"Ref":"FnAliaslive"})"));
  std::string version =
      std::string(outputs.at("VersionNumber").at("Value").at("Fn::GetAtt").at(0).as_string());
  EXPECT_TRUE(version.starts_with("FnVersion")) << version;
  EXPECT_TRUE(out->at("Resources").as_object().contains(version));
  EXPECT_EQ(outputs.at("InSub").at("Value"),
            parse(R"({"Fn::Sub":"${FnAliaslive} ${FnAliaslive.Name} ${Other}"})"));
  EXPECT_EQ(outputs.at("Unresolved").at("Value"), parse(R"({"Ref":"Plain.Alias"})"));
  EXPECT_EQ(out->at("Resources").at("Q").at("Properties").at("QueueName"),
            parse(R"({"Fn::GetAtt":["FnAliaslive","Name"]})"));
}

TEST(SamFunction, DeadLetterQueueUrlReservedConcurrencyAndInvokeConfig) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      ReservedConcurrentExecutions: 3
      DeadLetterQueue: {Type: SQS, TargetArn: arn:aws:sqs:us-east-1:000000000000:dlq}
      FunctionUrlConfig: {AuthType: NONE}
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig: {OnFailure: {Type: SQS}}
)");
  const auto& fn = props(r, "Fn");
  EXPECT_EQ(fn.at("ReservedConcurrentExecutions"), 3);
  EXPECT_EQ(fn.at("DeadLetterConfig").at("TargetArn"), "arn:aws:sqs:us-east-1:000000000000:dlq");
  EXPECT_EQ(type(r, "FnUrl"), "AWS::Lambda::Url");
  EXPECT_EQ(props(r, "FnUrl").at("TargetFunctionArn"), parse(R"({"Ref":"Fn"})"));
  EXPECT_EQ(type(r, "FnUrlPublicPermissions"), "AWS::Lambda::Permission");
  EXPECT_EQ(type(r, "FnURLInvokeAllowPublicAccess"), "AWS::Lambda::Permission");
  EXPECT_EQ(type(r, "FnEventInvokeConfig"), "AWS::Lambda::EventInvokeConfig");
  EXPECT_EQ(type(r, "FnEventInvokeConfigOnFailureQueue"), "AWS::SQS::Queue");
  EXPECT_EQ(props(r, "FnEventInvokeConfig").at("Qualifier"), "$LATEST");
  const auto& policies = props(r, "FnRole").at("Policies").as_array();
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0].at("PolicyName"), "DeadLetterQueuePolicy");
  EXPECT_EQ(policies[1].at("PolicyName"), "FnEventInvokeConfigOnFailureSQSPolicy");
}

// A destination given as !If [C, ARN, !Ref AWS::NoValue] makes the queue
// only when C does not hold (SAM's NOT condition, named after the config),
// and !Ref Fn.DestinationTopic names the topic made for the other.
TEST(SamFunction, ConditionalInvokeConfigDestinations) {
  auto out = expand(R"(
Transform: AWS::Serverless-2016-10-31
Conditions:
  HaveQueue: !Equals [a, b]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess: {Type: SQS, Destination: !If [HaveQueue, some-arn, !Ref AWS::NoValue]}
          OnFailure: {Type: SNS}
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {Protocol: email, Endpoint: a@example.com, TopicArn: !Ref Fn.DestinationTopic}
)");
  ASSERT_TRUE(out);
  // sha1("FnEventInvokeConfig"), as SAM's LogicalIdGenerator hashes it.
  std::string made_when = "NOTHaveQueueef6eca6cf7";
  EXPECT_EQ(out->at("Conditions").at(made_when),
            parse(R"({"Fn::Not": [{"Condition": "HaveQueue"}]})"));
  const auto& r = out->at("Resources").as_object();
  EXPECT_EQ(r.at("FnEventInvokeConfigOnSuccessQueue").at("Condition"), json::value(made_when));
  EXPECT_EQ(
      props(r, "FnEventInvokeConfig").at("DestinationConfig").at("OnSuccess"),
      parse(R"({"Destination": {"Fn::If": [")" + made_when +
            R"(", {"Fn::GetAtt": ["FnEventInvokeConfigOnSuccessQueue", "Arn"]}, "some-arn"]}})"));
  EXPECT_EQ(props(r, "Sub").at("TopicArn"),
            parse(R"({"Ref": "FnEventInvokeConfigOnFailureTopic"})"));
}

TEST(SamFunction, GivenRoleIsUsedAndNoRoleGenerated) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Condition: Yes
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, Role: arn:aws:iam::1:role/r}
)");
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(props(r, "Fn").at("Role"), "arn:aws:iam::1:role/r");
  EXPECT_EQ(r.at("Fn").at("Condition"), "Yes");
}

TEST(SamFunction, ConditionalRoleIsMadeWhenTheArnIsNotGiven) {
  auto out = expand(R"(
Conditions: {HasRole: !Not [!Equals ["", !Ref RoleArn]]}
Parameters: {RoleArn: {Type: String, Default: ""}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Role: !If [HasRole, !Ref RoleArn, !Ref AWS::NoValue]
)");
  ASSERT_TRUE(out) << out.error().message;
  const auto& r = out->at("Resources").as_object();
  EXPECT_EQ(r.at("FnRole").at("Condition"), "NOTHasRole");
  EXPECT_EQ(out->at("Conditions").at("NOTHasRole"),
            parse(R"({"Fn::Not":[{"Condition":"HasRole"}]})"));
  EXPECT_EQ(props(r, "Fn").at("Role"),
            parse(R"({"Fn::If":["HasRole",{"Ref":"RoleArn"},{"Fn::GetAtt":["FnRole","Arn"]}]})"));
}

TEST(SamFunction, TracingAddsXrayUnlessDisabledAndUnknownPolicyNamesPassThrough) {
  auto r = resources(R"(
Parameters: {Mode: {Type: String, Default: Disabled}}
Resources:
  On:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, Tracing: PassThrough}
  Off:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, Tracing: !Ref Mode,
                 Policies: [MyOwnPolicy, AmazonS3ReadOnlyAccess]}
  Empty:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12, Tracing: null}
)");
  EXPECT_EQ(props(r, "EmptyRole").at("ManagedPolicyArns").as_array().size(), 1u);
  EXPECT_EQ(props(r, "OnRole").at("ManagedPolicyArns").at(1),
            "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess");
  EXPECT_EQ(props(r, "On").at("TracingConfig"), parse(R"({"Mode":"PassThrough"})"));
  EXPECT_EQ(props(r, "OffRole").at("ManagedPolicyArns"),
            parse(R"(["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                      "MyOwnPolicy", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])"));
}

TEST(SamFunction, UnsupportedSamTypesAreRefused) {
  EXPECT_NE(error_of("Resources: {A: {Type: AWS::Serverless::Application, Properties: {}}}")
                .find("Resource with id [A] is invalid."),
            std::string::npos);
}

TEST(SamFunction, TransformAndGlobalsAreRemovedAndOtherSectionsKept) {
  auto out = expand(R"(
Transform: AWS::Serverless-2016-10-31
Globals: {Function: {Runtime: python3.12}}
Parameters: {P: {Type: String}}
Outputs: {O: {Value: !Ref Q}}
Resources: {Q: {Type: AWS::SQS::Queue}}
)");
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->contains("Transform"));
  EXPECT_FALSE(out->contains("Globals"));
  EXPECT_TRUE(out->contains("Parameters"));
  EXPECT_TRUE(out->contains("Outputs"));
  EXPECT_EQ(out->at("Resources").at("Q"), parse(R"({"Type":"AWS::SQS::Queue"})"));
}

}  // namespace
}  // namespace nimbus::cfn::sam
