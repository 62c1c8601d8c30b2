// The stack API around the engine: stack tags on the resources, what
// happens on failure (OnFailure, DisableRollback), stack policies, imports,
// termination protection and NoEcho.
#include <gtest/gtest.h>

#include <set>

#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/test_stack.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/iam/iam_service.h"
#include "services/sns/sns_service.h"
#include "services/sqs/sqs_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

class StackApiTest : public StackTest {
 protected:
  StackApiTest()
      : StackTest({build<sqs::SqsService>(), build<sns::SnsService>(),
                   build<dynamodb::DynamoDbService>(), build<iam::IamService>(),
                   [this](Environment& env) {
                     return std::make_unique<CloudFormationService>(env, calls.get());
                   }}) {}
  Service* main_service() override { return services.size() > 4 ? services[4].get() : nullptr; }

  std::string physical(const std::string& stack, const std::string& logical) {
    auto r = call("DescribeStackResource", {{"StackName", stack}, {"LogicalResourceId", logical}});
    return s(r.at("StackResourceDetail").at("PhysicalResourceId"));
  }
  // [{Key, Value}] (or a {key: value} map) as one map.
  static std::map<std::string, std::string> tags(const json::value& v) {
    std::map<std::string, std::string> out;
    if (v.is_object()) {
      for (const auto& [k, x] : v.as_object()) out[k] = std::string(x.as_string());
    } else {
      for (const auto& t : v.as_array()) out[s(t.at("Key"))] = s(t.at("Value"));
    }
    return out;
  }
  std::map<std::string, std::string> queue_tags(const std::string& stack) {
    return queue_tags_of(physical(stack, "Queue"));
  }
  std::map<std::string, std::string> queue_tags_of(const std::string& url) {
    auto out = other("sqs", "ListQueueTags", {{"QueueUrl", url}});
    EXPECT_TRUE(out) << out.error().message;
    return out && out->contains("Tags") ? tags(out->at("Tags"))
                                        : std::map<std::string, std::string>();
  }
};

json::array tag_list(std::initializer_list<std::pair<const char*, const char*>> items) {
  json::array out;
  for (auto [k, v] : items) out.push_back(json::object{{"Key", k}, {"Value", v}});
  return out;
}

constexpr const char* kTagged = R"(
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {Tags: [{Key: env, Value: dev}, {Key: team, Value: own}]}
  Topic: {Type: AWS::SNS::Topic}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
)";

TEST_F(StackApiTest, StackTagsReachTheResourcesWithAwsTags) {
  auto id = s(call("CreateStack", {{"StackName", "tags"},
                                   {"TemplateBody", kTagged},
                                   {"Capabilities", json::array{"CAPABILITY_IAM"}},
                                   {"Tags", tag_list({{"team", "stack"}, {"cost", "42"}})}})
                  .at("StackId"));
  ASSERT_EQ(settled("tags"), "CREATE_COMPLETE") << reasons("tags");
  // The resource's own value wins over the stack's for the same key; every
  // resource gets the aws:cloudformation:* tags (README: Stack tags).
  auto with_aws = [&](const char* logical, std::map<std::string, std::string> own) {
    own["aws:cloudformation:logical-id"] = logical;
    own["aws:cloudformation:stack-id"] = id;
    own["aws:cloudformation:stack-name"] = "tags";
    return own;
  };
  EXPECT_EQ(queue_tags("tags"),
            with_aws("Queue", {{"cost", "42"}, {"env", "dev"}, {"team", "own"}}));
  auto role_tags = [&] {
    auto out = other("iam", "ListRoleTags", {{"RoleName", physical("tags", "Role")}});
    EXPECT_TRUE(out) << out.error().message;
    return out ? tags(out->at("Tags")) : std::map<std::string, std::string>();
  };
  EXPECT_EQ(role_tags(), with_aws("Role", {{"cost", "42"}, {"team", "stack"}}));
  auto topic = other("sns", "ListTagsForResource", {{"ResourceArn", physical("tags", "Topic")}});
  ASSERT_TRUE(topic) << topic.error().message;
  EXPECT_EQ(tags(topic->at("Tags")), with_aws("Topic", {{"cost", "42"}, {"team", "stack"}}));
  auto table = other("dynamodb", "DescribeTable", {{"TableName", physical("tags", "Table")}});
  ASSERT_TRUE(table);
  auto table_tags =
      other("dynamodb", "ListTagsOfResource", {{"ResourceArn", table->at("Table").at("TableArn")}});
  ASSERT_TRUE(table_tags) << table_tags.error().message;
  EXPECT_EQ(tags(table_tags->at("Tags")), with_aws("Table", {{"cost", "42"}, {"team", "stack"}}));
  // The events show the template's properties, not the tags added.
  EXPECT_EQ(reasons("tags").find("aws:cloudformation"), std::string::npos);

  // New stack tags on an update: added, changed and removed in place.
  std::string queue = physical("tags", "Queue");
  call("UpdateStack", {{"StackName", "tags"},
                       {"UsePreviousTemplate", true},
                       {"Capabilities", json::array{"CAPABILITY_IAM"}},
                       {"Tags", tag_list({{"cost", "7"}, {"owner", "ops"}})}});
  ASSERT_EQ(settled("tags"), "UPDATE_COMPLETE");
  EXPECT_EQ(physical("tags", "Queue"), queue);
  auto now = queue_tags("tags");
  EXPECT_EQ(now.at("cost"), "7");
  EXPECT_EQ(now.at("owner"), "ops");
  EXPECT_EQ(now.at("team"), "own");
  auto role_now = role_tags();
  EXPECT_EQ(role_now.count("team"), 0u);
  EXPECT_EQ(role_now.at("owner"), "ops");
  EXPECT_EQ(role_now.at("aws:cloudformation:logical-id"), "Role");
  table_tags =
      other("dynamodb", "ListTagsOfResource", {{"ResourceArn", table->at("Table").at("TableArn")}});
  EXPECT_EQ(tags(table_tags->at("Tags")), with_aws("Table", {{"cost", "7"}, {"owner", "ops"}}));
  auto stack = call("DescribeStacks", {{"StackName", "tags"}}).at("Stacks").as_array()[0];
  EXPECT_EQ(tags(stack.at("Tags")),
            (std::map<std::string, std::string>{{"cost", "7"}, {"owner", "ops"}}));
}

