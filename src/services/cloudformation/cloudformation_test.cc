#include <gtest/gtest.h>

#include "services/cloudformation/cloudformation_service.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/in_process.h"
#include "services/logs/logs_service.h"
#include "services/s3/s3_service.h"
#include "services/sns/sns_service.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::ServiceTest;

// CloudFormation beside the services its stacks create resources in.
class CloudFormationTest : public ServiceTest<CloudFormationService> {
 protected:
  CloudFormationTest()
      : ServiceTest({build<sqs::SqsService>(), build<dynamodb::DynamoDbService>(),
                     build<sns::SnsService>(), build<logs::LogsService>(), build<s3::S3Service>(),
                     [this](Environment& env) {
                       return std::make_unique<CloudFormationService>(env, calls.get());
                     }}) {}

  std::string status(const std::string& stack) {
    auto out = try_call("DescribeStacks", {{"StackName", stack}});
    if (!out) return out.error().code;
    return s(out->at("Stacks").as_array()[0].at("StackStatus"));
  }
  // Waits for the stack's operation to end; its final status.
  std::string settled(const std::string& stack) {
    std::string last;
    eventually([&] {
      last = status(stack);
      return !last.ends_with("_IN_PROGRESS");
    });
    return last;
  }
  json::object resources(const std::string& stack) {
    json::object out;
    auto r = call("DescribeStackResources", {{"StackName", stack}});
    for (const auto& item : r.at("StackResources").as_array()) {
      out[s(item.at("LogicalResourceId"))] = item;
    }
    return out;
  }
  std::vector<std::string> event_statuses(const std::string& stack, const std::string& logical) {
    std::vector<std::string> out;
    auto r = call("DescribeStackEvents", {{"StackName", stack}});
    for (const auto& e : r.at("StackEvents").as_array()) {
      if (s(e.at("LogicalResourceId")) == logical) out.push_back(s(e.at("ResourceStatus")));
    }
    std::reverse(out.begin(), out.end());
    return out;
  }
  Output sqs(const std::string& op, json::object in) {
    return try_call(service("sqs"), ctx(op), std::move(in));
  }
  size_t queues() {
    auto out = sqs("ListQueues", {});
    const auto* urls = out ? out->if_contains("QueueUrls") : nullptr;
    return urls != nullptr ? urls->as_array().size() : 0;
  }

  std::unique_ptr<InProcessCalls> calls = std::make_unique<InProcessCalls>(services);
};

constexpr const char* kQueueAndTable = R"(
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 45
      Tags: [{Key: env, Value: !Ref Env}]
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-items"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription: [{Protocol: sqs, Endpoint: !GetAtt Queue.Arn}]
  Logs:
    Type: AWS::Logs::LogGroup
    Condition: IsProd
    Properties: {RetentionInDays: 7}
Outputs:
  QueueUrl: {Value: !Ref Queue, Export: {Name: !Sub "${AWS::StackName}-queue"}}
  QueueArn: {Value: !GetAtt Queue.Arn}
  TableName: {Value: !Ref Table}
)";

