// AWS::S3::Bucket's configuration properties applied through S3's own
// operations (on create, changed and removed in place), AWS::IAM::
// InstanceProfile, and creates that fail half-way leaving nothing behind.
#include <gtest/gtest.h>

#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/providers/s3_config.h"
#include "services/cloudformation/test_stack.h"
#include "services/iam/iam_service.h"
#include "services/s3/s3_service.h"
#include "services/sqs/sqs_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

constexpr const char* kBucket = R"(
Parameters:
  Days: {Type: Number, Default: 30}
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
      Tags: [{Key: team, Value: storage}]
      CorsConfiguration:
        CorsRules: [{AllowedMethods: [GET, PUT], AllowedOrigins: ['https://app.example.com'], MaxAge: 300, ExposedHeaders: [ETag], Id: web}]
      LifecycleConfiguration:
        Rules:
          - {Id: old, Status: Enabled, Prefix: logs/, ExpirationInDays: !Ref Days, NoncurrentVersionExpiration: {NoncurrentDays: 7}}
          - {Status: Enabled, TagFilters: [{Key: tmp, Value: 'yes'}], ObjectSizeGreaterThan: 1024, ExpirationDate: '2030-01-01T00:00:00Z'}
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt Queue.Arn
            Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}, {Name: suffix, Value: .csv}]}}
)";

constexpr const char* kBucketAfter = R"(
Parameters:
  Days: {Type: Number, Default: 30}
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      LifecycleConfiguration:
        Rules: [{Id: old, Status: Disabled, Prefix: logs/, ExpirationInDays: !Ref Days}]
)";

class BucketProfileTest : public StackTest {
 protected:
  BucketProfileTest()
      : StackTest({build<sqs::SqsService>(), build<iam::IamService>(), build<s3::S3Service>(),
                   [this](Environment& env) {
                     return std::make_unique<CloudFormationService>(env, calls.get());
                   }}) {}
  Service* main_service() override { return services.size() > 3 ? services[3].get() : nullptr; }

  std::string physical(const std::string& stack, const std::string& logical) {
    auto r = call("DescribeStackResource", {{"StackName", stack}, {"LogicalResourceId", logical}});
    return s(r.at("StackResourceDetail").at("PhysicalResourceId"));
  }
  void create(const std::string& stack, const std::string& body) {
    call("CreateStack", {{"StackName", stack},
                         {"TemplateBody", body},
                         {"Capabilities", json::array{"CAPABILITY_NAMED_IAM"}}});
  }
  size_t count(const std::string& model, const std::string& op, const std::string& list) {
    auto out = other(model, op, {});
    return out && out->contains(list) ? out->at(list).as_array().size() : 0;
  }
};