TEST_F(StackApiTest, AwsTagKeysAreNotTheTemplates) {
  // Stack tags may not have aws: keys (AWS's wording), nor may a resource's own.
  json::array aws_tag{json::object{{"Key", "aws:cloudformation:stack-name"}, {"Value", "x"}}};
  auto refused = try_call(
      "CreateStack", {{"StackName", "aws-tags"}, {"TemplateBody", kTagged}, {"Tags", aws_tag}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "ValidationError");
  EXPECT_EQ(refused.error().message,
            "aws: prefixed tag key names are not allowed for external use.");
  EXPECT_EQ(status("aws-tags"), "ValidationError");
  // The prefix in any case (common/tag_keys.h).
  json::array upper_tag{json::object{{"Key", "AWS:x"}, {"Value", "x"}}};
  refused = try_call("CreateStack",
                     {{"StackName", "aws-tags"}, {"TemplateBody", kTagged}, {"Tags", upper_tag}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "aws: prefixed tag key names are not allowed for external use.");
  call("CreateStack", {{"StackName", "own-aws"}, {"TemplateBody", R"(
Resources:
  Good: {Type: AWS::SQS::Queue}
  Queue:
    Type: AWS::SQS::Queue
    DependsOn: Good
    Properties: {Tags: [{Key: "aws:mine", Value: x}]}
)"}});
  EXPECT_EQ(settled("own-aws"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("own-aws").find("aws: prefixed tag key names are not allowed"),
            std::string::npos)
      << reasons("own-aws");
  // Nothing left: the queue made first was deleted by the rollback.
  auto queues = other("sqs", "ListQueues", {});
  ASSERT_TRUE(queues);
  EXPECT_FALSE(queues->contains("QueueUrls")) << json::serialize(*queues);
}

// Good is created first; Bad fails with SQS's own error.
constexpr const char* kFailing = R"(
Resources:
  Good:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 30}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: Good
    Properties: {VisibilityTimeout: 999999}
)";

constexpr const char* kGood = R"(
Resources:
  Good:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 30}
)";

constexpr const char* kGood60AndBad = R"(
Resources:
  Good:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: Good
    Properties: {VisibilityTimeout: 999999}
)";

TEST_F(StackApiTest, OnFailureDeleteDeletesTheStack) {
  auto id = s(call("CreateStack",
                   {{"StackName", "od"}, {"TemplateBody", kFailing}, {"OnFailure", "DELETE"}})
                  .at("StackId"));
  EXPECT_EQ(settled(id), "DELETE_COMPLETE");
  EXPECT_NE(reasons(id).find("The following resource(s) failed to create: [Bad]. Delete requested "
                             "by user."),
            std::string::npos)
      << reasons(id);
  EXPECT_EQ(status("od"), "ValidationError");  // gone by name
  auto queues = other("sqs", "ListQueues", {});
  ASSERT_TRUE(queues);
  EXPECT_FALSE(queues->contains("QueueUrls") && !queues->at("QueueUrls").as_array().empty());

  auto both = try_call("CreateStack", {{"StackName", "x"},
                                       {"TemplateBody", kGood},
                                       {"OnFailure", "ROLLBACK"},
                                       {"DisableRollback", false}});
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().message,
            "You can specify either DisableRollback or OnFailure, but not both.");
}

