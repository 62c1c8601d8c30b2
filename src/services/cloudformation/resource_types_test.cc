// The policy, OIDC provider, bus, connection, API destination, group and stream types: a stack
// creates them through IAM's, SNS's, EventBridge's, Scheduler's, Kinesis's and Firehose's own
// operations with AWS's Ref and Fn::GetAtt, updates them in place and deletes them with the stack.
#include <gtest/gtest.h>

#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/test_stack.h"
#include "services/events/events_service.h"
#include "services/firehose/firehose_service.h"
#include "services/iam/iam_service.h"
#include "services/kinesis/kinesis_service.h"
#include "services/s3/s3_service.h"
#include "services/scheduler/scheduler_service.h"
#include "services/sns/sns_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

constexpr const char* kTypesTemplate = R"(
Parameters:
  Retention: {Type: Number, Default: 24}
  Prefix: {Type: String, Default: raw/}
  Statement: {Type: String, Default: sns:Publish}
Resources:
  Topic: {Type: AWS::SNS::Topic}
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: !Ref Statement, Resource: !Ref Topic}]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: firehose.amazonaws.com}, Action: sts:AssumeRole}]
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: write
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: !Ref Statement, Resource: "*"}]}
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: !Ref Statement, Resource: "*"}]}
  Idp:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.example.com
      ClientIdList: [sts.amazonaws.com, !Ref Prefix]
      ThumbprintList: [9e99a48a9960b14926bb7f3b02e22da2b0ab7280]
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: orders}
  Connection:
    Type: AWS::Events::Connection
    Properties:
      Description: !Ref Statement
      AuthorizationType: API_KEY
      AuthParameters: {ApiKeyAuthParameters: {ApiKeyName: x-api-key, ApiKeyValue: k1}}
  Destination:
    Type: AWS::Events::ApiDestination
    Properties:
      ConnectionArn: !GetAtt Connection.Arn
      InvocationEndpoint: https://example.com/hooks/*
      HttpMethod: POST
      Description: !Ref Statement
  Group:
    Type: AWS::Scheduler::ScheduleGroup
    Properties: {Tags: [{Key: team, Value: !Ref Statement}]}
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 2, RetentionPeriodHours: !Ref Retention}
  Bucket: {Type: AWS::S3::Bucket}
  Delivery:
    Type: AWS::KinesisFirehose::DeliveryStream
    Properties:
      DeliveryStreamType: KinesisStreamAsSource
      KinesisStreamSourceConfiguration: {KinesisStreamARN: !GetAtt Stream.Arn, RoleARN: !GetAtt Role.Arn}
      ExtendedS3DestinationConfiguration:
        BucketARN: !GetAtt Bucket.Arn
        RoleARN: !GetAtt Role.Arn
        Prefix: !Ref Prefix
Outputs:
  TopicPolicyId: {Value: !GetAtt TopicPolicy.Id}
  InlineRef: {Value: !Ref Inline}
  ManagedRef: {Value: !Ref Managed}
  ManagedArn: {Value: !GetAtt Managed.PolicyArn}
  IdpRef: {Value: !Ref Idp}
  IdpArn: {Value: !GetAtt Idp.Arn}
  BusRef: {Value: !Ref Bus}
  BusArn: {Value: !GetAtt Bus.Arn}
  ConnectionArn: {Value: !GetAtt Connection.Arn}
  DestinationArn: {Value: !GetAtt Destination.Arn}
  GroupRef: {Value: !Ref Group}
  GroupArn: {Value: !GetAtt Group.Arn}
  StreamRef: {Value: !Ref Stream}
  StreamArn: {Value: !GetAtt Stream.Arn}
  DeliveryRef: {Value: !Ref Delivery}
  DeliveryArn: {Value: !GetAtt Delivery.Arn}
)";

