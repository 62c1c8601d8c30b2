// Nested stacks (AWS::CloudFormation::Stack): the template read from
// nimbus's S3 in each URL form, parameters passed, Outputs.NAME read by the
// parent, updated and deleted with the parent, and a nested failure
// rolling the parent back; and the TemplateURL of the stack operations
// themselves, read the same way; the root's termination protection; change
// sets with IncludeNestedStacks, at every depth.
#include <gtest/gtest.h>

#include "services/cloudformation/test_stack.h"
#include "services/s3/s3_service.h"
#include "services/sqs/sqs_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

constexpr const char* kChild = R"(
Parameters:
  Visibility: {Type: Number}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: !Ref Visibility}
Outputs:
  QueueUrl: {Value: !Ref Queue}
)";

constexpr const char* kParent = R"(
Parameters:
  Vis: {Type: Number, Default: 30}
Resources:
  PathStyle:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://s3.amazonaws.com/templates/child.yaml
      Parameters: {Visibility: !Ref Vis}
  VirtualHost:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: http://templates.s3.localhost:4566/child.yaml
      Parameters: {Visibility: 20}
  S3Url:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://templates/child.yaml
      Parameters: {Visibility: 10}
Outputs:
  Url: {Value: !GetAtt PathStyle.Outputs.QueueUrl}
  Other: {Value: !GetAtt S3Url.Outputs.QueueUrl}
)";

class NestedStackTest : public StackTest {
 protected:
  NestedStackTest()
      : StackTest({build<sqs::SqsService>(), build<s3::S3Service>(), [this](Environment& env) {
                     return std::make_unique<CloudFormationService>(env, calls.get());
                   }}) {}
  Service* main_service() override { return services.size() > 2 ? services[2].get() : nullptr; }

  void SetUp() override {
    StackTest::SetUp();
    ASSERT_TRUE(other("s3", "CreateBucket", {{"Bucket", "templates"}}));
    ASSERT_TRUE(other("s3", "PutObject",
                      {{"Bucket", "templates"}, {"Key", "child.yaml"}, {"Body", kChild}}));
  }
  std::string visibility(const std::string& url) {
    auto a = other("sqs", "GetQueueAttributes",
                   {{"QueueUrl", url}, {"AttributeNames", json::array{"VisibilityTimeout"}}});
    return a ? s(a->at("Attributes").at("VisibilityTimeout")) : a.error().code;
  }
  size_t live_stacks() {
    auto out = call("DescribeStacks", {});
    return out.at("Stacks").as_array().size();
  }
};

TEST_F(NestedStackTest, NestedStacksHaveTheirRootsTerminationProtection) {
  auto root = s(call("CreateStack", {{"StackName", "root"},
                                     {"TemplateBody", kParent},
                                     {"EnableTerminationProtection", true}})
                    .at("StackId"));
  ASSERT_EQ(settled("root"), "CREATE_COMPLETE") << reasons("root");
  auto res = call("DescribeStackResource", {{"StackName", "root"}, {"LogicalResourceId", "S3Url"}});
  std::string child = s(res.at("StackResourceDetail").at("PhysicalResourceId"));
  auto described = [&] {
    return call("DescribeStacks", {{"StackName", child}}).at("Stacks").as_array()[0];
  };
  EXPECT_EQ(described().at("EnableTerminationProtection"), json::value(true));
  EXPECT_EQ(s(described().at("ParentId")), root);
  EXPECT_EQ(s(described().at("RootId")), root);
  auto refused = try_call("DeleteStack", {{"StackName", child}});
  ASSERT_FALSE(refused);
  EXPECT_NE(
      refused.error().message.find("cannot be deleted while TerminationProtection is enabled"),
      std::string::npos);
  EXPECT_EQ(settled(child), "CREATE_COMPLETE");
  EXPECT_FALSE(try_call("UpdateTerminationProtection",
                        {{"StackName", child}, {"EnableTerminationProtection", false}}));
  // The root's setting is the nested stacks'.
  call("UpdateTerminationProtection",
       {{"StackName", "root"}, {"EnableTerminationProtection", false}});
  EXPECT_EQ(described().at("EnableTerminationProtection"), json::value(false));
  call("UpdateTerminationProtection",
       {{"StackName", "root"}, {"EnableTerminationProtection", true}});

  // An update of the root that removes a nested stack deletes it.
  std::string without = kParent;
  without.erase(without.find("  S3Url:"), without.find("Outputs:") - without.find("  S3Url:"));
  without.erase(without.find("  Other:"));
  call("UpdateStack", {{"StackName", "root"}, {"TemplateBody", without}});
  ASSERT_EQ(settled("root"), "UPDATE_COMPLETE") << reasons("root");
  EXPECT_EQ(settled(child), "DELETE_COMPLETE");
  call("UpdateTerminationProtection",
       {{"StackName", "root"}, {"EnableTerminationProtection", false}});
  call("DeleteStack", {{"StackName", "root"}});
  EXPECT_EQ(settled(root), "DELETE_COMPLETE");
  EXPECT_EQ(live_stacks(), 0u);
}

