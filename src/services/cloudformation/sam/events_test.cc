// A function's Events: each event type becomes the resources that deliver
// it, named as SAM names them, with the role policies pollers need.
#include "services/cloudformation/sam/test_util.h"

namespace nimbus::cfn::sam {
namespace {

using namespace testing;

std::string with_events(std::string_view events, std::string_view more = "") {
  return R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
)" + std::string(events) +
         std::string(more);
}

// Events are taken in id order (D, K, Q here), as SAM takes them.
TEST(SamEvents, PollersBecomeEventSourceMappingsAndRolePolicies) {
  auto r = resources(with_events(R"(
        Q: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn, BatchSize: 5, Enabled: false}}
        K: {Type: Kinesis, Properties: {Stream: arn:aws:kinesis:us-east-1:1:stream/s, StartingPosition: LATEST}}
        D: {Type: DynamoDB, Properties: {Stream: arn:aws:dynamodb:us-east-1:1:table/t/stream/x, StartingPosition: TRIM_HORIZON}}
)",
                                 "  Queue: {Type: AWS::SQS::Queue}\n"));
  EXPECT_EQ(type(r, "FnQ"), "AWS::Lambda::EventSourceMapping");
  EXPECT_EQ(props(r, "FnQ").at("EventSourceArn"), parse(R"({"Fn::GetAtt":["Queue","Arn"]})"));
  EXPECT_EQ(props(r, "FnQ").at("BatchSize"), 5);
  EXPECT_EQ(props(r, "FnQ").at("Enabled"), false);
  EXPECT_EQ(props(r, "FnQ").at("FunctionName"), parse(R"({"Ref":"Fn"})"));
  EXPECT_EQ(props(r, "FnK").at("StartingPosition"), "LATEST");
  EXPECT_EQ(type(r, "FnD"), "AWS::Lambda::EventSourceMapping");
  EXPECT_EQ(props(r, "FnRole").at("ManagedPolicyArns"),
            parse(R"(["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                      "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
                      "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole",
                      "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"])"));
  EXPECT_EQ(type(r, "Queue"), "AWS::SQS::Queue");
}

TEST(SamEvents, StreamWithoutStartingPositionIsRefused) {
  EXPECT_NE(error_of(with_events("        K: {Type: Kinesis, Properties: {Stream: arn}}\n"))
                .find("Resource with id [Fn] is invalid. Event with id [K] is invalid. Missing "
                      "required property 'StartingPosition'."),
            std::string::npos);
}

TEST(SamEvents, SnsSubscriptionAndPermission) {
  auto r = resources(with_events("        T: {Type: SNS, Properties: {Topic: !Ref Topic}}\n",
                                 "  Topic: {Type: AWS::SNS::Topic}\n"));
  EXPECT_EQ(
      props(r, "FnT"),
      parse(
          R"({"Endpoint":{"Fn::GetAtt":["Fn","Arn"]},"Protocol":"lambda","TopicArn":{"Ref":"Topic"}})")
          .as_object());
  EXPECT_EQ(props(r, "FnTPermission").at("Principal"), "sns.amazonaws.com");
  EXPECT_EQ(props(r, "FnTPermission").at("SourceArn"), parse(R"({"Ref":"Topic"})"));
}

TEST(SamEvents, S3NotificationOnTheBucketAndPermission) {
  auto r = resources(with_events(
      "        Up: {Type: S3, Properties: {Bucket: !Ref Bucket, Events: [s3:ObjectCreated:*, "
      "s3:ObjectRemoved:*], Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}]}}}}\n",
      "  Bucket: {Type: AWS::S3::Bucket, Properties: {BucketName: b1}}\n"));
  const auto& bucket = r.at("Bucket").as_object();
  EXPECT_EQ(bucket.at("DependsOn"), parse(R"(["FnUpPermission"])"));
  EXPECT_EQ(bucket.at("Properties").at("BucketName"), "b1");
  const auto& configs =
      bucket.at("Properties").at("NotificationConfiguration").at("LambdaConfigurations").as_array();
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[1].at("Event"), "s3:ObjectRemoved:*");
  EXPECT_EQ(configs[0].at("Function"), parse(R"({"Fn::GetAtt":["Fn","Arn"]})"));
  EXPECT_TRUE(configs[0].as_object().contains("Filter"));
  EXPECT_EQ(props(r, "FnUpPermission").at("SourceAccount"), parse(R"({"Ref":"AWS::AccountId"})"));
}