class ResourceTypesTest : public StackTest {
 protected:
  ResourceTypesTest()
      : StackTest(
            {build<iam::IamService>(), build<sns::SnsService>(),
             build<eventbridge::EventsService>(), build<kinesis::KinesisService>(),
             [](Environment& env) { return std::make_unique<scheduler::SchedulerService>(env); },
             [this](Environment& env) {
               auto s = std::make_unique<s3::S3Service>(env);
               s3 = s.get();
               return s;
             },
             [this](Environment& env) {
               return std::make_unique<firehose::FirehoseService>(env, &s3->writer());
             },
             [this](Environment& env) {
               return std::make_unique<CloudFormationService>(env, calls.get());
             }}) {}
  Service* main_service() override { return services.size() > 7 ? services[7].get() : nullptr; }

  json::array params(std::string retention, std::string prefix, std::string statement) {
    return {json::object{{"ParameterKey", "Retention"}, {"ParameterValue", retention}},
            json::object{{"ParameterKey", "Prefix"}, {"ParameterValue", prefix}},
            json::object{{"ParameterKey", "Statement"}, {"ParameterValue", statement}}};
  }
  std::string topic_policy(const std::string& topic) {
    auto a = other("sns", "GetTopicAttributes", {{"TopicArn", topic}});
    return a ? s(a->at("Attributes").at("Policy")) : a.error().code;
  }

  s3::S3Service* s3 = nullptr;
};