TEST_F(NestedStackTest, ChangeSetsIncludeNestedStacks) {
  call("CreateStack", {{"StackName", "cs"}, {"TemplateBody", kParent}});
  ASSERT_EQ(settled("cs"), "CREATE_COMPLETE") << reasons("cs");
  std::string url = s(outputs("cs").at("Url"));
  auto path_style =
      call("DescribeStackResource", {{"StackName", "cs"}, {"LogicalResourceId", "PathStyle"}});
  std::string nested = s(path_style.at("StackResourceDetail").at("PhysicalResourceId"));
  auto made =
      call("CreateChangeSet",
           {{"StackName", "cs"},
            {"ChangeSetName", "more"},
            {"UsePreviousTemplate", true},
            {"IncludeNestedStacks", true},
            {"Parameters",
             json::array{json::object{{"ParameterKey", "Vis"}, {"ParameterValue", "45"}}}}});
  std::string root = s(made.at("Id"));
  auto described = call("DescribeChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "more"}});
  EXPECT_EQ(described.at("IncludeNestedStacks"), json::value(true));
  EXPECT_FALSE(described.contains("ParentChangeSetId"));
  // Only PathStyle's parameters change (the others pass literals).
  const auto& changes = described.at("Changes").as_array();
  ASSERT_EQ(changes.size(), 1u) << json::serialize(changes);
  const auto& rc = changes[0].at("ResourceChange");
  EXPECT_EQ(s(rc.at("LogicalResourceId")), "PathStyle");
  EXPECT_EQ(s(rc.at("Action")), "Modify");
  std::string child = s(rc.at("ChangeSetId"));

  auto inner = call("DescribeChangeSet", {{"ChangeSetName", child}});
  EXPECT_EQ(s(inner.at("ParentChangeSetId")), root);
  EXPECT_EQ(s(inner.at("RootChangeSetId")), root);
  EXPECT_EQ(s(inner.at("StackId")), nested);
  ASSERT_EQ(inner.at("Changes").as_array().size(), 1u) << json::serialize(inner.at("Changes"));
  const auto& queue = inner.at("Changes").as_array()[0].at("ResourceChange");
  EXPECT_EQ(s(queue.at("LogicalResourceId")), "Queue");
  EXPECT_EQ(s(queue.at("Action")), "Modify");
  EXPECT_EQ(s(queue.at("Replacement")), "False");
  bool visibility_given = false;
  for (const auto& p : inner.at("Parameters").as_array()) {
    visibility_given = visibility_given || (s(p.at("ParameterKey")) == "Visibility" &&
                                            s(p.at("ParameterValue")) == "45");
  }
  EXPECT_TRUE(visibility_given);
  // Only through the root.
  EXPECT_FALSE(try_call("ExecuteChangeSet", {{"ChangeSetName", child}}));
  EXPECT_FALSE(try_call("DeleteChangeSet", {{"ChangeSetName", child}}));

  call("ExecuteChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "more"}});
  ASSERT_EQ(settled("cs"), "UPDATE_COMPLETE") << reasons("cs");
  EXPECT_EQ(settled(nested), "UPDATE_COMPLETE");
  EXPECT_EQ(visibility(url), "45");
  EXPECT_EQ(s(call("DescribeChangeSet", {{"ChangeSetName", child}}).at("ExecutionStatus")),
            "EXECUTE_COMPLETE");

  // Deleting a root deletes its nested change sets.
  call("CreateChangeSet", {{"StackName", "cs"},
                           {"ChangeSetName", "again"},
                           {"UsePreviousTemplate", true},
                           {"IncludeNestedStacks", true},
                           {"Parameters", json::array{json::object{{"ParameterKey", "Vis"},
                                                                   {"ParameterValue", "50"}}}}});
  auto again = call("DescribeChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "again"}});
  std::string child2 = s(again.at("Changes").as_array()[0].at("ResourceChange").at("ChangeSetId"));
  call("DeleteChangeSet", {{"StackName", "cs"}, {"ChangeSetName", "again"}});
  EXPECT_FALSE(try_call("DescribeChangeSet", {{"ChangeSetName", child2}}));
}

// A nested stack a change set adds gets a CREATE change set of its own, on
// a placeholder stack in REVIEW_IN_PROGRESS (as AWS makes one), for a new
// stack's change set and for an update's; the root's execution creates the
// nested stack and deletes the placeholder, as does deleting the root.
TEST_F(NestedStackTest, ChangeSetsForAddedNestedStacks) {
  constexpr const char* kOne = R"(
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://templates/child.yaml
      Parameters: {Visibility: 25}
Outputs:
  Url: {Value: !GetAtt Child.Outputs.QueueUrl}
)";
  auto made = call("CreateChangeSet", {{"StackName", "adds"},
                                       {"ChangeSetName", "first"},
                                       {"ChangeSetType", "CREATE"},
                                       {"TemplateBody", kOne},
                                       {"IncludeNestedStacks", true}});
  std::string root = s(made.at("Id"));
  auto described = call("DescribeChangeSet", {{"ChangeSetName", root}});
  ASSERT_EQ(described.at("Changes").as_array().size(), 1u);
  const auto& add = described.at("Changes").as_array()[0].at("ResourceChange");
  EXPECT_EQ(s(add.at("Action")), "Add");
  std::string child = s(add.at("ChangeSetId"));
  auto inner = call("DescribeChangeSet", {{"ChangeSetName", child}});
  EXPECT_EQ(s(inner.at("ParentChangeSetId")), root);
  EXPECT_EQ(s(inner.at("RootChangeSetId")), root);
  ASSERT_EQ(inner.at("Changes").as_array().size(), 1u) << json::serialize(inner.at("Changes"));
  const auto& queue = inner.at("Changes").as_array()[0].at("ResourceChange");
  EXPECT_EQ(s(queue.at("LogicalResourceId")), "Queue");
  EXPECT_EQ(s(queue.at("Action")), "Add");
  std::string placeholder = s(inner.at("StackId"));
  EXPECT_EQ(status(placeholder), "REVIEW_IN_PROGRESS");
  EXPECT_NE(placeholder.find(":stack/adds-Child-"), std::string::npos) << placeholder;
  EXPECT_FALSE(try_call("ExecuteChangeSet", {{"ChangeSetName", child}}));

  call("ExecuteChangeSet", {{"ChangeSetName", root}});
  ASSERT_EQ(settled("adds"), "CREATE_COMPLETE") << reasons("adds");
  EXPECT_EQ(visibility(s(outputs("adds").at("Url"))), "25");
  eventually([&] { return status(placeholder) == "DELETE_COMPLETE"; });
  EXPECT_EQ(status(placeholder), "DELETE_COMPLETE");
  EXPECT_EQ(s(call("DescribeChangeSet", {{"ChangeSetName", child}}).at("ExecutionStatus")),
            "EXECUTE_COMPLETE");

  // An update adding two more: one whose parameters are known now gets its
  // change set, one fed by another resource's output does not; deleting
  // the root deletes the change sets and the placeholder.
  constexpr const char* kTwoMore = R"(
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://templates/child.yaml
      Parameters: {Visibility: 25}
  More:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://templates/child.yaml
      Parameters: {Visibility: 35}
  Later:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://templates/child.yaml
      Parameters: {Visibility: !GetAtt Child.Outputs.QueueUrl}
Outputs:
  Url: {Value: !GetAtt Child.Outputs.QueueUrl}
)";
  std::string update = s(call("CreateChangeSet", {{"StackName", "adds"},
                                                  {"ChangeSetName", "more"},
                                                  {"TemplateBody", kTwoMore},
                                                  {"IncludeNestedStacks", true}})
                             .at("Id"));
  std::map<std::string, json::object> changes;
  auto update_set = call("DescribeChangeSet", {{"ChangeSetName", update}});
  for (const auto& c : update_set.at("Changes").as_array()) {
    changes[s(c.at("ResourceChange").at("LogicalResourceId"))] = c.at("ResourceChange").as_object();
  }
  ASSERT_TRUE(changes.contains("More") && changes.contains("Later"));
  EXPECT_FALSE(changes["Later"].contains("ChangeSetId"));
  std::string more_set = s(changes["More"].at("ChangeSetId"));
  std::string more_stack =
      s(call("DescribeChangeSet", {{"ChangeSetName", more_set}}).at("StackId"));
  EXPECT_EQ(status(more_stack), "REVIEW_IN_PROGRESS");
  call("DeleteChangeSet", {{"ChangeSetName", update}});
  EXPECT_FALSE(try_call("DescribeChangeSet", {{"ChangeSetName", more_set}}));
  eventually([&] { return status(more_stack) == "DELETE_COMPLETE"; });
  EXPECT_EQ(status(more_stack), "DELETE_COMPLETE");
  EXPECT_EQ(status("adds"), "CREATE_COMPLETE");
}

TEST_F(NestedStackTest, ChangeSetsReachEveryDepth) {
  constexpr const char* kMid = R"(
Parameters:
  Vis: {Type: Number}
Resources:
  Inner:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://templates/child.yaml
      Parameters: {Visibility: !Ref Vis}
Outputs:
  QueueUrl: {Value: !GetAtt Inner.Outputs.QueueUrl}
)";
  constexpr const char* kRoot = R"(
Parameters:
  Vis: {Type: Number, Default: 30}
Resources:
  Mid:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://templates/mid.yaml
      Parameters: {Vis: !Ref Vis}
Outputs:
  Url: {Value: !GetAtt Mid.Outputs.QueueUrl}
)";
  ASSERT_TRUE(
      other("s3", "PutObject", {{"Bucket", "templates"}, {"Key", "mid.yaml"}, {"Body", kMid}}));
  call("CreateStack", {{"StackName", "deep"}, {"TemplateBody", kRoot}});
  ASSERT_EQ(settled("deep"), "CREATE_COMPLETE") << reasons("deep");
  std::string url = s(outputs("deep").at("Url"));
  auto change_set = [&](const std::string& name, const std::string& vis) {
    return s(call("CreateChangeSet",
                  {{"StackName", "deep"},
                   {"ChangeSetName", name},
                   {"UsePreviousTemplate", true},
                   {"IncludeNestedStacks", true},
                   {"Parameters",
                    json::array{json::object{{"ParameterKey", "Vis"}, {"ParameterValue", vis}}}}})
                 .at("Id"));
  };
  // The one change of `described` (a change set), which must be `id`'s.
  auto only_change = [&](const json::value& described, const std::string& id) {
    const auto& changes = described.at("Changes").as_array();
    EXPECT_EQ(changes.size(), 1u) << json::serialize(changes);
    const auto& rc = changes.at(0).at("ResourceChange");
    EXPECT_EQ(s(rc.at("LogicalResourceId")), id);
    EXPECT_EQ(s(rc.at("Action")), "Modify");
    return rc.as_object();
  };
  std::string root = change_set("down", "45");
  auto mid_change = only_change(call("DescribeChangeSet", {{"ChangeSetName", root}}), "Mid");
  std::string mid = s(mid_change.at("ChangeSetId"));
  auto mid_set = call("DescribeChangeSet", {{"ChangeSetName", mid}});
  EXPECT_EQ(s(mid_set.at("ParentChangeSetId")), root);
  EXPECT_EQ(s(mid_set.at("RootChangeSetId")), root);
  std::string inner = s(only_change(mid_set, "Inner").at("ChangeSetId"));
  auto inner_set = call("DescribeChangeSet", {{"ChangeSetName", inner}});
  EXPECT_EQ(s(inner_set.at("ParentChangeSetId")), mid);
  EXPECT_EQ(s(inner_set.at("RootChangeSetId")), root);
  EXPECT_FALSE(only_change(inner_set, "Queue").contains("ChangeSetId"));
  EXPECT_FALSE(try_call("ExecuteChangeSet", {{"ChangeSetName", inner}}));

  // Executing the root runs the tree.
  call("ExecuteChangeSet", {{"ChangeSetName", root}});
  ASSERT_EQ(settled("deep"), "UPDATE_COMPLETE") << reasons("deep");
  EXPECT_EQ(visibility(url), "45");
  EXPECT_EQ(s(call("DescribeChangeSet", {{"ChangeSetName", inner}}).at("ExecutionStatus")),
            "EXECUTE_COMPLETE");

  // Deleting the root deletes the tree.
  std::string again = change_set("again", "50");
  auto mid2 = s(
      only_change(call("DescribeChangeSet", {{"ChangeSetName", again}}), "Mid").at("ChangeSetId"));
  auto inner2 = s(
      only_change(call("DescribeChangeSet", {{"ChangeSetName", mid2}}), "Inner").at("ChangeSetId"));
  call("DeleteChangeSet", {{"ChangeSetName", again}});
  EXPECT_FALSE(try_call("DescribeChangeSet", {{"ChangeSetName", mid2}}));
  EXPECT_FALSE(try_call("DescribeChangeSet", {{"ChangeSetName", inner2}}));
}