TEST_F(StackApiTest, DisableRollbackStopsAndRollbackStackFinishes) {
  call("CreateStack", {{"StackName", "dr"}, {"TemplateBody", kFailing}, {"DisableRollback", true}});
  EXPECT_EQ(settled("dr"), "CREATE_FAILED");
  std::string good = physical("dr", "Good");
  EXPECT_TRUE(other("sqs", "GetQueueAttributes", {{"QueueUrl", good}}));
  auto stack = call("DescribeStacks", {{"StackName", "dr"}}).at("Stacks").as_array()[0];
  EXPECT_EQ(stack.at("DisableRollback"), json::value(true));
  call("RollbackStack", {{"StackName", "dr"}});
  EXPECT_EQ(settled("dr"), "ROLLBACK_COMPLETE");
  EXPECT_FALSE(other("sqs", "GetQueueAttributes", {{"QueueUrl", good}}));
  auto again = try_call("RollbackStack", {{"StackName", "dr"}});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("is in ROLLBACK_COMPLETE state and can not be rolled back"),
            std::string::npos);

  // An update with DisableRollback stops at UPDATE_FAILED with what it did.
  call("CreateStack", {{"StackName", "ur"}, {"TemplateBody", kGood}});
  ASSERT_EQ(settled("ur"), "CREATE_COMPLETE");
  std::string url = physical("ur", "Good");
  auto timeout = [&] {
    auto a = other("sqs", "GetQueueAttributes",
                   {{"QueueUrl", url}, {"AttributeNames", json::array{"VisibilityTimeout"}}});
    return a ? s(a->at("Attributes").at("VisibilityTimeout")) : a.error().code;
  };
  call("UpdateStack",
       {{"StackName", "ur"}, {"TemplateBody", kGood60AndBad}, {"DisableRollback", true}});
  EXPECT_EQ(settled("ur"), "UPDATE_FAILED");
  EXPECT_EQ(timeout(), "60");
  call("RollbackStack", {{"StackName", "ur"}});
  EXPECT_EQ(settled("ur"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_EQ(timeout(), "30");
}

// A stack for updates from UPDATE_FAILED: Named is replaced when its
// QueueName changes, Keep is updated in place.
constexpr const char* kBase = R"(
Resources:
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: uf-a}
  Keep:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 30}
)";

// Named replaced by uf-b, Keep changed, Extra created, then Bad fails.
constexpr const char* kReplaceAndBad = R"(
Resources:
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: uf-b}
  Keep:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  Extra: {Type: AWS::SQS::Queue}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: [Named, Keep, Extra]
    Properties: {VisibilityTimeout: 999999}
)";

// The fix: Named replaced again (uf-c), Extra gone, Bad good.
constexpr const char* kFixed = R"(
Resources:
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: uf-c}
  Keep:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: [Named, Keep]
    Properties: {VisibilityTimeout: 10}
)";

class UpdateFailedTest : public StackApiTest {
 protected:
  // The stack `name` from kBase, then failed at UPDATE_FAILED by kReplaceAndBad.
  void fail_update(const std::string& name) {
    id_ = s(call("CreateStack", {{"StackName", name}, {"TemplateBody", kBase}}).at("StackId"));
    ASSERT_EQ(settled(name), "CREATE_COMPLETE") << reasons(name);
    keep_ = physical(name, "Keep");
    call("UpdateStack",
         {{"StackName", name}, {"TemplateBody", kReplaceAndBad}, {"DisableRollback", true}});
    ASSERT_EQ(settled(name), "UPDATE_FAILED") << reasons(name);
    extra_ = physical(name, "Extra");
    ASSERT_TRUE(exists("uf-a"));
    ASSERT_TRUE(exists("uf-b"));
    ASSERT_EQ(keep_timeout(), "60");
  }
  bool exists(const std::string& queue_name) {
    return static_cast<bool>(other("sqs", "GetQueueUrl", {{"QueueName", queue_name}}));
  }
  bool exists_url(const std::string& url) {
    return static_cast<bool>(other("sqs", "GetQueueAttributes", {{"QueueUrl", url}}));
  }
  std::string keep_timeout() {
    auto a = other("sqs", "GetQueueAttributes",
                   {{"QueueUrl", keep_}, {"AttributeNames", json::array{"VisibilityTimeout"}}});
    return a ? s(a->at("Attributes").at("VisibilityTimeout")) : a.error().code;
  }
  size_t queue_count() {
    auto out = other("sqs", "ListQueues", {});
    EXPECT_TRUE(out);
    return out && out->contains("QueueUrls") ? out->at("QueueUrls").as_array().size() : 0;
  }
  std::string id_, keep_, extra_;  // a deleted stack is found by its id only
};