TEST_F(CloudFormationTest, CreateStackCreatesEveryResourceThroughItsService) {
  auto out = call("CreateStack", {{"StackName", "app"}, {"TemplateBody", kQueueAndTable}});
  EXPECT_TRUE(
      s(out.at("StackId")).starts_with("arn:aws:cloudformation:us-east-1:000000000000:stack/app/"));
  ASSERT_EQ(settled("app"), "CREATE_COMPLETE");
  auto r = resources("app");
  EXPECT_EQ(r.size(), 3u);  // Logs is conditioned out
  std::string url = s(r.at("Queue").at("PhysicalResourceId"));
  auto attrs =
      sqs("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}});
  ASSERT_TRUE(attrs) << attrs.error().message;
  EXPECT_EQ(s(attrs->at("Attributes").at("VisibilityTimeout")), "45");
  EXPECT_TRUE(url.find("/app-Queue-") != std::string::npos) << url;
  EXPECT_EQ(s(r.at("Table").at("PhysicalResourceId")), "app-items");
  EXPECT_TRUE(try_call(service("dynamodb"), ctx("DescribeTable"), {{"TableName", "app-items"}}));

  auto stack = call("DescribeStacks", {{"StackName", "app"}}).at("Stacks").as_array()[0];
  json::object outputs;
  for (const auto& o : stack.at("Outputs").as_array()) outputs[s(o.at("OutputKey"))] = o;
  EXPECT_EQ(s(outputs.at("QueueUrl").at("OutputValue")), url);
  EXPECT_EQ(s(outputs.at("QueueArn").at("OutputValue")),
            "arn:aws:sqs:us-east-1:000000000000:" + url.substr(url.rfind('/') + 1));
  EXPECT_EQ(s(outputs.at("TableName").at("OutputValue")), "app-items");
  auto exports = call("ListExports", {}).at("Exports").as_array();
  ASSERT_EQ(exports.size(), 1u);
  EXPECT_EQ(s(exports[0].at("Name")), "app-queue");
  EXPECT_EQ(event_statuses("app", "Queue"),
            (std::vector<std::string>{"CREATE_IN_PROGRESS", "CREATE_COMPLETE"}));
  EXPECT_EQ(event_statuses("app", "app").front(), "CREATE_IN_PROGRESS");
  EXPECT_EQ(event_statuses("app", "app").back(), "CREATE_COMPLETE");
}

// A log group gets its own Tags, the stack's and the aws:cloudformation:*
// ones; new stack tags move in place on an update.
TEST_F(CloudFormationTest, LogGroupsTakeStackTags) {
  const char* body = R"(
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /app/tagged, Tags: [{Key: team, Value: web}]}
)";
  auto tag = [](const char* k, const char* v) { return json::object{{"Key", k}, {"Value", v}}; };
  auto id = s(
      call("CreateStack",
           {{"StackName", "logs"}, {"TemplateBody", body}, {"Tags", json::array{tag("cost", "1")}}})
          .at("StackId"));
  ASSERT_EQ(settled("logs"), "CREATE_COMPLETE");
  const std::string arn = "arn:aws:logs:us-east-1:000000000000:log-group:/app/tagged";
  auto tags = [&] {
    auto out = try_call(service("logs"), ctx("ListTagsForResource"), {{"resourceArn", arn}});
    return out ? out->at("tags").as_object() : json::object{};
  };
  EXPECT_EQ(tags(), (json::object{{"aws:cloudformation:logical-id", "Logs"},
                                  {"aws:cloudformation:stack-id", id},
                                  {"aws:cloudformation:stack-name", "logs"},
                                  {"cost", "1"},
                                  {"team", "web"}}));
  call("UpdateStack", {{"StackName", "logs"},
                       {"UsePreviousTemplate", true},
                       {"Tags", json::array{tag("owner", "ops")}}});
  ASSERT_EQ(settled("logs"), "UPDATE_COMPLETE");
  auto now = tags();
  EXPECT_FALSE(now.contains("cost"));
  EXPECT_EQ(now.at("owner"), "ops");
  EXPECT_EQ(now.at("team"), "web");
  EXPECT_EQ(now.at("aws:cloudformation:logical-id"), "Logs");
}

TEST_F(CloudFormationTest, DeleteStackDeletesItsResources) {
  call("CreateStack", {{"StackName", "app"}, {"TemplateBody", kQueueAndTable}});
  ASSERT_EQ(settled("app"), "CREATE_COMPLETE");
  std::string id =
      s(call("DescribeStacks", {{"StackName", "app"}}).at("Stacks").as_array()[0].at("StackId"));
  std::string url = s(resources("app").at("Queue").at("PhysicalResourceId"));
  call("DeleteStack", {{"StackName", "app"}});
  eventually([&] { return status(id) == "DELETE_COMPLETE"; });
  EXPECT_EQ(status(id), "DELETE_COMPLETE");
  expect_error("DescribeStacks", {{"StackName", "app"}}, "ValidationError");
  EXPECT_EQ(sqs("GetQueueAttributes", {{"QueueUrl", url}}).error().code, "QueueDoesNotExist");
  EXPECT_FALSE(try_call(service("dynamodb"), ctx("DescribeTable"), {{"TableName", "app-items"}}));
  EXPECT_TRUE(call("ListExports", {}).at("Exports").as_array().empty());
  // Deleting again is not an error.
  call("DeleteStack", {{"StackName", "app"}});
}

