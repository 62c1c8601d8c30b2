// Resource import (CreateChangeSet with ChangeSetType IMPORT): existing
// queues and tables brought into a new stack and into an existing one, the
// Import changes, the resources' IMPORT_* events, a missing resource rolled
// back with nothing deleted, AWS's checks refusing bad imports with nothing
// made, and GetTemplateSummary's ResourceIdentifierSummaries.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "services/cloudformation/test_stack.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/sqs/sqs_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

constexpr const char* kImported = R"(
Resources:
  Queue:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    Properties: {QueueName: legacy}
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      TableName: legacy-table
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
)";

class ImportTest : public StackTest {
 protected:
  ImportTest()
      : StackTest({build<sqs::SqsService>(), build<dynamodb::DynamoDbService>(),
                   [this](Environment& env) {
                     return std::make_unique<CloudFormationService>(env, calls.get());
                   }}) {}
  Service* main_service() override { return services.size() > 2 ? services[2].get() : nullptr; }

  void SetUp() override {
    StackTest::SetUp();
    auto q = other("sqs", "CreateQueue", {{"QueueName", "legacy"}});
    ASSERT_TRUE(q) << q.error().message;
    queue_url = s(q->at("QueueUrl"));
    ASSERT_TRUE(make_table("legacy-table"));
  }
  Output make_table(const std::string& name) {
    return other(
        "dynamodb", "CreateTable",
        {{"TableName", name},
         {"BillingMode", "PAY_PER_REQUEST"},
         {"AttributeDefinitions",
          json::array{json::object{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
         {"KeySchema", json::array{json::object{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}});
  }
  static json::object to_import(const std::string& type, const std::string& id,
                                const std::string& key, const std::string& value) {
    return json::object{{"ResourceType", type},
                        {"LogicalResourceId", id},
                        {"ResourceIdentifier", json::object{{key, value}}}};
  }
  json::array both() {
    return json::array{to_import("AWS::SQS::Queue", "Queue", "QueueUrl", queue_url),
                       to_import("AWS::DynamoDB::Table", "Table", "TableName", "legacy-table")};
  }
  Output import(const std::string& stack, const std::string& body, json::array resources) {
    return try_call("CreateChangeSet", {{"StackName", stack},
                                        {"ChangeSetName", "imp"},
                                        {"ChangeSetType", "IMPORT"},
                                        {"TemplateBody", body},
                                        {"ResourcesToImport", std::move(resources)}});
  }
  std::string physical(const std::string& stack, const std::string& logical) {
    auto r =
        try_call("DescribeStackResource", {{"StackName", stack}, {"LogicalResourceId", logical}});
    return r ? s(r->at("StackResourceDetail").at("PhysicalResourceId")) : r.error().code;
  }
  // "LOGICAL STATUS" of each resource event, oldest first.
  std::vector<std::string> resource_events(const std::string& stack) {
    std::vector<std::string> out;
    auto r = call("DescribeStackEvents", {{"StackName", stack}});
    for (const auto& e : r.at("StackEvents").as_array()) {
      if (s(e.at("ResourceType")) == "AWS::CloudFormation::Stack") continue;
      out.insert(out.begin(), s(e.at("LogicalResourceId")) + " " + s(e.at("ResourceStatus")));
    }
    return out;
  }
  std::string queue_url;
};

TEST_F(ImportTest, ImportsExistingResourcesIntoANewStack) {
  auto made = import("imported", kImported, both());
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(status("imported"), "REVIEW_IN_PROGRESS");
  auto described = call("DescribeChangeSet", {{"StackName", "imported"}, {"ChangeSetName", "imp"}});
  const auto& changes = described.at("Changes").as_array();
  ASSERT_EQ(changes.size(), 2u) << json::serialize(changes);
  for (const auto& c : changes) {
    const auto& rc = c.at("ResourceChange");
    EXPECT_EQ(s(rc.at("Action")), "Import");
    EXPECT_EQ(s(rc.at("PhysicalResourceId")),
              s(rc.at("LogicalResourceId")) == "Queue" ? queue_url : "legacy-table");
  }

  call("ExecuteChangeSet", {{"StackName", "imported"}, {"ChangeSetName", "imp"}});
  ASSERT_EQ(settled("imported"), "IMPORT_COMPLETE") << reasons("imported");
  EXPECT_EQ(physical("imported", "Queue"), queue_url);
  EXPECT_EQ(physical("imported", "Table"), "legacy-table");
  auto events = resource_events("imported");
  for (const char* id : {"Queue", "Table"}) {
    auto at = [&](const std::string& what) {
      return std::find(events.begin(), events.end(), std::string(id) + " " + what) - events.begin();
    };
    EXPECT_LT(at("IMPORT_IN_PROGRESS"), at("IMPORT_COMPLETE"));
    EXPECT_LT(at("IMPORT_COMPLETE"), static_cast<long>(events.size()));
  }

  // Imported, they are the stack's: Fn::GetAtt reads them, an update
  // changes them, and the stack's delete keeps them (Retain).
  std::string updated = std::string(kImported) + R"(
      Tags: [{Key: team, Value: data}]
Outputs:
  QueueArn: {Value: !GetAtt Queue.Arn}
  TableArn: {Value: !GetAtt Table.Arn}
)";
  call("UpdateStack", {{"StackName", "imported"}, {"TemplateBody", updated}});
  ASSERT_EQ(settled("imported"), "UPDATE_COMPLETE") << reasons("imported");
  auto out = outputs("imported");
  EXPECT_EQ(s(out.at("QueueArn")), "arn:aws:sqs:us-east-1:000000000000:legacy");
  EXPECT_EQ(s(out.at("TableArn")), "arn:aws:dynamodb:us-east-1:000000000000:table/legacy-table");
  call("DeleteStack", {{"StackName", "imported"}});
  EXPECT_EQ(settled(s(made->at("StackId"))), "DELETE_COMPLETE");
  EXPECT_TRUE(other("sqs", "GetQueueAttributes", {{"QueueUrl", queue_url}}));
  EXPECT_TRUE(other("dynamodb", "DescribeTable", {{"TableName", "legacy-table"}}));
}

TEST_F(ImportTest, AMissingResourceRollsTheImportBackDeletingNothing) {
  constexpr const char* kQueueOnly = R"(
Resources:
  Queue:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    Properties: {QueueName: legacy}
)";
  ASSERT_TRUE(import("grow", kQueueOnly,
                     json::array{to_import("AWS::SQS::Queue", "Queue", "QueueUrl", queue_url)}));
  call("ExecuteChangeSet", {{"StackName", "grow"}, {"ChangeSetName", "imp"}});
  ASSERT_EQ(settled("grow"), "IMPORT_COMPLETE") << reasons("grow");

  // Into the existing stack: a table that is not there.
  std::string body = std::string(kImported);
  body.replace(body.find("TableName: legacy-table"), 23, "TableName: no-such-table");
  auto made =
      import("grow", body,
             json::array{to_import("AWS::DynamoDB::Table", "Table", "TableName", "no-such-table")});
  ASSERT_TRUE(made) << made.error().message;
  call("ExecuteChangeSet", {{"StackName", "grow"}, {"ChangeSetName", "imp"}});
  ASSERT_EQ(settled("grow"), "IMPORT_ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("grow").find("Resource of type 'AWS::DynamoDB::Table' with identifier "
                                 "'no-such-table' was not found."),
            std::string::npos)
      << reasons("grow");
  auto events = resource_events("grow");
  EXPECT_EQ(events.back(), "Table IMPORT_ROLLBACK_COMPLETE");
  auto listed = call("ListStackResources", {{"StackName", "grow"}});
  ASSERT_EQ(listed.at("StackResourceSummaries").as_array().size(), 1u);
  EXPECT_EQ(physical("grow", "Queue"), queue_url);
  auto tmpl = call("GetTemplate", {{"StackName", "grow"}});
  EXPECT_EQ(s(tmpl.at("TemplateBody")), kQueueOnly);
  EXPECT_TRUE(other("sqs", "GetQueueAttributes", {{"QueueUrl", queue_url}}));

  // The same stack takes the table that exists.
  ASSERT_TRUE(
      import("grow", kImported,
             json::array{to_import("AWS::DynamoDB::Table", "Table", "TableName", "legacy-table")}));
  call("ExecuteChangeSet", {{"StackName", "grow"}, {"ChangeSetName", "imp"}});
  ASSERT_EQ(settled("grow"), "IMPORT_COMPLETE") << reasons("grow");
  EXPECT_EQ(physical("grow", "Table"), "legacy-table");
}

TEST_F(ImportTest, BadImportsAreRefusedWithNothingMade) {
  auto refused = [&](const std::string& stack, const std::string& body, json::array resources) {
    auto out = import(stack, body, std::move(resources));
    EXPECT_FALSE(out);
    return out ? std::string() : out.error().message;
  };
  std::string no_policy = kImported;
  no_policy.erase(no_policy.find("    DeletionPolicy: Retain\n"), 27);
  EXPECT_EQ(refused("bad", no_policy, both()),
            "The following resources to import [Queue] must have DeletionPolicy attribute "
            "specified in the template.");
  std::string with_output = std::string(kImported) + "Outputs:\n  Q: {Value: !Ref Queue}\n";
  EXPECT_EQ(refused("bad", with_output, both()),
            "As part of the import operation, you cannot modify or add [Outputs]");
  std::string with_extra = std::string(kImported) + "  Extra: {Type: AWS::SQS::Queue}\n";
  EXPECT_EQ(refused("bad", with_extra, both()),
            "You have modified resources [Extra] in your template that are not being imported. "
            "Update, create or delete operations cannot be executed during import operations.");
  EXPECT_NE(refused("bad", kImported,
                    json::array{to_import("AWS::SQS::Queue", "Queue", "QueueName", "legacy")})
                .find("must have exactly the property QueueUrl"),
            std::string::npos);
  EXPECT_NE(refused("bad", kImported,
                    json::array{to_import("AWS::SQS::Queue", "Missing", "QueueUrl", queue_url)})
                .find("[Missing]"),
            std::string::npos);
  EXPECT_NE(
      refused("bad", kImported, json::array{to_import("AWS::SNS::Topic", "Queue", "TopicArn", "x")})
          .find("differs from the template's [AWS::SQS::Queue]"),
      std::string::npos);
  EXPECT_FALSE(refused("bad", kImported, json::array{}).empty());
  // No stack was made by any of them.
  EXPECT_EQ(status("bad"), "ValidationError");

  // A resource another stack holds.
  ASSERT_TRUE(import("first", kImported, both()));
  call("ExecuteChangeSet", {{"StackName", "first"}, {"ChangeSetName", "imp"}});
  ASSERT_EQ(settled("first"), "IMPORT_COMPLETE") << reasons("first");
  EXPECT_EQ(refused("second", kImported, both()),
            "Resources [Queue, Table] passed in ResourceToImport are already in a stack and "
            "cannot be imported.");
  EXPECT_EQ(status("second"), "ValidationError");
}

TEST_F(ImportTest, TemplateSummaryNamesTheResourceIdentifiers) {
  std::string body = std::string(kImported) + "  Other: {Type: AWS::SQS::Queue}\n";
  auto summary = call("GetTemplateSummary", {{"TemplateBody", body}});
  const auto& ids = summary.at("ResourceIdentifierSummaries").as_array();
  ASSERT_EQ(ids.size(), 2u) << json::serialize(ids);
  EXPECT_EQ(s(ids[0].at("ResourceType")), "AWS::DynamoDB::Table");
  EXPECT_EQ(ids[0].at("ResourceIdentifiers"), (json::array{"TableName"}));
  EXPECT_EQ(s(ids[1].at("ResourceType")), "AWS::SQS::Queue");
  std::set<std::string> queues;
  for (const auto& id : ids[1].at("LogicalResourceIds").as_array()) queues.insert(s(id));
  EXPECT_EQ(queues, (std::set<std::string>{"Other", "Queue"}));
  EXPECT_EQ(ids[1].at("ResourceIdentifiers"), (json::array{"QueueUrl"}));
}

}  // namespace
}  // namespace nimbus::services::cloudformation