TEST_F(UpdateFailedTest, AnUpdateFromUpdateFailedGoesOnAndCleansUpWhatTheFailedOneMade) {
  fail_update("uf");
  // The fix goes on from what the failed update left: what it replaced
  // (uf-a) and what it made that the fix drops or replaces again (Extra,
  // uf-b) are deleted in the cleanup.
  call("UpdateStack", {{"StackName", "uf"}, {"TemplateBody", kFixed}});
  ASSERT_EQ(settled("uf"), "UPDATE_COMPLETE") << reasons("uf");
  EXPECT_FALSE(exists("uf-a"));
  EXPECT_FALSE(exists("uf-b"));
  EXPECT_TRUE(exists("uf-c"));
  EXPECT_FALSE(exists_url(extra_));
  EXPECT_EQ(physical("uf", "Keep"), keep_);
  EXPECT_EQ(keep_timeout(), "60");
  EXPECT_EQ(queue_count(), 3u);  // uf-c, Keep, Bad
  call("DeleteStack", {{"StackName", "uf"}});
  EXPECT_EQ(settled(id_), "DELETE_COMPLETE");
  EXPECT_EQ(queue_count(), 0u);
}

TEST_F(UpdateFailedTest, WhatTheFailedUpdateMadeKeepsItsOwnDeletionPolicy) {
  // The failed update's template retains Named (uf-b) and Extra; the fix
  // replaces the one and drops the other, and both stay.
  std::string retaining = kReplaceAndBad;
  auto at = retaining.find("  Named:\n    Type: AWS::SQS::Queue\n");
  ASSERT_NE(at, std::string::npos);
  retaining.insert(at + std::string("  Named:\n").size(), "    DeletionPolicy: Retain\n");
  retaining.replace(retaining.find("  Extra: {Type: AWS::SQS::Queue}"),
                    std::string("  Extra: {Type: AWS::SQS::Queue}").size(),
                    "  Extra: {Type: AWS::SQS::Queue, DeletionPolicy: Retain}");
  call("CreateStack", {{"StackName", "uk"}, {"TemplateBody", kBase}});
  ASSERT_EQ(settled("uk"), "CREATE_COMPLETE") << reasons("uk");
  call("UpdateStack",
       {{"StackName", "uk"}, {"TemplateBody", retaining}, {"DisableRollback", true}});
  ASSERT_EQ(settled("uk"), "UPDATE_FAILED") << reasons("uk");
  std::string extra = physical("uk", "Extra");
  call("UpdateStack", {{"StackName", "uk"}, {"TemplateBody", kFixed}});
  ASSERT_EQ(settled("uk"), "UPDATE_COMPLETE") << reasons("uk");
  EXPECT_FALSE(exists("uf-a"));  // the stable state's, not retained there
  EXPECT_TRUE(exists("uf-b"));
  EXPECT_TRUE(exists_url(extra));
  EXPECT_TRUE(exists("uf-c"));
}

TEST_F(UpdateFailedTest, TheSameTemplateAgainRetriesAndARollbackReturnsToTheLastStableState) {
  fail_update("ur");
  // The same template again (no "No updates are to be performed."), still
  // failing, now with rollback: back to kBase, what the updates made gone.
  call("UpdateStack", {{"StackName", "ur"}, {"TemplateBody", kReplaceAndBad}});
  ASSERT_EQ(settled("ur"), "UPDATE_ROLLBACK_COMPLETE") << reasons("ur");
  EXPECT_TRUE(exists("uf-a"));
  EXPECT_FALSE(exists("uf-b"));
  EXPECT_FALSE(exists_url(extra_));
  EXPECT_EQ(keep_timeout(), "30");
  EXPECT_EQ(queue_count(), 2u);
  auto t = call("GetTemplate", {{"StackName", "ur"}});
  EXPECT_EQ(s(t.at("TemplateBody")), kBase);
}

TEST_F(UpdateFailedTest, DeleteStackFromUpdateFailedDeletesWhatTheUpdateReplacedAndMade) {
  fail_update("ud");
  call("DeleteStack", {{"StackName", "ud"}});
  EXPECT_EQ(settled(id_), "DELETE_COMPLETE");
  EXPECT_FALSE(exists("uf-a"));
  EXPECT_FALSE(exists("uf-b"));
  EXPECT_EQ(queue_count(), 0u);
}