TEST_F(ResourceTypesTest, CreateUpdateDelete) {
  call("CreateStack", {{"StackName", "types"},
                       {"TemplateBody", kTypesTemplate},
                       {"Capabilities", json::array{"CAPABILITY_IAM"}}});
  ASSERT_EQ(settled("types"), "CREATE_COMPLETE") << reasons("types");
  auto out = outputs("types");
  const std::string arn = "arn:aws:";
  EXPECT_EQ(out.at("BusRef"), "orders");
  const std::string idp = "arn:aws:iam::000000000000:oidc-provider/token.example.com";
  EXPECT_EQ(s(out.at("IdpRef")), idp);
  EXPECT_EQ(s(out.at("IdpArn")), idp);
  EXPECT_EQ(out.at("BusArn"), "arn:aws:events:us-east-1:000000000000:event-bus/orders");
  EXPECT_EQ(s(out.at("GroupArn")),
            "arn:aws:scheduler:us-east-1:000000000000:schedule-group/" + s(out.at("GroupRef")));
  EXPECT_EQ(s(out.at("StreamArn")),
            "arn:aws:kinesis:us-east-1:000000000000:stream/" + s(out.at("StreamRef")));
  EXPECT_EQ(s(out.at("DeliveryArn")),
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/" + s(out.at("DeliveryRef")));
  EXPECT_TRUE(
      s(out.at("ConnectionArn"))
          .starts_with("arn:aws:events:us-east-1:000000000000:connection/types-Connection-"));
  EXPECT_TRUE(s(out.at("DestinationArn"))
                  .starts_with("arn:aws:events:us-east-1:000000000000:api-destination/"));
  EXPECT_EQ(out.at("ManagedRef"), out.at("ManagedArn"));
  EXPECT_TRUE(
      s(out.at("ManagedArn")).starts_with("arn:aws:iam::000000000000:policy/types-Managed-"));
  EXPECT_TRUE(s(out.at("InlineRef")).starts_with("types-Inline-"));
  EXPECT_EQ(out.at("TopicPolicyId"), out.at("TopicPolicyId"));

  // What the services hold.
  auto res = call("DescribeStackResources", {{"StackName", "types"}});
  std::map<std::string, std::string> physical;
  for (const auto& r : res.at("StackResources").as_array())
    physical[s(r.at("LogicalResourceId"))] = s(r.at("PhysicalResourceId"));
  EXPECT_NE(topic_policy(physical["Topic"]).find("events.amazonaws.com"), std::string::npos);
  auto inline_doc =
      other("iam", "GetRolePolicy", {{"RoleName", physical["Role"]}, {"PolicyName", "write"}});
  ASSERT_TRUE(inline_doc);
  EXPECT_NE(s(inline_doc->at("PolicyDocument")).find("sns"), std::string::npos);
  auto attached = other("iam", "ListAttachedRolePolicies", {{"RoleName", physical["Role"]}});
  ASSERT_TRUE(attached);
  EXPECT_EQ(attached->at("AttachedPolicies").as_array().size(), 1u);
  auto stream = other("kinesis", "DescribeStreamSummary", {{"StreamName", physical["Stream"]}});
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->at("StreamDescriptionSummary").at("OpenShardCount"), 2);

  // In place: retention, the destination's prefix, the documents, the tags.
  call("UpdateStack", {{"StackName", "types"},
                       {"TemplateBody", kTypesTemplate},
                       {"Capabilities", json::array{"CAPABILITY_IAM"}},
                       {"Parameters", params("48", "cooked/", "sqs:SendMessage")}});
  ASSERT_EQ(settled("types"), "UPDATE_COMPLETE") << reasons("types");
  EXPECT_EQ(outputs("types").at("StreamRef"), out.at("StreamRef"));
  stream = other("kinesis", "DescribeStreamSummary", {{"StreamName", physical["Stream"]}});
  EXPECT_EQ(stream->at("StreamDescriptionSummary").at("RetentionPeriodHours"), 48);
  auto delivery =
      other("firehose", "DescribeDeliveryStream", {{"DeliveryStreamName", physical["Delivery"]}});
  ASSERT_TRUE(delivery);
  EXPECT_NE(json::serialize(delivery->at("DeliveryStreamDescription")).find("cooked/"),
            std::string::npos);
  EXPECT_NE(topic_policy(physical["Topic"]).find("sqs:SendMessage"), std::string::npos);
  auto destination = other("events", "DescribeApiDestination", {{"Name", physical["Destination"]}});
  ASSERT_TRUE(destination);
  EXPECT_EQ(s(destination->at("Description")), "sqs:SendMessage");
  EXPECT_EQ(s(destination->at("ConnectionArn")), s(out.at("ConnectionArn")));
  auto policy = other("iam", "GetPolicy", {{"PolicyArn", physical["Managed"]}});
  EXPECT_EQ(s(policy->at("Policy").at("DefaultVersionId")), "v2");
  auto provider = other("iam", "GetOpenIDConnectProvider", {{"OpenIDConnectProviderArn", idp}});
  ASSERT_TRUE(provider);
  EXPECT_EQ(provider->at("ClientIDList"), (json::array{"sts.amazonaws.com", "cooked/"}));

  std::string stack_id =
      s(call("DescribeStacks", {{"StackName", "types"}}).at("Stacks").as_array()[0].at("StackId"));
  call("DeleteStack", {{"StackName", "types"}});
  ASSERT_EQ(settled(stack_id), "DELETE_COMPLETE") << reasons(stack_id);
  EXPECT_EQ(
      other("kinesis", "DescribeStreamSummary", {{"StreamName", physical["Stream"]}}).error().code,
      "ResourceNotFoundException");
  EXPECT_FALSE(
      other("firehose", "DescribeDeliveryStream", {{"DeliveryStreamName", physical["Delivery"]}}));
  EXPECT_FALSE(other("events", "DescribeEventBus", {{"Name", "orders"}}));
  EXPECT_FALSE(other("events", "DescribeConnection", {{"Name", physical["Connection"]}}));
  EXPECT_FALSE(other("events", "DescribeApiDestination", {{"Name", physical["Destination"]}}));
  EXPECT_FALSE(other("scheduler", "GetScheduleGroup", {{"Name", physical["Group"]}}));
  EXPECT_FALSE(other("iam", "GetPolicy", {{"PolicyArn", physical["Managed"]}}));
  EXPECT_FALSE(other("iam", "GetRole", {{"RoleName", physical["Role"]}}));
  EXPECT_FALSE(other("iam", "GetOpenIDConnectProvider", {{"OpenIDConnectProviderArn", idp}}));
}