TEST(SamEvents, S3EventMustNameABucketOfTheTemplate) {
  EXPECT_NE(error_of(with_events("        Up: {Type: S3, Properties: {Bucket: some-bucket, Events: "
                                 "s3:ObjectCreated:*}}\n"))
                .find("S3 events must reference an S3 bucket in the same template."),
            std::string::npos);
}

TEST(SamEvents, SchedulesAndRulesBecomeEventsRules) {
  auto r = resources(with_events(R"(
        Tick: {Type: Schedule, Properties: {Schedule: rate(1 minute), Enabled: false, Input: '{"a":1}'}}
        Cw: {Type: CloudWatchEvent, Properties: {Pattern: {source: [x]}}}
        Eb: {Type: EventBridgeRule, Properties: {Pattern: {source: [y]}, EventBusName: bus}}
)"));
  const auto& tick = props(r, "FnTick");
  EXPECT_EQ(type(r, "FnTick"), "AWS::Events::Rule");
  EXPECT_EQ(tick.at("ScheduleExpression"), "rate(1 minute)");
  EXPECT_EQ(tick.at("State"), "DISABLED");
  EXPECT_EQ(
      tick.at("Targets"),
      parse(
          R"([{"Arn":{"Fn::GetAtt":["Fn","Arn"]},"Id":"FnTickLambdaTarget","Input":"{\"a\":1}"}])"));
  EXPECT_EQ(props(r, "FnTickPermission").at("SourceArn"),
            parse(R"({"Fn::GetAtt":["FnTick","Arn"]})"));
  EXPECT_EQ(props(r, "FnCw").at("EventPattern"), parse(R"({"source":["x"]})"));
  EXPECT_EQ(props(r, "FnEb").at("EventBusName"), "bus");
  EXPECT_EQ(type(r, "FnEbPermission"), "AWS::Lambda::Permission");
}

TEST(SamEvents, ScheduleV2BecomesASchedulerScheduleWithItsRole) {
  auto r = resources(with_events(
      "        V2: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(5 minutes)}}\n"));
  EXPECT_EQ(type(r, "FnV2"), "AWS::Scheduler::Schedule");
  EXPECT_EQ(props(r, "FnV2").at("Name"), "FnV2");
  EXPECT_EQ(props(r, "FnV2").at("FlexibleTimeWindow"), parse(R"({"Mode":"OFF"})"));
  EXPECT_EQ(props(r, "FnV2").at("Target").at("RoleArn"),
            parse(R"({"Fn::GetAtt":["FnV2Role","Arn"]})"));
  EXPECT_EQ(type(r, "FnV2Role"), "AWS::IAM::Role");
}

TEST(SamEvents, AliasIsWhatEventsInvoke) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      AutoPublishAlias: live
      Events:
        Q: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:1:q}}
        T: {Type: Schedule, Properties: {Schedule: rate(1 minute)}}
)");
  EXPECT_EQ(props(r, "FnQ").at("FunctionName"), parse(R"({"Ref":"FnAliaslive"})"));
  EXPECT_EQ(props(r, "FnT").at("Targets").at(0).at("Arn"), parse(R"({"Ref":"FnAliaslive"})"));
}

TEST(SamEvents, EventConditionIsCarried) {
  auto r =
      resources(with_events("        Q: {Type: SQS, Condition: IsProd, Properties: {Queue: "
                            "arn:aws:sqs:us-east-1:1:q}}\n"));
  EXPECT_EQ(r.at("FnQ").at("Condition"), "IsProd");
  EXPECT_FALSE(r.at("Fn").as_object().contains("Condition"));
}