TEST_F(CloudFormationTest, RetainAndSnapshotPoliciesKeepResourcesOfADeletedStack) {
  constexpr const char* kKept = R"(
Resources:
  Kept:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
  Snap:
    Type: AWS::SQS::Queue
    DeletionPolicy: Snapshot
  Gone:
    Type: AWS::SQS::Queue
    DeletionPolicy: Delete
)";
  call("CreateStack", {{"StackName", "pol"}, {"TemplateBody", kKept}});
  ASSERT_EQ(settled("pol"), "CREATE_COMPLETE");
  std::string id =
      s(call("DescribeStacks", {{"StackName", "pol"}}).at("Stacks").as_array()[0].at("StackId"));
  auto r = resources("pol");
  std::string kept = s(r.at("Kept").at("PhysicalResourceId"));
  std::string snap = s(r.at("Snap").at("PhysicalResourceId"));
  std::string gone = s(r.at("Gone").at("PhysicalResourceId"));
  call("DeleteStack", {{"StackName", "pol"}});
  eventually([&] { return status(id) == "DELETE_COMPLETE"; });
  EXPECT_EQ(status(id), "DELETE_COMPLETE");
  EXPECT_TRUE(sqs("GetQueueAttributes", {{"QueueUrl", kept}}));
  EXPECT_TRUE(sqs("GetQueueAttributes", {{"QueueUrl", snap}}));
  EXPECT_EQ(sqs("GetQueueAttributes", {{"QueueUrl", gone}}).error().code, "QueueDoesNotExist");
}

constexpr const char* kSite = R"(
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      WebsiteConfiguration:
        IndexDocument: index.html
        ErrorDocument: 404.html
        RoutingRules:
          - RoutingRuleCondition: {KeyPrefixEquals: old/}
            RedirectRule: {ReplaceKeyPrefixWith: new/, HttpRedirectCode: 302}
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Site
      PolicyDocument:
        Statement: [{Effect: Allow, Principal: "*", Action: s3:GetObject,
                     Resource: !Sub "${Site.Arn}/*"}]
  Inbox:
    Type: AWS::SQS::Queue
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: sns.amazonaws.com},
                     Action: sqs:SendMessage, Resource: !GetAtt Inbox.Arn}]
Outputs:
  Url: {Value: !GetAtt Site.WebsiteURL}
)";