TEST_F(ResourceTypesTest, EventBusUpdatedInPlace) {
  const std::string body = R"(
Parameters:
  Text: {Type: String, Default: first}
  Open: {Type: String, Default: "yes"}
Conditions:
  WithPolicy: !Equals [!Ref Open, "yes"]
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: billing
      Description: !Ref Text
      Tags: [{Key: team, Value: !Ref Text}]
      Policy: !If
        - WithPolicy
        - Statement: [{Sid: all, Effect: Allow, Principal: {AWS: "111122223333"}, Action: "events:PutEvents", Resource: "arn:aws:events:us-east-1:000000000000:event-bus/billing"}]
        - !Ref AWS::NoValue
)";
  call("CreateStack", {{"StackName", "bus"}, {"TemplateBody", body}});
  ASSERT_EQ(settled("bus"), "CREATE_COMPLETE") << reasons("bus");
  auto bus = other("events", "DescribeEventBus", {{"Name", "billing"}});
  ASSERT_TRUE(bus);
  EXPECT_EQ(s(bus->at("Description")), "first");
  EXPECT_NE(s(bus->at("Policy")).find("111122223333"), std::string::npos);
  const std::string arn = "arn:aws:events:us-east-1:000000000000:event-bus/billing";

  call("UpdateStack",
       {{"StackName", "bus"},
        {"TemplateBody", body},
        {"Parameters",
         json::array{json::object{{"ParameterKey", "Text"}, {"ParameterValue", "second"}},
                     json::object{{"ParameterKey", "Open"}, {"ParameterValue", "no"}}}}});
  ASSERT_EQ(settled("bus"), "UPDATE_COMPLETE") << reasons("bus");
  bus = other("events", "DescribeEventBus", {{"Name", "billing"}});
  ASSERT_TRUE(bus);
  EXPECT_EQ(s(bus->at("Description")), "second");
  EXPECT_FALSE(bus->contains("Policy")) << json::serialize(*bus);
  auto tags = other("events", "ListTagsForResource", {{"ResourceARN", arn}});
  ASSERT_TRUE(tags);
  // The bus's own tag changed in place, beside the aws:cloudformation:* tags.
  auto pairs = tags->at("Tags").as_array();
  ASSERT_EQ(pairs.size(), 4u) << json::serialize(pairs);
  EXPECT_EQ(pairs.back(), (json::object{{"Key", "team"}, {"Value", "second"}}));
  EXPECT_EQ(pairs.front(),
            (json::object{{"Key", "aws:cloudformation:logical-id"}, {"Value", "Bus"}}));
  // No replacement: the one bus, no DELETE of it.
  EXPECT_EQ(reasons("bus").find("Requested update requires the creation"), std::string::npos);
}

TEST_F(ResourceTypesTest, ServiceErrorsFailTheStack) {
  // A policy naming nobody, a stream with a bad retention: AWS's words,
  // nothing left behind.
  call("CreateStack",
       {{"StackName", "bad"}, {"Capabilities", json::array{"CAPABILITY_IAM"}}, {"TemplateBody", R"(
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {RetentionPeriodHours: 9000}
  Lonely:
    Type: AWS::IAM::Policy
    Properties: {PolicyName: p, PolicyDocument: {Statement: []}}
)"}});
  EXPECT_EQ(settled("bad"), "ROLLBACK_COMPLETE");
  auto why = reasons("bad");
  EXPECT_NE(why.find("At least one of [Groups,Roles,Users] must be non-empty."), std::string::npos)
      << why;
  auto streams = other("kinesis", "ListStreams", {});
  ASSERT_TRUE(streams);
  EXPECT_TRUE(streams->at("StreamNames").as_array().empty());
}

}  // namespace
}  // namespace nimbus::services::cloudformation