TEST_F(NestedStackTest, CreateUpdateDeleteWithTheParent) {
  call("CreateStack", {{"StackName", "parent"}, {"TemplateBody", kParent}});
  ASSERT_EQ(settled("parent"), "CREATE_COMPLETE") << reasons("parent");
  auto out = outputs("parent");
  std::string url = s(out.at("Url"));
  EXPECT_EQ(visibility(url), "30");
  EXPECT_EQ(visibility(s(out.at("Other"))), "10");
  EXPECT_EQ(live_stacks(), 4u);
  auto res =
      call("DescribeStackResource", {{"StackName", "parent"}, {"LogicalResourceId", "PathStyle"}});
  std::string child = s(res.at("StackResourceDetail").at("PhysicalResourceId"));
  EXPECT_TRUE(
      child.starts_with("arn:aws:cloudformation:us-east-1:000000000000:stack/parent-PathStyle-"))
      << child;
  EXPECT_EQ(settled(child), "CREATE_COMPLETE");

  call("UpdateStack", {{"StackName", "parent"},
                       {"TemplateBody", kParent},
                       {"Parameters", json::array{json::object{{"ParameterKey", "Vis"},
                                                               {"ParameterValue", "45"}}}}});
  ASSERT_EQ(settled("parent"), "UPDATE_COMPLETE") << reasons("parent");
  EXPECT_EQ(settled(child), "UPDATE_COMPLETE");
  EXPECT_EQ(visibility(url), "45");
  EXPECT_EQ(s(outputs("parent").at("Url")), url);

  std::string parent =
      s(call("DescribeStacks", {{"StackName", "parent"}}).at("Stacks").as_array()[0].at("StackId"));
  call("DeleteStack", {{"StackName", "parent"}});
  ASSERT_EQ(settled(parent), "DELETE_COMPLETE") << reasons(parent);
  EXPECT_EQ(settled(child), "DELETE_COMPLETE");
  EXPECT_EQ(live_stacks(), 0u);
  EXPECT_EQ(visibility(url), "QueueDoesNotExist");
}

