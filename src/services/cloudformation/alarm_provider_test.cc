// AWS::CloudWatch::Alarm: a stack creates the alarm through CloudWatch's
// PutMetricAlarm with the template's properties (Ref: the name, GetAtt Arn),
// updates it in place, fails with CloudWatch's own error, deletes it with
// the stack.
#include <gtest/gtest.h>

#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/test_stack.h"
#include "services/cloudwatch/cloudwatch_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

constexpr const char* kTemplate = R"(
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
  call("CreateStack", {{"StackName", "ops"}, {"TemplateBody", kTemplate}});
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
       {{"StackName", "ops"}, {"TemplateBody", kTemplate}, {"Parameters", params("7")}});
  ASSERT_EQ(settled("ops"), "UPDATE_COMPLETE") << reasons("ops");
  list = alarms();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].as_object().at("Threshold").as_double(), 7);
  EXPECT_EQ(s(list[0].as_object().at("AlarmName")), name);

  // CloudWatch's own check fails the update, which rolls back.
  call("UpdateStack",
       {{"StackName", "ops"}, {"TemplateBody", kTemplate}, {"Parameters", params("7", "45")}});
  EXPECT_EQ(settled("ops"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("ops").find("Period"), std::string::npos) << reasons("ops");
  EXPECT_EQ(alarms()[0].as_object().at("Period").as_int64(), 60);

  call("DeleteStack", {{"StackName", "ops"}});
  settled("ops");
  EXPECT_TRUE(alarms().empty());
}

}  // namespace
}  // namespace nimbus::services::cloudformation