TEST_F(BucketProfileTest, BucketConfigurationsAppliedAndRemoved) {
  create("b", kBucket);
  ASSERT_EQ(settled("b"), "CREATE_COMPLETE") << reasons("b");
  std::string bucket = physical("b", "Bucket");

  auto versioning = other("s3", "GetBucketVersioning", {{"Bucket", bucket}});
  ASSERT_TRUE(versioning);
  EXPECT_EQ(s(versioning->at("Status")), "Enabled");
  auto tags = other("s3", "GetBucketTagging", {{"Bucket", bucket}});
  ASSERT_TRUE(tags);
  // With the aws:cloudformation:* tags, in key order (README: Stack tags).
  const auto& set = tags->at("TagSet").as_array();
  ASSERT_EQ(set.size(), 4u) << json::serialize(set);
  EXPECT_EQ(set.at(0),
            (json::object{{"Key", "aws:cloudformation:logical-id"}, {"Value", "Bucket"}}));
  EXPECT_EQ(set.at(3), (json::object{{"Key", "team"}, {"Value", "storage"}}));
  auto cors = other("s3", "GetBucketCors", {{"Bucket", bucket}});
  ASSERT_TRUE(cors) << cors.error().message;
  const auto& rule = cors->at("CORSRules").as_array().at(0).as_object();
  EXPECT_EQ(s(rule.at("ID")), "web");
  EXPECT_EQ(rule.at("MaxAgeSeconds"), 300);
  EXPECT_EQ(rule.at("ExposeHeaders"), (json::array{"ETag"}));
  auto lifecycle = other("s3", "GetBucketLifecycleConfiguration", {{"Bucket", bucket}});
  ASSERT_TRUE(lifecycle) << lifecycle.error().message;
  std::string rules = json::serialize(lifecycle->at("Rules"));
  EXPECT_NE(rules.find(R"("Days":30)"), std::string::npos) << rules;
  EXPECT_NE(rules.find(R"("NoncurrentDays":7)"), std::string::npos) << rules;
  EXPECT_NE(rules.find(R"("ObjectSizeGreaterThan":1024)"), std::string::npos) << rules;
  EXPECT_NE(rules.find("1893456000"), std::string::npos) << rules;  // 2030-01-01
  auto notification = other("s3", "GetBucketNotificationConfiguration", {{"Bucket", bucket}});
  ASSERT_TRUE(notification);
  std::string queues = json::serialize(notification->at("QueueConfigurations"));
  auto queue_url = physical("b", "Queue");
  EXPECT_NE(queues.find(queue_url.substr(queue_url.rfind('/') + 1)), std::string::npos) << queues;
  EXPECT_NE(queues.find(R"("Value":".csv")"), std::string::npos) << queues;

  // The update drops CORS, tags, notifications and versioning; the
  // lifecycle rule changes.
  call("UpdateStack", {{"StackName", "b"}, {"TemplateBody", kBucketAfter}});
  ASSERT_EQ(settled("b"), "UPDATE_COMPLETE") << reasons("b");
  EXPECT_EQ(physical("b", "Bucket"), bucket);
  EXPECT_EQ(other("s3", "GetBucketCors", {{"Bucket", bucket}}).error().code,
            "NoSuchCORSConfiguration");
  // The template's tag is gone; CloudFormation's stay.
  tags = other("s3", "GetBucketTagging", {{"Bucket", bucket}});
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->at("TagSet").as_array().size(), 3u) << json::serialize(tags->at("TagSet"));
  EXPECT_EQ(s(other("s3", "GetBucketVersioning", {{"Bucket", bucket}})->at("Status")), "Suspended");
  notification = other("s3", "GetBucketNotificationConfiguration", {{"Bucket", bucket}});
  ASSERT_TRUE(notification);
  EXPECT_FALSE(notification->contains("QueueConfigurations")) << json::serialize(*notification);
  lifecycle = other("s3", "GetBucketLifecycleConfiguration", {{"Bucket", bucket}});
  ASSERT_TRUE(lifecycle);
  EXPECT_EQ(lifecycle->at("Rules").as_array().size(), 1u);
  EXPECT_EQ(s(lifecycle->at("Rules").as_array()[0].at("Status")), "Disabled");

  call("DeleteStack", {{"StackName", "b"}});
  settled("b");
  EXPECT_EQ(count("s3", "ListBuckets", "Buckets"), 0u);
}

TEST_F(BucketProfileTest, RefusedConfigurationFailsTheCreateAndLeavesNoBucket) {
  create("bad", R"(
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        QueueConfigurations: [{Event: 's3:ObjectCreated:*', Queue: 'arn:aws:sqs:us-east-1:000000000000:missing'}]
)");
  EXPECT_EQ(settled("bad"), "ROLLBACK_COMPLETE");
  auto why = reasons("bad");
  EXPECT_NE(why.find("Unable to validate the following destination configurations"),
            std::string::npos)
      << why;
  EXPECT_EQ(count("s3", "ListBuckets", "Buckets"), 0u);
}

TEST_F(BucketProfileTest, InstanceProfileWithItsRole) {
  const std::string body = R"(
Parameters:
  Which: {Type: String, Default: First}
Conditions:
  UseFirst: !Equals [!Ref Which, First]
Resources:
  First:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}
  Second:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Path: /apps/
      Roles: [!If [UseFirst, !Ref First, !Ref Second]]