TEST_F(CloudFormationTest, BucketWebsitesAndBucketAndQueuePolicies) {
  call("CreateStack", {{"StackName", "site"}, {"TemplateBody", kSite}});
  ASSERT_EQ(settled("site"), "CREATE_COMPLETE");
  auto r = resources("site");
  std::string bucket = s(r.at("Site").at("PhysicalResourceId"));
  std::string queue = s(r.at("Inbox").at("PhysicalResourceId"));
  auto stack = call("DescribeStacks", {{"StackName", "site"}}).at("Stacks").as_array()[0];
  EXPECT_EQ(s(stack.at("Outputs").as_array()[0].at("OutputValue")),
            "http://" + bucket + ".s3-website.localhost:4566");
  auto& s3 = service("s3");
  auto website = try_call(s3, ctx("GetBucketWebsite"), {{"Bucket", bucket}});
  ASSERT_TRUE(website) << website.error().message;
  EXPECT_EQ(json::value(*website), json::parse(R"({"IndexDocument":{"Suffix":"index.html"},
      "ErrorDocument":{"Key":"404.html"},"RoutingRules":[{"Redirect":{"HttpRedirectCode":"302",
      "ReplaceKeyPrefixWith":"new/"},"Condition":{"KeyPrefixEquals":"old/"}}]})"));
  auto policy = try_call(s3, ctx("GetBucketPolicy"), {{"Bucket", bucket}});
  ASSERT_TRUE(policy);
  EXPECT_EQ(s(json::parse(s(policy->at("Policy"))).at("Statement").as_array()[0].at("Resource")),
            "arn:aws:s3:::" + bucket + "/*");
  auto attrs = sqs("GetQueueAttributes", {{"QueueUrl", queue}, {"AttributeNames", {"Policy"}}});
  ASSERT_TRUE(attrs);
  EXPECT_TRUE(attrs->at("Attributes").as_object().contains("Policy"));

  // Without the website and the queue policy: both removed, the bucket kept.
  std::string without = kSite;
  without.replace(without.find("      WebsiteConfiguration:"),
                  without.find("  SitePolicy:") - without.find("      WebsiteConfiguration:"),
                  "      Tags: [{Key: k, Value: v}]\n");
  without.erase(without.find("  InboxPolicy:"),
                without.find("Outputs:") - without.find("  InboxPolicy:"));
  call("UpdateStack", {{"StackName", "site"}, {"TemplateBody", without}});
  ASSERT_EQ(settled("site"), "UPDATE_COMPLETE");
  EXPECT_EQ(s(resources("site").at("Site").at("PhysicalResourceId")), bucket);
  EXPECT_EQ(try_call(s3, ctx("GetBucketWebsite"), {{"Bucket", bucket}}).error().code,
            "NoSuchWebsiteConfiguration");
  attrs = sqs("GetQueueAttributes", {{"QueueUrl", queue}, {"AttributeNames", {"Policy"}}});
  ASSERT_TRUE(attrs);
  const auto* a = attrs->if_contains("Attributes");
  EXPECT_TRUE(a == nullptr || !a->as_object().contains("Policy"));

  call("DeleteStack", {{"StackName", "site"}});
  eventually([&] { return !try_call(s3, ctx("HeadBucket"), {{"Bucket", bucket}}); });
  EXPECT_EQ(try_call(s3, ctx("HeadBucket"), {{"Bucket", bucket}}).error().code, "NoSuchBucket");
}

TEST_F(CloudFormationTest, AFailingResourceRollsTheCreateBack) {
  const char* body = R"(
Resources:
  Good: {Type: AWS::SQS::Queue}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: Good
    Properties: {VisibilityTimeout: 99999}
)";
  call("CreateStack", {{"StackName", "broken"}, {"TemplateBody", body}});
  ASSERT_EQ(settled("broken"), "ROLLBACK_COMPLETE");
  auto r = resources("broken");
  EXPECT_EQ(s(r.at("Good").at("ResourceStatus")), "DELETE_COMPLETE");
  std::string url = s(r.at("Good").at("PhysicalResourceId"));
  EXPECT_EQ(sqs("GetQueueAttributes", {{"QueueUrl", url}}).error().code, "QueueDoesNotExist");
  auto events = call("DescribeStackEvents", {{"StackName", "broken"}}).at("StackEvents").as_array();
  bool reason_told = false;
  for (const auto& e : events) {
    if (s(e.at("LogicalResourceId")) == "Bad" && s(e.at("ResourceStatus")) == "CREATE_FAILED") {
      reason_told = s(e.at("ResourceStatusReason")).find("VisibilityTimeout") != std::string::npos;
    }
  }
  EXPECT_TRUE(reason_told);
  EXPECT_EQ(event_statuses("broken", "broken")[1], "ROLLBACK_IN_PROGRESS");
}

TEST_F(CloudFormationTest, UpdateChangesReplacesAddsAndRemoves) {
  const char* v1 = R"(
Resources:
  Queue: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 30}}
  Named: {Type: AWS::SQS::Queue, Properties: {QueueName: first}}
  Gone: {Type: AWS::SQS::Queue}
)";
  const char* v2 = R"(
