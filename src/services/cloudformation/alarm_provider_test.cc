// AWS::CloudWatch::Alarm: a stack creates the alarm through CloudWatch's
// PutMetricAlarm with the template's properties (Ref: the name, GetAtt Arn),
// updates it in place, fails with CloudWatch's own error, deletes it with
// the stack; AWS::CloudWatch::CompositeAlarm likewise through
// PutCompositeAlarm, its rule naming the stack's metric alarm.
#include <gtest/gtest.h>

#include <map>

#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/test_stack.h"
#include "services/cloudwatch/cloudwatch_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

constexpr const char* kAlarmTemplate = R"(
Parameters:
  Threshold: {Type: Number, Default: 5}
  Period: {Type: Number, Default: 60}
Resources:
  High:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: errors
      Namespace: App
      MetricName: Errors
      Dimensions: [{Name: Fn, Value: f}]
      Statistic: Sum
      Period: !Ref Period
      EvaluationPeriods: 1
      Threshold: !Ref Threshold
      ComparisonOperator: GreaterThanThreshold
      TreatMissingData: notBreaching
Outputs:
  Name: {Value: !Ref High}
  Arn: {Value: !GetAtt High.Arn}
)";

class AlarmProviderTest : public StackTest {
 protected:
  AlarmProviderTest()
      : StackTest({build<cloudwatch::CloudWatchService>(), [this](Environment& env) {
                     return std::make_unique<CloudFormationService>(env, calls.get());
                   }}) {}
  Service* main_service() override { return services.size() > 1 ? services[1].get() : nullptr; }

  json::array params(std::string threshold, std::string period = "60") {
    return {json::object{{"ParameterKey", "Threshold"}, {"ParameterValue", threshold}},
            json::object{{"ParameterKey", "Period"}, {"ParameterValue", period}}};
  }
  json::array alarms() {
    auto out = other("cloudwatch", "DescribeAlarms", {});
    return out ? out->at("MetricAlarms").as_array() : json::array{};
  }
};

TEST_F(AlarmProviderTest, CreateUpdateDelete) {
  call("CreateStack", {{"StackName", "ops"}, {"TemplateBody", kAlarmTemplate}});
  ASSERT_EQ(settled("ops"), "CREATE_COMPLETE") << reasons("ops");
  auto out = outputs("ops");
  std::string name = s(out["Name"]);
  EXPECT_TRUE(name.starts_with("ops-High-")) << name;
  EXPECT_EQ(s(out["Arn"]), "arn:aws:cloudwatch:us-east-1:000000000000:alarm:" + name);
  auto list = alarms();
  ASSERT_EQ(list.size(), 1u);
  auto a = list[0].as_object();
  EXPECT_EQ(s(a["AlarmName"]), name);
  EXPECT_EQ(a["Threshold"].as_double(), 5);
  EXPECT_EQ(s(a["TreatMissingData"]), "notBreaching");
  EXPECT_EQ(s(a["Dimensions"]), R"([{"Name":"Fn","Value":"f"}])");

  call("UpdateStack",
       {{"StackName", "ops"}, {"TemplateBody", kAlarmTemplate}, {"Parameters", params("7")}});
  ASSERT_EQ(settled("ops"), "UPDATE_COMPLETE") << reasons("ops");
  list = alarms();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].as_object().at("Threshold").as_double(), 7);
  EXPECT_EQ(s(list[0].as_object().at("AlarmName")), name);

  // CloudWatch's own check fails the update, which rolls back.
  call("UpdateStack",
       {{"StackName", "ops"}, {"TemplateBody", kAlarmTemplate}, {"Parameters", params("7", "45")}});
  EXPECT_EQ(settled("ops"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("ops").find("Period"), std::string::npos) << reasons("ops");
  EXPECT_EQ(alarms()[0].as_object().at("Period").as_int64(), 60);

  call("DeleteStack", {{"StackName", "ops"}});
  settled("ops");
  EXPECT_TRUE(alarms().empty());
}

constexpr const char* kCompositeTemplate = R"(
Parameters:
  Wait: {Type: Number, Default: 120}
Resources:
  High:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: App
      MetricName: Errors
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 5
      ComparisonOperator: GreaterThanThreshold
  Page:
    Type: AWS::CloudWatch::CompositeAlarm
    Properties:
      AlarmRule: !Sub 'ALARM("${High}") AND NOT ALARM(${Quiet.Arn})'
      AlarmDescription: page someone
      ActionsSuppressor: !Ref Quiet
      ActionsSuppressorWaitPeriod: !Ref Wait
      ActionsSuppressorExtensionPeriod: 60
  Quiet:
    Type: AWS::CloudWatch::CompositeAlarm
    Properties:
      AlarmName: quiet-hours
      AlarmRule: 'FALSE'
Outputs:
  Name: {Value: !Ref Page}
  Arn: {Value: !GetAtt Page.Arn}
)";