Outputs:
  Ref: {Value: !Ref Profile}
  Arn: {Value: !GetAtt Profile.Arn}
)";
  create("p", body);
  ASSERT_EQ(settled("p"), "CREATE_COMPLETE") << reasons("p");
  auto out = outputs("p");
  std::string name = s(out.at("Ref"));
  EXPECT_TRUE(name.starts_with("p-Profile-")) << name;
  EXPECT_EQ(s(out.at("Arn")), "arn:aws:iam::000000000000:instance-profile/apps/" + name);
  auto roles_of = [&] {
    auto p = other("iam", "GetInstanceProfile", {{"InstanceProfileName", name}});
    std::string roles;
    if (!p) return p.error().code;
    for (const auto& r : p->at("InstanceProfile").at("Roles").as_array())
      roles += s(r.at("RoleName"));
    return roles;
  };
  EXPECT_EQ(roles_of(), physical("p", "First"));

  // The role changes in place.
  call("UpdateStack", {{"StackName", "p"},
                       {"TemplateBody", body},
                       {"Capabilities", json::array{"CAPABILITY_IAM"}},
                       {"Parameters", json::array{json::object{{"ParameterKey", "Which"},
                                                               {"ParameterValue", "Second"}}}}});
  ASSERT_EQ(settled("p"), "UPDATE_COMPLETE") << reasons("p");
  EXPECT_EQ(s(outputs("p").at("Ref")), name);
  EXPECT_EQ(roles_of(), physical("p", "Second"));

  std::string id =
      s(call("DescribeStacks", {{"StackName", "p"}}).at("Stacks").as_array()[0].at("StackId"));
  call("DeleteStack", {{"StackName", "p"}});
  EXPECT_EQ(settled(id), "DELETE_COMPLETE") << reasons(id);
  EXPECT_EQ(roles_of(), "NoSuchEntityException");
  EXPECT_EQ(count("iam", "ListRoles", "Roles"), 0u);
}

TEST_F(BucketProfileTest, FailedStepsLeaveNoRoleOrProfile) {
  // The role's managed policy does not exist; the profile's role does not.
  create("half", R"(
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: half-made
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}
      Policies: [{PolicyName: inline, PolicyDocument: {Statement: [{Effect: Allow, Action: 's3:*', Resource: '*'}]}}]
      ManagedPolicyArns: ['arn:aws:iam::000000000000:policy/missing']
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: half-profile
      Roles: [nobody]
)");
  EXPECT_EQ(settled("half"), "ROLLBACK_COMPLETE");
  auto why = reasons("half");
  EXPECT_NE(why.find("missing"), std::string::npos) << why;
  EXPECT_EQ(other("iam", "GetRole", {{"RoleName", "half-made"}}).error().code,
            "NoSuchEntityException");
  EXPECT_EQ(
      other("iam", "GetInstanceProfile", {{"InstanceProfileName", "half-profile"}}).error().code,
      "NoSuchEntityException");
}

TEST(BucketDocuments, CloudFormationNamesBecomeS3s) {
  auto doc =
      json::parse(
          R"({"Rules":[{"Status":"Enabled","Prefix":"a/","TagFilters":[{"Key":"k","Value":"v"}],
    "AbortIncompleteMultipartUpload":{"DaysAfterInitiation":"3"},
    "Transitions":[{"StorageClass":"GLACIER","TransitionInDays":10}],
    "NoncurrentVersionTransition":{"StorageClass":"GLACIER","TransitionInDays":5,"NewerNoncurrentVersions":2},
    "NoncurrentVersionExpirationInDays":40,"ExpiredObjectDeleteMarker":"true"}]})")
          .as_object();
  auto rule = providers::s3doc::lifecycle(doc).at("Rules").as_array()[0].as_object();
  EXPECT_EQ(rule.at("Filter"),
            json::parse(R"({"And":{"Prefix":"a/","Tags":[{"Key":"k","Value":"v"}]}})"));
  EXPECT_EQ(rule.at("AbortIncompleteMultipartUpload"), json::parse(R"({"DaysAfterInitiation":3})"));
  EXPECT_EQ(rule.at("Transitions"), json::parse(R"([{"StorageClass":"GLACIER","Days":10}])"));
  EXPECT_EQ(rule.at("NoncurrentVersionTransitions"),
            json::parse(
                R"([{"StorageClass":"GLACIER","NoncurrentDays":5,"NewerNoncurrentVersions":2}])"));
  EXPECT_EQ(rule.at("NoncurrentVersionExpiration"), json::parse(R"({"NoncurrentDays":40})"));
  EXPECT_EQ(rule.at("Expiration"), json::parse(R"({"ExpiredObjectDeleteMarker":true})"));

  auto n = providers::s3doc::notification(
      json::parse(R"({"LambdaConfigurations":[{"Event":"s3:ObjectRemoved:*","Function":"arn:f"}],
        "TopicConfigurations":[{"Event":"s3:ObjectCreated:Put","Topic":"arn:t"}],
        "EventBridgeConfiguration":{"EventBridgeEnabled":true}})")
          .as_object());
  EXPECT_EQ(n,
            json::parse(
                R"({"TopicConfigurations":[{"TopicArn":"arn:t","Events":["s3:ObjectCreated:Put"]}],
    "LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:f","Events":["s3:ObjectRemoved:*"]}],
    "EventBridgeConfiguration":{}})"));
}

}  // namespace
}  // namespace nimbus::services::cloudformation