Resources:
  Queue: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 60}}
  Named: {Type: AWS::SQS::Queue, Properties: {QueueName: second}}
  Added: {Type: AWS::SQS::Queue}
)";
  call("CreateStack", {{"StackName", "up"}, {"TemplateBody", v1}});
  ASSERT_EQ(settled("up"), "CREATE_COMPLETE");
  auto before = resources("up");
  call("UpdateStack", {{"StackName", "up"}, {"TemplateBody", v2}});
  ASSERT_EQ(settled("up"), "UPDATE_COMPLETE");
  auto after = resources("up");
  EXPECT_EQ(after.at("Queue").at("PhysicalResourceId"),
            before.at("Queue").at("PhysicalResourceId"));
  auto attrs =
      sqs("GetQueueAttributes", {{"QueueUrl", s(after.at("Queue").at("PhysicalResourceId"))},
                                 {"AttributeNames", json::array{"VisibilityTimeout"}}});
  EXPECT_EQ(s(attrs->at("Attributes").at("VisibilityTimeout")), "60");
  EXPECT_TRUE(s(after.at("Named").at("PhysicalResourceId")).ends_with("/second"));
  EXPECT_EQ(sqs("GetQueueUrl", {{"QueueName", "first"}}).error().code, "QueueDoesNotExist");
  EXPECT_FALSE(after.contains("Gone"));
  EXPECT_EQ(sqs("GetQueueAttributes", {{"QueueUrl", s(before.at("Gone").at("PhysicalResourceId"))}})
                .error()
                .code,
            "QueueDoesNotExist");
  EXPECT_TRUE(after.contains("Added"));
  expect_error("UpdateStack", {{"StackName", "up"}, {"TemplateBody", v2}}, "ValidationError");
}

TEST_F(CloudFormationTest, AFailedUpdateRollsBackToThePreviousState) {
  const char* v1 = R"(
Resources:
  Queue: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 30}}
)";
  const char* v2 = R"(
Resources:
  Queue: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 60}}
  Extra: {Type: AWS::SQS::Queue, DependsOn: Queue}
  Bad: {Type: AWS::SQS::Queue, DependsOn: Extra, Properties: {DelaySeconds: 9999}}
)";
  call("CreateStack", {{"StackName", "rb"}, {"TemplateBody", v1}});
  ASSERT_EQ(settled("rb"), "CREATE_COMPLETE");
  call("UpdateStack", {{"StackName", "rb"}, {"TemplateBody", v2}});
  ASSERT_EQ(settled("rb"), "UPDATE_ROLLBACK_COMPLETE");
  auto r = resources("rb");
  EXPECT_EQ(r.size(), 1u);
  auto attrs = sqs("GetQueueAttributes", {{"QueueUrl", s(r.at("Queue").at("PhysicalResourceId"))},
                                          {"AttributeNames", json::array{"VisibilityTimeout"}}});
  EXPECT_EQ(s(attrs->at("Attributes").at("VisibilityTimeout")), "30");
  EXPECT_EQ(queues(), 1u);
  auto tmpl = call("GetTemplate", {{"StackName", "rb"}});
  EXPECT_EQ(s(tmpl.at("TemplateBody")), v1);
}

TEST_F(CloudFormationTest, BadTemplatesAreRefusedWithAwsWordsAndCreateNothing) {
  auto code_and_message = [&](const char* body, json::object extra = {}) {
    json::object in{{"StackName", "bad"}, {"TemplateBody", body}};
    for (auto& [k, v] : extra) in[k] = v;
    auto out = try_call("CreateStack", in);
    return out ? std::string("(ok)") : out.error().code + ": " + out.error().message;
  };
  EXPECT_EQ(code_and_message("Resources: {A: {Type: AWS::Foo::Bar}}"),
            "ValidationError: Template format error: Unrecognized resource types: [AWS::Foo::Bar]");
  EXPECT_EQ(code_and_message("Resources: {A: {Type: AWS::SQS::Queue, DependsOn: B}, B: {Type: "
                             "AWS::SQS::Queue, DependsOn: A}}"),
            "ValidationError: Circular dependency between resources: [A, B]");
  EXPECT_EQ(
      code_and_message("Parameters: {P: {Type: String}}\nResources: {A: {Type: AWS::SQS::Queue}}"),
      "ValidationError: Parameters: [P] must have values");
  EXPECT_EQ(code_and_message("Resources: {R: {Type: AWS::IAM::Role}}"),
            "InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_IAM]");
  EXPECT_EQ(code_and_message("{\"Resources\": "),
            "ValidationError: Template format error: JSON not well-formed. (line 1, column 15)");
  EXPECT_TRUE(call("ListStacks", {}).at("StackSummaries").as_array().empty());
  EXPECT_EQ(queues(), 0u);
}