TEST_F(NestedStackTest, NestedFailuresRollTheParentBack) {
  call("CreateStack", {{"StackName", "p"}, {"TemplateBody", R"(
Resources:
  Good:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://templates/child.yaml
      Parameters: {Visibility: 5}
  Missing:
    Type: AWS::CloudFormation::Stack
    DependsOn: Good
    Properties: {TemplateURL: s3://templates/nope.yaml}
)"}});
  EXPECT_EQ(settled("p"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("p").find("unable to read s3://templates/nope.yaml"), std::string::npos)
      << reasons("p");
  // The nested stack that was made went with the rollback.
  EXPECT_EQ(live_stacks(), 1u);  // the parent, in ROLLBACK_COMPLETE
}

TEST_F(NestedStackTest, StackOperationsReadTheirTemplateURL) {
  auto v = call("ValidateTemplate", {{"TemplateURL", "s3://templates/child.yaml"}});
  EXPECT_EQ(s(v.at("Parameters").as_array()[0].at("ParameterKey")), "Visibility");
  call("CreateStack", {{"StackName", "byurl"},
                       {"TemplateURL", "http://localhost:4566/templates/child.yaml"},
                       {"Parameters", json::array{json::object{{"ParameterKey", "Visibility"},
                                                               {"ParameterValue", "7"}}}}});
  ASSERT_EQ(settled("byurl"), "CREATE_COMPLETE") << reasons("byurl");
  EXPECT_EQ(visibility(s(outputs("byurl").at("QueueUrl"))), "7");
  auto t = call("GetTemplate", {{"StackName", "byurl"}});
  EXPECT_EQ(s(t.at("TemplateBody")), kChild);
  auto summary = call("GetTemplateSummary",
                      {{"TemplateURL", "https://templates.s3.amazonaws.com/child.yaml"}});
  EXPECT_EQ(summary.at("ResourceTypes").as_array()[0], "AWS::SQS::Queue");

  // AWS's words, nothing made.
  auto err = [&](json::object in) {
    auto out = try_call("CreateStack", std::move(in));
    return out ? std::string("ok") : out.error().code + ": " + out.error().message;
  };
  EXPECT_EQ(err({{"StackName", "x"}, {"TemplateURL", "https://example.com/t.yaml"}}),
            "ValidationError: TemplateURL must be an Amazon S3 URL.");
  EXPECT_EQ(err({{"StackName", "x"}, {"TemplateURL", "s3://templates/nope.yaml"}}),
            "ValidationError: S3 error: The specified key does not exist.");
  EXPECT_EQ(err({{"StackName", "x"}, {"TemplateURL", "s3://nobucket/t.yaml"}}),
            "ValidationError: S3 error: The specified bucket does not exist");
  EXPECT_EQ(err({{"StackName", "x"},
                 {"TemplateURL", "s3://templates/child.yaml"},
                 {"TemplateBody", kChild}}),
            "ValidationError: You cannot specify both Template URL and Template Body.");
  EXPECT_EQ(live_stacks(), 1u);
}

}  // namespace
}  // namespace nimbus::services::cloudformation