TEST(SamEvents, BrokerAndKafkaSourcesBecomeMappingsWithTheirRoleStatements) {
  auto r = resources(with_events(R"(
        Msk: {Type: MSK, Properties: {Stream: arn:msk, Topics: [t], StartingPosition: LATEST, ConsumerGroupId: g}}
        Mq: {Type: MQ, Properties: {Broker: arn:mq, Queues: [q], SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: arn:secret}]}}
        Kafka: {Type: SelfManagedKafka, Properties: {KafkaBootstrapServers: ["h:9092"], Topics: [t], SourceAccessConfigurations: [{Type: SASL_SCRAM_512_AUTH, URI: arn:s2}, {Type: VPC_SUBNET, URI: "subnet:x"}, {Type: VPC_SECURITY_GROUP, URI: "security_group:y"}]}}
)"));
  EXPECT_EQ(props(r, "FnMsk").at("EventSourceArn"), "arn:msk");
  EXPECT_EQ(props(r, "FnMsk").at("AmazonManagedKafkaEventSourceConfig"),
            parse(R"({"ConsumerGroupId":"g"})"));
  EXPECT_EQ(props(r, "FnMq").at("EventSourceArn"), "arn:mq");
  EXPECT_EQ(props(r, "FnKafka").at("SelfManagedEventSource"),
            parse(R"({"Endpoints":{"KafkaBootstrapServers":["h:9092"]}})"));
  const auto& role = props(r, "FnRole");
  EXPECT_EQ(role.at("ManagedPolicyArns").at(1),
            "arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole");
  const auto& policies = role.at("Policies").as_array();
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0].at("PolicyName"), "SelfManagedKafkaExecutionRolePolicy");
  EXPECT_EQ(policies[0].at("PolicyDocument").at("Statement").as_array().size(),
            2u);  // secret, ENIs
  EXPECT_EQ(policies[1].at("PolicyName"), "SamAutoGeneratedAMQPolicy");
}

TEST(SamEvents, BrokerSourcesAreCheckedAsSamChecksThem) {
  EXPECT_NE(
      error_of(with_events("        Mq: {Type: MQ, Properties: {Broker: arn:mq, Queues: [q]}}\n"))
          .find("Event with id [Mq] is invalid. No SourceAccessConfigurations for Amazon MQ "
                "event provided."),
      std::string::npos);
  EXPECT_NE(error_of(with_events("        K: {Type: SelfManagedKafka, Properties: "
                                 "{KafkaBootstrapServers: [h], SourceAccessConfigurations: []}}\n"))
                .find("No Topics provided for self managed kafka as an event source"),
            std::string::npos);
}

TEST(SamEvents, SnsThroughAQueue) {
  auto r = resources(with_events(
      "        T: {Type: SNS, Properties: {Topic: !Ref Topic, SqsSubscription: true}}\n",
      "  Topic: {Type: AWS::SNS::Topic}\n"));
  EXPECT_EQ(type(r, "FnTQueue"), "AWS::SQS::Queue");
  EXPECT_EQ(type(r, "FnTQueuePolicy"), "AWS::SQS::QueuePolicy");
  EXPECT_EQ(props(r, "FnT").at("Protocol"), "sqs");
  EXPECT_EQ(props(r, "FnT").at("Endpoint"), parse(R"({"Fn::GetAtt":["FnTQueue","Arn"]})"));
  EXPECT_EQ(props(r, "FnTEventSourceMapping").at("BatchSize"), 10);
  EXPECT_FALSE(r.contains("FnTPermission"));
}

TEST(SamEvents, RuleDeadLetterQueueIsMadeWhenOnlyTypeIsGiven) {
  auto r =
      resources(with_events("        S: {Type: Schedule, Properties: {Schedule: rate(1 minute), "
                            "DeadLetterConfig: {Type: SQS}}}\n"));
  EXPECT_EQ(type(r, "FnSQueue"), "AWS::SQS::Queue");
  EXPECT_EQ(type(r, "FnSQueuePolicy"), "AWS::SQS::QueuePolicy");
  EXPECT_EQ(props(r, "FnS").at("Targets").at(0).at("DeadLetterConfig"),
            parse(R"({"Arn":{"Fn::GetAtt":["FnSQueue","Arn"]}})"));
}

TEST(SamEvents, AlexaSkillIsAPermission) {
  auto r = resources(
      with_events("        Skill: {Type: AlexaSkill, Properties: {SkillId: amzn1.ask.skill.1}}\n"));
  EXPECT_EQ(props(r, "FnSkillPermission").at("Principal"), "alexa-appkit.amazon.com");
  EXPECT_EQ(props(r, "FnSkillPermission").at("EventSourceToken"), "amzn1.ask.skill.1");
}

TEST(SamEvents, UnknownEventTypeIsRefused) {
  EXPECT_NE(error_of(with_events("        X: {Type: Carrier, Properties: {}}\n"))
                .find("Event with id [X] is invalid. Type 'Carrier' is not supported."),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::cfn::sam