TEST_F(UpdateFailedTest, DeleteStackFromCreateFailedDeletesWhatItMade) {
  auto id = s(call("CreateStack",
                   {{"StackName", "cf"}, {"TemplateBody", kFailing}, {"DisableRollback", true}})
                  .at("StackId"));
  ASSERT_EQ(settled("cf"), "CREATE_FAILED");
  EXPECT_EQ(queue_count(), 1u);
  call("DeleteStack", {{"StackName", "cf"}});
  EXPECT_EQ(settled(id), "DELETE_COMPLETE");
  EXPECT_EQ(queue_count(), 0u);
}

// kFailing with Bad fixed (and Good changed in place).
constexpr const char* kFailingFixed = R"(
Resources:
  Good:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 45}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: Good
    Properties: {VisibilityTimeout: 20}
)";

TEST_F(UpdateFailedTest, AnUpdateFromCreateFailedGoesOnFromWhatTheCreateMade) {
  auto id = s(call("CreateStack",
                   {{"StackName", "cu"}, {"TemplateBody", kFailing}, {"DisableRollback", true}})
                  .at("StackId"));
  ASSERT_EQ(settled("cu"), "CREATE_FAILED");
  std::string good = physical("cu", "Good");
  // The same template again retries Bad (still failing, kept again).
  call("UpdateStack", {{"StackName", "cu"}, {"TemplateBody", kFailing}, {"DisableRollback", true}});
  ASSERT_EQ(settled("cu"), "UPDATE_FAILED") << reasons("cu");
  EXPECT_EQ(physical("cu", "Good"), good);
  // The fix creates Bad and updates Good in place.
  call("UpdateStack", {{"StackName", "cu"}, {"TemplateBody", kFailingFixed}});
  ASSERT_EQ(settled("cu"), "UPDATE_COMPLETE") << reasons("cu");
  EXPECT_EQ(physical("cu", "Good"), good);
  auto a = other("sqs", "GetQueueAttributes",
                 {{"QueueUrl", good}, {"AttributeNames", json::array{"VisibilityTimeout"}}});
  ASSERT_TRUE(a);
  EXPECT_EQ(s(a->at("Attributes").at("VisibilityTimeout")), "45");
  EXPECT_EQ(queue_count(), 2u);
  call("DeleteStack", {{"StackName", "cu"}});
  EXPECT_EQ(settled(id), "DELETE_COMPLETE");
  EXPECT_EQ(queue_count(), 0u);
}

TEST_F(UpdateFailedTest, AFailedUpdateFromCreateFailedRollsBackToNothing) {
  call("CreateStack",
       {{"StackName", "cr"}, {"TemplateBody", kFailing}, {"OnFailure", "DO_NOTHING"}});
  ASSERT_EQ(settled("cr"), "CREATE_FAILED");
  ASSERT_EQ(queue_count(), 1u);
  // Without DisableRollback the failed update rolls back; the stack had no
  // stable state, so nothing is left.
  call("UpdateStack", {{"StackName", "cr"}, {"TemplateBody", kFailing}});
  ASSERT_EQ(settled("cr"), "UPDATE_ROLLBACK_COMPLETE") << reasons("cr");
  EXPECT_EQ(queue_count(), 0u);
  EXPECT_TRUE(call("DescribeStackResources", {{"StackName", "cr"}})
                  .at("StackResources")
                  .as_array()
                  .empty());
  // It takes a template again from there.
  call("UpdateStack", {{"StackName", "cr"}, {"TemplateBody", kGood}});
  ASSERT_EQ(settled("cr"), "UPDATE_COMPLETE") << reasons("cr");
  EXPECT_EQ(queue_count(), 1u);
}

constexpr const char* kPolicy = R"({"Statement": [
  {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
  {"Effect": "Deny", "Action": "Update:*", "Principal": "*", "Resource": "LogicalResourceId/Go*"}]})";