TEST_F(CloudFormationTest, ChangeSetsCreateThenUpdate) {
  auto cs = call("CreateChangeSet", {{"StackName", "cs"},
                                     {"ChangeSetName", "one"},
                                     {"ChangeSetType", "CREATE"},
                                     {"TemplateBody", kQueueAndTable}});
  EXPECT_EQ(status("cs"), "REVIEW_IN_PROGRESS");
  auto described = call("DescribeChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "one"}});
  EXPECT_EQ(s(described.at("Status")), "CREATE_COMPLETE");
  EXPECT_EQ(described.at("Changes").as_array().size(), 3u);
  call("ExecuteChangeSet", {{"StackName", "cs"}, {"ChangeSetName", s(cs.at("Id"))}});
  ASSERT_EQ(settled("cs"), "CREATE_COMPLETE");
  // The same template again: a change set without changes fails as AWS says.
  call("CreateChangeSet",
       {{"StackName", "cs"}, {"ChangeSetName", "two"}, {"TemplateBody", kQueueAndTable}});
  auto same = call("DescribeChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "two"}});
  EXPECT_EQ(s(same.at("Status")), "FAILED");
  EXPECT_TRUE(
      s(same.at("StatusReason")).starts_with("The submitted information didn't contain changes."));
  // A parameter change modifies what names it.
  call("CreateChangeSet", {{"StackName", "cs"},
                           {"ChangeSetName", "three"},
                           {"UsePreviousTemplate", true},
                           {"Parameters", json::array{json::object{{"ParameterKey", "Env"},
                                                                   {"ParameterValue", "prod"}}}}});
  auto three = call("DescribeChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "three"}});
  std::map<std::string, std::string> actions;
  for (const auto& c : three.at("Changes").as_array()) {
    actions[s(c.at("ResourceChange").at("LogicalResourceId"))] =
        s(c.at("ResourceChange").at("Action"));
  }
  EXPECT_EQ(actions, (std::map<std::string, std::string>{{"Logs", "Add"}, {"Queue", "Modify"}}));
  call("ExecuteChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "three"}});
  ASSERT_EQ(settled("cs"), "UPDATE_COMPLETE");
  EXPECT_TRUE(resources("cs").contains("Logs"));
  EXPECT_EQ(s(call("DescribeChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "three"}})
                  .at("ExecutionStatus")),
            "EXECUTE_COMPLETE");
  // The stack's other change sets are deleted once one is executed.
  auto gone = try_call("DescribeChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "two"}});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "ChangeSetNotFound");
  // An executed change set's name can be used again (`aws cloudformation
  // deploy` names change sets by the second).
  call("CreateChangeSet", {{"StackName", "cs"},
                           {"ChangeSetName", "three"},
                           {"UsePreviousTemplate", true},
                           {"Parameters", json::array{json::object{{"ParameterKey", "Env"},
                                                                   {"ParameterValue", "dev"}}}}});
  EXPECT_EQ(s(call("DescribeChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "three"}})
                  .at("ExecutionStatus")),
            "AVAILABLE");
}

constexpr const char* kSamTable = R"(
Transform: AWS::Serverless-2016-10-31
Globals:
  SimpleTable: {SSESpecification: {SSEEnabled: true}}
Resources:
  Items: {Type: AWS::Serverless::SimpleTable, Properties: {TableName: sam-items}}
  Queue: {Type: AWS::SQS::Queue}
)";

TEST_F(CloudFormationTest, TheSamTransformExpandsBeforeTheStackRuns) {
  auto refused = try_call("CreateStack", {{"StackName", "sam"}, {"TemplateBody", kSamTable}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code + ": " + refused.error().message,
            "InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_AUTO_EXPAND]");
  auto bad = try_call("CreateStack", {{"StackName", "sam"},
                                      {"TemplateBody",
                                       "Transform: AWS::Serverless-2016-10-31\n"
                                       "Resources: {F: {Type: AWS::Serverless::Function, "
                                       "Properties: {CodeUri: ./src}}}"},
                                      {"Capabilities", json::array{"CAPABILITY_AUTO_EXPAND"}}});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message.starts_with(
      "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application "
      "Specification document. Number of errors found: 1. Resource with id [F] is invalid."))
      << bad.error().message;
  EXPECT_TRUE(call("ListStacks", {}).at("StackSummaries").as_array().empty());

  call("CreateStack", {{"StackName", "sam"},
                       {"TemplateBody", kSamTable},
                       {"Capabilities", json::array{"CAPABILITY_AUTO_EXPAND"}}});
  ASSERT_EQ(settled("sam"), "CREATE_COMPLETE");
  EXPECT_EQ(s(resources("sam").at("Items").at("ResourceType")), "AWS::DynamoDB::Table");
  auto table = try_call(service("dynamodb"), ctx("DescribeTable"), {{"TableName", "sam-items"}});
  ASSERT_TRUE(table) << table.error().message;
  auto processed = call("GetTemplate", {{"StackName", "sam"}, {"TemplateStage", "Processed"}});
  auto doc = json::parse(s(processed.at("TemplateBody")));
  EXPECT_FALSE(doc.as_object().contains("Transform"));
  EXPECT_EQ(doc.at("Resources").at("Items").at("Type"), "AWS::DynamoDB::Table");
  auto original = call("GetTemplate", {{"StackName", "sam"}});
  EXPECT_EQ(s(original.at("TemplateBody")), kSamTable);

  // A change set shows the expanded template, so it needs no AUTO_EXPAND.
  call("CreateChangeSet", {{"StackName", "sam-cs"},
                           {"ChangeSetName", "one"},
                           {"ChangeSetType", "CREATE"},
                           {"TemplateBody", kSamTable}});
  auto described = call("DescribeChangeSet", {{"StackName", "sam-cs"}, {"ChangeSetName", "one"}});
  EXPECT_EQ(s(described.at("Status")), "CREATE_COMPLETE");
  EXPECT_EQ(described.at("Changes").as_array().size(), 2u);
}

TEST_F(CloudFormationTest, StacksSurviveARestart) {
  call("CreateStack", {{"StackName", "kept"},
                       {"TemplateBody", kQueueAndTable},
                       {"Parameters", json::array{json::object{{"ParameterKey", "Env"},
                                                               {"ParameterValue", "prod"}}}}});
  ASSERT_EQ(settled("kept"), "CREATE_COMPLETE");
  auto before = resources("kept");
  reopen();
  EXPECT_EQ(status("kept"), "CREATE_COMPLETE");
  EXPECT_EQ(resources("kept"), before);
  EXPECT_EQ(call("ListExports", {}).at("Exports").as_array().size(), 1u);
  call("DeleteStack", {{"StackName", "kept"}});
  eventually([&] { return status("kept") == "ValidationError"; });
  EXPECT_EQ(queues(), 0u);
}

TEST_F(CloudFormationTest, ValidateTemplateTellsParametersAndCapabilities) {
  auto out = call("ValidateTemplate", {{"TemplateBody", R"(
Description: roles
Parameters:
  Name: {Type: String, Default: x, Description: the name, NoEcho: true}
Resources:
  R: {Type: AWS::IAM::Role, Properties: {RoleName: !Ref Name}}
)"}});
  EXPECT_EQ(s(out.at("Description")), "roles");
  EXPECT_EQ(s(out.at("Parameters").as_array()[0].at("ParameterKey")), "Name");
  EXPECT_EQ(out.at("Parameters").as_array()[0].at("NoEcho"), true);
  EXPECT_EQ(out.at("Capabilities").as_array(), (json::array{"CAPABILITY_NAMED_IAM"}));
  expect_error("ValidateTemplate",
               {{"TemplateBody", "Resources: {A: {Type: X, Properties: {P: !Ref Nope}}}"}},
               "ValidationError");
}

}  // namespace
}  // namespace nimbus::services::cloudformation