TEST_F(AlarmProviderTest, CompositeAlarm) {
  call("CreateStack", {{"StackName", "pager"}, {"TemplateBody", kCompositeTemplate}});
  ASSERT_EQ(settled("pager"), "CREATE_COMPLETE") << reasons("pager");
  auto out = outputs("pager");
  std::string name = s(out["Name"]);
  EXPECT_TRUE(name.starts_with("pager-Page-")) << name;
  EXPECT_EQ(s(out["Arn"]), "arn:aws:cloudwatch:us-east-1:000000000000:alarm:" + name);
  auto composites = [&] {
    auto got = other("cloudwatch", "DescribeAlarms",
                     {{"AlarmTypes", json::array{"CompositeAlarm"}}, {"AlarmNamePrefix", "pager"}});
    return got ? got->at("CompositeAlarms").as_array() : json::array{};
  };
  auto list = composites();
  ASSERT_EQ(list.size(), 1u);
  auto c = list[0].as_object();
  EXPECT_EQ(s(c["StateValue"]), "OK");
  EXPECT_EQ(s(c["ActionsSuppressor"]), "quiet-hours");
  EXPECT_EQ(c["ActionsSuppressorWaitPeriod"].as_int64(), 120);
  EXPECT_NE(s(c["AlarmRule"]).find("ALARM(\"pager-High-"), std::string::npos) << s(c["AlarmRule"]);
  EXPECT_NE(s(c["AlarmRule"]).find(":alarm:quiet-hours)"), std::string::npos);

  call("UpdateStack", {{"StackName", "pager"},
                       {"TemplateBody", kCompositeTemplate},
                       {"Parameters", json::array{json::object{{"ParameterKey", "Wait"},
                                                               {"ParameterValue", "300"}}}}});
  ASSERT_EQ(settled("pager"), "UPDATE_COMPLETE") << reasons("pager");
  EXPECT_EQ(composites()[0].as_object().at("ActionsSuppressorWaitPeriod").as_int64(), 300);

  call("DeleteStack", {{"StackName", "pager"}});
  settled("pager");
  EXPECT_TRUE(composites().empty());
  EXPECT_TRUE(alarms().empty());
}

// Stack tags reach alarms with the aws:cloudformation:* tags, and move in
// place on an update (PutMetricAlarm ignores Tags once the alarm exists).
TEST_F(AlarmProviderTest, StackTagsOnAlarms) {
  auto tag = [](const char* k, const char* v) { return json::object{{"Key", k}, {"Value", v}}; };
  auto id = s(call("CreateStack", {{"StackName", "tagged"},
                                   {"TemplateBody", kCompositeTemplate},
                                   {"Tags", json::array{tag("team", "ops")}}})
                  .at("StackId"));
  ASSERT_EQ(settled("tagged"), "CREATE_COMPLETE") << reasons("tagged");
  auto tags_of = [&](const std::string& logical) {
    auto r =
        call("DescribeStackResource", {{"StackName", "tagged"}, {"LogicalResourceId", logical}});
    std::string name = s(r.at("StackResourceDetail").at("PhysicalResourceId"));
    auto out = other("cloudwatch", "ListTagsForResource",
                     {{"ResourceARN", "arn:aws:cloudwatch:us-east-1:000000000000:alarm:" + name}});
    std::map<std::string, std::string> m;
    if (out) {
      for (const auto& t : out->at("Tags").as_array()) m[s(t.at("Key"))] = s(t.at("Value"));
    }
    return m;
  };
  EXPECT_EQ(tags_of("High"),
            (std::map<std::string, std::string>{{"aws:cloudformation:logical-id", "High"},
                                                {"aws:cloudformation:stack-id", id},
                                                {"aws:cloudformation:stack-name", "tagged"},
                                                {"team", "ops"}}));
  EXPECT_EQ(tags_of("Page").at("aws:cloudformation:logical-id"), "Page");
  call("UpdateStack", {{"StackName", "tagged"},
                       {"UsePreviousTemplate", true},
                       {"Tags", json::array{tag("team", "sre"), tag("cost", "7")}}});
  ASSERT_EQ(settled("tagged"), "UPDATE_COMPLETE") << reasons("tagged");
  auto now = tags_of("Quiet");
  EXPECT_EQ(now.at("team"), "sre");
  EXPECT_EQ(now.at("cost"), "7");
  EXPECT_EQ(now.at("aws:cloudformation:stack-name"), "tagged");
  // A user may not set or remove aws: keys.
  std::string arn = "arn:aws:cloudwatch:us-east-1:000000000000:alarm:quiet-hours";
  auto refused =
      other("cloudwatch", "UntagResource",
            {{"ResourceARN", arn}, {"TagKeys", json::array{"aws:cloudformation:stack-name"}}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "InvalidParameterValue");
}

}  // namespace
}  // namespace nimbus::services::cloudformation