TEST_F(StackApiTest, StackPoliciesAreStoredAndDenyUpdates) {
  call("CreateStack", {{"StackName", "sp"}, {"TemplateBody", kGood}, {"StackPolicyBody", kPolicy}});
  ASSERT_EQ(settled("sp"), "CREATE_COMPLETE");
  EXPECT_EQ(call("GetStackPolicy", {{"StackName", "sp"}}).at("StackPolicyBody"), kPolicy);

  std::string kGood60 = kGood;
  kGood60.replace(kGood60.find("30"), 2, "60");
  call("UpdateStack", {{"StackName", "sp"}, {"TemplateBody", kGood60}});
  EXPECT_EQ(settled("sp"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("sp").find("Action denied by stack policy: Statement [#2] does not allow "
                               "[Update:Modify] for resource [LogicalResourceId/Good]"),
            std::string::npos)
      << reasons("sp");

  // A policy for this update only lets it through; the stored one stays.
  call(
      "UpdateStack",
      {{"StackName", "sp"},
       {"TemplateBody", kGood60},
       {"StackPolicyDuringUpdateBody",
        R"({"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"}]})"}});
  EXPECT_EQ(settled("sp"), "UPDATE_COMPLETE");
  EXPECT_EQ(call("GetStackPolicy", {{"StackName", "sp"}}).at("StackPolicyBody"), kPolicy);

  // Without an Allow nothing may change.
  call("SetStackPolicy", {{"StackName", "sp"}, {"StackPolicyBody", R"({"Statement":[]})"}});
  call("UpdateStack", {{"StackName", "sp"}, {"TemplateBody", kGood}});
  EXPECT_EQ(settled("sp"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("sp").find("Action not allowed by stack policy"), std::string::npos);

  // Removing a resource is Update:Delete.
  call("SetStackPolicy",
       {{"StackName", "sp"},
        {"StackPolicyBody",
         R"({"Statement":[{"Effect":"Deny","Action":"Update:Delete","Principal":"*","Resource":"*"},
             {"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"}]})"}});
  std::string good = physical("sp", "Good");
  call("UpdateStack",
       {{"StackName", "sp"}, {"TemplateBody", "Resources:\n  Other: {Type: AWS::SQS::Queue}\n"}});
  EXPECT_EQ(settled("sp"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("sp").find("Action denied by stack policy: Statement [#1] does not allow "
                               "[Update:Delete] for resource [LogicalResourceId/Good]"),
            std::string::npos)
      << reasons("sp");
  EXPECT_EQ(physical("sp", "Good"), good);
  EXPECT_TRUE(other("sqs", "GetQueueAttributes", {{"QueueUrl", good}}));

  auto bad = try_call("SetStackPolicy", {{"StackName", "sp"}, {"StackPolicyBody", "{nope"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "ValidationError");
  EXPECT_FALSE(try_call("SetStackPolicy", {{"StackName", "nobody"}, {"StackPolicyBody", kPolicy}}));
  call("CreateStack", {{"StackName", "plain"}, {"TemplateBody", kGood}});
  EXPECT_FALSE(call("GetStackPolicy", {{"StackName", "plain"}}).contains("StackPolicyBody"));
}

constexpr const char* kExporter = R"(
Resources:
  Good: {Type: AWS::SQS::Queue}
Outputs:
  Url: {Value: !Ref Good, Export: {Name: shared-url}}
)";
constexpr const char* kImporter = R"(
Resources:
  User:
    Type: AWS::SQS::Queue
    Properties: {Tags: [{Key: upstream, Value: !ImportValue shared-url}]}
)";

TEST_F(StackApiTest, ImportsAreListedAndKeepTheirExport) {
  call("CreateStack", {{"StackName", "exp"}, {"TemplateBody", kExporter}});
  ASSERT_EQ(settled("exp"), "CREATE_COMPLETE");
  auto none = try_call("ListImports", {{"ExportName", "shared-url"}});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "Export 'shared-url' is not imported by any stack.");
  call("CreateStack", {{"StackName", "imp"}, {"TemplateBody", kImporter}});
  ASSERT_EQ(settled("imp"), "CREATE_COMPLETE");
  EXPECT_EQ(call("ListImports", {{"ExportName", "shared-url"}}).at("Imports"), json::array{"imp"});

  // DeleteStack answers, and the stack stays with the reason.
  call("DeleteStack", {{"StackName", "exp"}});
  EXPECT_EQ(settled("exp"), "CREATE_COMPLETE");
  auto stack = call("DescribeStacks", {{"StackName", "exp"}}).at("Stacks").as_array()[0];
  EXPECT_EQ(stack.at("StackStatusReason"),
            "Export shared-url cannot be deleted as it is in use by imp");
  // An update may not drop it either.
  call("UpdateStack", {{"StackName", "exp"}, {"TemplateBody", kGood}});
  EXPECT_EQ(settled("exp"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("exp").find("Export shared-url cannot be deleted as it is in use by imp"),
            std::string::npos);
  EXPECT_EQ(outputs("exp").size(), 1u);

  call("DeleteStack", {{"StackName", "imp"}});
  EXPECT_EQ(status("imp"), "ValidationError");
  EXPECT_FALSE(try_call("ListImports", {{"ExportName", "shared-url"}}));
  call("DeleteStack", {{"StackName", "exp"}});
  EXPECT_EQ(status("exp"), "ValidationError");
}

TEST_F(StackApiTest, TerminationProtectionRefusesTheDelete) {
  call("CreateStack",
       {{"StackName", "tp"}, {"TemplateBody", kGood}, {"EnableTerminationProtection", true}});
  ASSERT_EQ(settled("tp"), "CREATE_COMPLETE");
  auto refused = try_call("DeleteStack", {{"StackName", "tp"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "Stack [tp] cannot be deleted while TerminationProtection is enabled");
  EXPECT_EQ(status("tp"), "CREATE_COMPLETE");
  call("UpdateTerminationProtection",
       {{"StackName", "tp"}, {"EnableTerminationProtection", false}});
  call("DeleteStack", {{"StackName", "tp"}});
  EXPECT_EQ(status("tp"), "ValidationError");
}

TEST_F(StackApiTest, NoEchoParametersAreMasked) {
  constexpr const char* kSecret = R"(
Parameters:
  Secret: {Type: String, NoEcho: true}
  Plain: {Type: String, Default: visible}
Resources:
  Good:
    Type: AWS::SQS::Queue
    Properties: {Tags: [{Key: s, Value: !Sub "pre-${Secret}"}, {Key: p, Value: !Ref Plain}]}
)";
  call("CreateStack", {{"StackName", "ne"},
                       {"TemplateBody", kSecret},
                       {"Parameters", json::array{json::object{{"ParameterKey", "Secret"},
                                                               {"ParameterValue", "hunter2"}}}}});
  ASSERT_EQ(settled("ne"), "CREATE_COMPLETE");
  auto stack = call("DescribeStacks", {{"StackName", "ne"}}).at("Stacks").as_array()[0];
  std::map<std::string, std::string> params;
  for (const auto& p : stack.at("Parameters").as_array()) {
    params[s(p.at("ParameterKey"))] = s(p.at("ParameterValue"));
  }
  EXPECT_EQ(params.at("Secret"), "****");
  EXPECT_EQ(params.at("Plain"), "visible");
  std::string events = json::serialize(call("DescribeStackEvents", {{"StackName", "ne"}}));
  EXPECT_EQ(events.find("hunter2"), std::string::npos);
  EXPECT_NE(events.find("pre-****"), std::string::npos);
  EXPECT_EQ(queue_tags_of(physical("ne", "Good")).at("s"), "pre-hunter2");
  auto summary = call("GetTemplateSummary", {{"StackName", "ne"}});
  for (const auto& p : summary.at("Parameters").as_array()) {
    EXPECT_EQ(p.at("NoEcho"), json::value(s(p.at("ParameterKey")) == "Secret"));
  }
}

// A table protected against deletion: its stack's delete fails. Deleted in
// the reverse order: Table (fails), Queue, Dep (which the table depends on).
constexpr const char* kProtected = R"(
Resources:
  Dep: {Type: AWS::SQS::Queue}
  Queue: {Type: AWS::SQS::Queue}
  Table:
    Type: AWS::DynamoDB::Table
    DependsOn: Dep
    Properties:
      TableName: kept-table
      BillingMode: PAY_PER_REQUEST
      DeletionProtectionEnabled: true
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
)";

// A delete that fails leaves the stack DELETE_FAILED; DeleteStack with
// RetainResources then deletes the stack and leaves the table, as AWS's way
// out of DELETE_FAILED.
TEST_F(StackApiTest, RetainResourcesDeletesADeleteFailedStack) {
  std::string id =
      s(call("CreateStack", {{"StackName", "keep"}, {"TemplateBody", kProtected}}).at("StackId"));
  ASSERT_EQ(settled("keep"), "CREATE_COMPLETE");
  std::string queue = physical("keep", "Queue");
  std::string dep = physical("keep", "Dep");
  // Only from DELETE_FAILED.
  auto early =
      try_call("DeleteStack", {{"StackName", "keep"}, {"RetainResources", json::array{"Table"}}});
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().message,
            "Invalid operation on stack [keep]: RetainResources can only be specified for a "
            "stack in DELETE_FAILED state");
  EXPECT_EQ(status("keep"), "CREATE_COMPLETE");

  call("DeleteStack", {{"StackName", "keep"}});
  ASSERT_EQ(settled("keep"), "DELETE_FAILED");
  EXPECT_NE(reasons("keep").find("The following resource(s) failed to delete: [Table]."),
            std::string::npos)
      << reasons("keep");
  // The delete went on past the table with what it does not depend on (the
  // queue is gone) and left what it does (Dep), as AWS's does.
  EXPECT_FALSE(other("sqs", "GetQueueUrl", {{"QueueName", queue.substr(queue.rfind('/') + 1)}}));
  EXPECT_TRUE(other("sqs", "GetQueueUrl", {{"QueueName", dep.substr(dep.rfind('/') + 1)}}));
  // A resource already deleted, or not in the stack, is refused.
  auto gone = try_call("DeleteStack",
                       {{"StackName", "keep"}, {"RetainResources", json::array{"Table", "Queue"}}});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().message,
            "The specified resources to retain must be in a valid state. Do not specify "
            "resources that are in the DELETE_COMPLETE state.");
  auto unknown =
      try_call("DeleteStack", {{"StackName", "keep"}, {"RetainResources", json::array{"Nope"}}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "Resource [Nope] to retain is not in stack [keep]");
  EXPECT_EQ(status("keep"), "DELETE_FAILED");

  call("DeleteStack", {{"StackName", "keep"}, {"RetainResources", json::array{"Table"}}});
  eventually([&] { return status(id) == "DELETE_COMPLETE"; });
  EXPECT_EQ(status(id), "DELETE_COMPLETE");
  auto skipped = call("DescribeStackEvents", {{"StackName", id}});
  EXPECT_EQ(s(skipped["StackEvents"].as_array()[0].at("ResourceStatus")), "DELETE_COMPLETE");
  bool table_skipped = false;
  for (const auto& e : skipped["StackEvents"].as_array()) {
    table_skipped = table_skipped || (s(e.at("LogicalResourceId")) == "Table" &&
                                      s(e.at("ResourceStatus")) == "DELETE_SKIPPED");
  }
  EXPECT_TRUE(table_skipped);
  EXPECT_TRUE(other("dynamodb", "DescribeTable", {{"TableName", "kept-table"}}));
  EXPECT_FALSE(other("sqs", "GetQueueUrl", {{"QueueName", dep.substr(dep.rfind('/') + 1)}}));
}

// DeletionMode FORCE_DELETE_STACK deletes a DELETE_FAILED stack and skips
// what failed to delete.
TEST_F(StackApiTest, ForceDeleteStackSkipsWhatFailedToDelete) {
  std::string id =
      s(call("CreateStack", {{"StackName", "force"}, {"TemplateBody", kProtected}}).at("StackId"));
  ASSERT_EQ(settled("force"), "CREATE_COMPLETE");
  auto early =
      try_call("DeleteStack", {{"StackName", "force"}, {"DeletionMode", "FORCE_DELETE_STACK"}});
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().message,
            "Invalid operation on stack [force]: DeletionMode FORCE_DELETE_STACK can only be used "
            "for a stack in DELETE_FAILED state");
  call("DeleteStack", {{"StackName", "force"}});
  ASSERT_EQ(settled("force"), "DELETE_FAILED");
  call("DeleteStack", {{"StackName", "force"}, {"DeletionMode", "FORCE_DELETE_STACK"}});
  eventually([&] { return status(id) == "DELETE_COMPLETE"; });
  auto table = call("DescribeStackResources", {{"StackName", id}});
  bool skipped = false;
  for (const auto& r : table["StackResources"].as_array()) {
    skipped = skipped || (s(r.at("LogicalResourceId")) == "Table" &&
                          s(r.at("ResourceStatus")) == "DELETE_SKIPPED");
  }
  EXPECT_TRUE(skipped) << json::serialize(table);
  EXPECT_TRUE(other("dynamodb", "DescribeTable", {{"TableName", "kept-table"}}));
}

// DescribeStackEvents answers 100 events a page, newest first, with a
// NextToken for the rest.
TEST_F(StackApiTest, StackEventsComeInPagesOf100) {
  std::string body = "Resources:\n";
  for (int i = 0; i < 55; ++i) body += "  Q" + std::to_string(i) + ": {Type: AWS::SQS::Queue}\n";
  call("CreateStack", {{"StackName", "paged"}, {"TemplateBody", body}});
  ASSERT_EQ(settled("paged"), "CREATE_COMPLETE");
  auto first = call("DescribeStackEvents", {{"StackName", "paged"}});
  ASSERT_EQ(first["StackEvents"].as_array().size(), 100u);
  EXPECT_EQ(s(first["StackEvents"].as_array()[0].at("ResourceStatus")), "CREATE_COMPLETE");
  EXPECT_EQ(s(first["StackEvents"].as_array()[0].at("LogicalResourceId")), "paged");
  ASSERT_TRUE(first.contains("NextToken"));
  auto second =
      call("DescribeStackEvents", {{"StackName", "paged"}, {"NextToken", first["NextToken"]}});
  // 55 resources x (IN_PROGRESS, COMPLETE) + the stack's two.
  ASSERT_EQ(second["StackEvents"].as_array().size(), 12u);
  EXPECT_FALSE(second.contains("NextToken"));
  const auto& oldest = second["StackEvents"].as_array().back();
  EXPECT_EQ(s(oldest.at("ResourceStatus")), "CREATE_IN_PROGRESS");
  EXPECT_EQ(s(oldest.at("LogicalResourceId")), "paged");
  std::set<std::string> ids;
  for (auto* page : {&first, &second}) {
    for (const auto& e : (*page)["StackEvents"].as_array()) ids.insert(s(e.at("EventId")));
  }
  EXPECT_EQ(ids.size(), 112u);
}

}  // namespace
}  // namespace nimbus::services::cloudformation
