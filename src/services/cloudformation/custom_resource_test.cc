// Custom resources: the stack sends its handler (here an SNS topic whose
// subscriber queue the test reads) AWS's request object and waits for the
// answer PUT to the ResponseURL; Data feeds Fn::GetAtt, FAILED and the
// timeout roll the stack back, updates carry OldResourceProperties and the
// stack's delete sends a Delete.
#include <gtest/gtest.h>

#include <future>

#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/test_stack.h"
#include "services/sns/sns_service.h"
#include "services/sqs/sqs_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

constexpr const char* kCustomTemplate = R"(
Parameters:
  Token: {Type: String}
  Size: {Type: Number, Default: 5}
  Timeout: {Type: Number, Default: 3600}
Resources:
  Thing:
    Type: Custom::Thing
    Properties:
      ServiceToken: !Ref Token
      ServiceTimeout: !Ref Timeout
      Size: !Ref Size
      Nested: {Flag: true, List: [1, two]}
Outputs:
  Greeting: {Value: !GetAtt Thing.Greeting}
  Id: {Value: !Ref Thing}
)";

class CustomResourceTest : public StackTest {
 protected:
  CustomResourceTest()
      : StackTest({build<sqs::SqsService>(), build<sns::SnsService>(), [this](Environment& env) {
                     return std::make_unique<CloudFormationService>(env, calls.get());
                   }}) {}
  Service* main_service() override { return services.size() > 2 ? services[2].get() : nullptr; }

  void SetUp() override {
    StackTest::SetUp();
    queue_url = s(other("sqs", "CreateQueue", {{"QueueName", "handler"}}).at("QueueUrl"));
    topic = s(other("sns", "CreateTopic", {{"Name", "custom"}}).at("TopicArn"));
    other("sns", "Subscribe",
          {{"TopicArn", topic},
           {"Protocol", "sqs"},
           {"Endpoint", "arn:aws:sqs:us-east-1:000000000000:handler"},
           {"Attributes", {{"RawMessageDelivery", "true"}}}});
  }

  json::object other(const std::string& model, const std::string& op, json::object in) {
    auto out = try_call(service(model), ctx(op), std::move(in));
    EXPECT_TRUE(out) << op << ": " << (out ? "" : out.error().message);
    return out ? *out : json::object();
  }
  // The next request the handler got.
  json::object next_request() {
    json::object request;
    eventually([&] {
      auto out = other("sqs", "ReceiveMessage", {{"QueueUrl", queue_url}});
      const auto* m = out.if_contains("Messages");
      if (m == nullptr || m->as_array().empty()) return false;
      const auto& msg = m->as_array()[0].as_object();
      request = json::parse(s(msg.at("Body"))).as_object();
      other("sqs", "DeleteMessage",
            {{"QueueUrl", queue_url}, {"ReceiptHandle", msg.at("ReceiptHandle")}});
      return true;
    });
    return request;
  }
  // Delivers `answer` (StackId, RequestId and LogicalResourceId filled in
  // from `request`) as the edge delivers a PUT to the request's ResponseURL
  // (or to `url`, when given); true when it was taken.
  bool respond(const json::object& request, json::object answer, std::string url = {}) {
    for (auto key : {"StackId", "RequestId", "LogicalResourceId"}) {
      if (!answer.contains(key)) answer[key] = request.at(key);
    }
    if (url.empty()) url = s(request.at("ResponseURL"));
    std::string prefix(CustomResponses::kPathPrefix);
    size_t at = url.find(prefix) + prefix.size();
    std::string token = url.substr(at, url.find('?') - at);
    std::string signature = url.substr(url.find("X-Amz-Signature=") + 16);
    events::Delivery d;
    d.body = json::serialize(answer);
    d.attributes.push_back({"X-Amz-Signature", "String", signature, false});
    std::promise<bool> taken;
    targets.deliver(
        "arn:aws:cloudformation:us-east-1:000000000000:custom-resource-response/" + token,
        std::move(d), [&taken](events::Outcome o) { taken.set_value(o.is_ok()); });
    return taken.get_future().get();
  }
  json::array params(std::string size, std::string timeout = "3600") {
    return {json::object{{"ParameterKey", "Token"}, {"ParameterValue", topic}},
            json::object{{"ParameterKey", "Size"}, {"ParameterValue", size}},
            json::object{{"ParameterKey", "Timeout"}, {"ParameterValue", timeout}}};
  }

  std::string queue_url, topic;
};

TEST_F(CustomResourceTest, CreateUpdateDeleteThroughTheHandler) {
  auto f135 = call_async(
      "CreateStack",
      {{"StackName", "c"}, {"TemplateBody", kCustomTemplate}, {"Parameters", params("5")}});
  auto create = next_request();
  EXPECT_EQ(s(create.at("RequestType")), "Create");
  EXPECT_EQ(s(create.at("ResourceType")), "Custom::Thing");
  EXPECT_EQ(s(create.at("LogicalResourceId")), "Thing");
  EXPECT_EQ(s(create.at("ServiceToken")), topic);
  EXPECT_FALSE(create.contains("PhysicalResourceId"));
  // Every scalar property arrives as a string, as CloudFormation sends them.
  const auto& props = create.at("ResourceProperties").as_object();
  EXPECT_EQ(props.at("Size"), "5");
  EXPECT_EQ(props.at("Nested"), json::parse(R"({"Flag": "true", "List": ["1", "two"]})"));
  EXPECT_TRUE(s(create.at("ResponseURL")).starts_with("http://localhost:4566/_aws/"));

  // A URL with another signature, or another stack's ids, settles nothing.
  std::string url = s(create.at("ResponseURL"));
  std::string forged = url.substr(0, url.find("X-Amz-Signature=") + 16) + "00";
  EXPECT_FALSE(respond(create, {{"Status", "SUCCESS"}}, forged));
  EXPECT_EQ(status("c"), "CREATE_IN_PROGRESS");

  EXPECT_TRUE(respond(create, {{"Status", "SUCCESS"},
                               {"PhysicalResourceId", "thing-1"},
                               {"Data", {{"Greeting", "hello"}}}}));
  ASSERT_EQ(settled("c"), "CREATE_COMPLETE");
  EXPECT_EQ(outputs("c").at("Greeting"), "hello");
  EXPECT_EQ(outputs("c").at("Id"), "thing-1");
  // The URL is spent.
  EXPECT_FALSE(respond(create, {{"Status", "SUCCESS"}}));

  auto f164 = call_async(
      "UpdateStack",
      {{"StackName", "c"}, {"TemplateBody", kCustomTemplate}, {"Parameters", params("6")}});
  auto update = next_request();
  EXPECT_EQ(s(update.at("RequestType")), "Update");
  EXPECT_EQ(s(update.at("PhysicalResourceId")), "thing-1");
  EXPECT_EQ(update.at("ResourceProperties").at("Size"), "6");
  EXPECT_EQ(update.at("OldResourceProperties").at("Size"), "5");
  respond(update, {{"Status", "SUCCESS"}, {"Data", {{"Greeting", "again"}}}});
  ASSERT_EQ(settled("c"), "UPDATE_COMPLETE");
  EXPECT_EQ(outputs("c").at("Greeting"), "again");
  EXPECT_EQ(outputs("c").at("Id"), "thing-1");  // no PhysicalResourceId: kept

  auto f176 = call_async("DeleteStack", {{"StackName", "c"}});
  auto del = next_request();
  EXPECT_EQ(s(del.at("RequestType")), "Delete");
  EXPECT_EQ(s(del.at("PhysicalResourceId")), "thing-1");
  EXPECT_EQ(status("c"), "DELETE_IN_PROGRESS");
  respond(del, {{"Status", "SUCCESS"}, {"PhysicalResourceId", "thing-1"}});
  EXPECT_EQ(settled(s(create.at("StackId"))), "DELETE_COMPLETE");
  EXPECT_TRUE(f176.get());  // the calls answered once their stacks settled
  EXPECT_TRUE(f135.get());
}

TEST_F(CustomResourceTest, FailedAnswersRollBackWithTheReason) {
  auto f186 = call_async(
      "CreateStack",
      {{"StackName", "f"}, {"TemplateBody", kCustomTemplate}, {"Parameters", params("5")}});
  auto create = next_request();
  respond(create, {{"Status", "FAILED"}, {"Reason", "no thing today"}});
  // The handler got the Create, so the rollback sends it a Delete, with a
  // physical id of AWS's generated shape.
  auto del = next_request();
  EXPECT_EQ(s(del.at("RequestType")), "Delete");
  EXPECT_TRUE(s(del.at("PhysicalResourceId")).starts_with("f-Thing-")) << del;
  EXPECT_EQ(status("f"), "ROLLBACK_IN_PROGRESS");
  respond(del, {{"Status", "SUCCESS"}, {"PhysicalResourceId", del.at("PhysicalResourceId")}});
  EXPECT_EQ(settled("f"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("f").find("Received response status [FAILED] from custom resource. Message "
                              "returned: no thing today (RequestId: " +
                              s(create.at("RequestId")) + ")"),
            std::string::npos)
      << reasons("f");

  // An answer that is not one: the resource fails with why.
  auto f198 = call_async(
      "CreateStack",
      {{"StackName", "g"}, {"TemplateBody", kCustomTemplate}, {"Parameters", params("5")}});
  auto second = next_request();
  EXPECT_TRUE(respond(second, {{"Status", "MAYBE"}}));
  auto second_delete = next_request();
  EXPECT_EQ(s(second_delete.at("RequestType")), "Delete");
  respond(second_delete, {{"Status", "SUCCESS"}});
  EXPECT_EQ(settled("g"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("g").find("Status must be SUCCESS or FAILED"), std::string::npos);
}

TEST_F(CustomResourceTest, NoAnswerTimesOutOnTheClock) {
  auto f207 = call_async(
      "CreateStack",
      {{"StackName", "t"}, {"TemplateBody", kCustomTemplate}, {"Parameters", params("5", "30")}});
  auto create = next_request();
  clock.advance(std::chrono::seconds(29));
  EXPECT_EQ(status("t"), "CREATE_IN_PROGRESS");
  clock.advance(std::chrono::seconds(1));
  // A create that never answered is sent its Delete too.
  auto del = next_request();
  EXPECT_EQ(s(del.at("RequestType")), "Delete");
  respond(del, {{"Status", "SUCCESS"}});
  EXPECT_EQ(settled("t"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("t").find("did not receive a response from your Custom Resource. Please check "
                              "your logs for requestId [" +
                              s(create.at("RequestId")) + "]"),
            std::string::npos);
  EXPECT_FALSE(respond(create, {{"Status", "SUCCESS"}, {"PhysicalResourceId", "late"}}));
}

TEST_F(CustomResourceTest, NoEchoMasksTheDataWhereShown) {
  constexpr const char* kNoEcho = R"(
Parameters:
  Token: {Type: String}
Resources:
  Thing:
    Type: Custom::Thing
    Properties: {ServiceToken: !Ref Token}
  User:
    Type: AWS::SQS::Queue
    Properties: {Tags: [{Key: secret, Value: !GetAtt Thing.Greeting}]}
Outputs:
  Greeting: {Value: !GetAtt Thing.Greeting}
)";
  auto f = call_async("CreateStack",
                      {{"StackName", "e"},
                       {"TemplateBody", kNoEcho},
                       {"Parameters", json::array{json::object{{"ParameterKey", "Token"},
                                                               {"ParameterValue", topic}}}}});
  auto create = next_request();
  respond(create, {{"Status", "SUCCESS"},
                   {"PhysicalResourceId", "thing-e"},
                   {"NoEcho", true},
                   {"Data", {{"Greeting", "s3cret"}}}});
  ASSERT_EQ(settled("e"), "CREATE_COMPLETE");
  EXPECT_EQ(outputs("e").at("Greeting"), "*****");
  auto events = call("DescribeStackEvents", {{"StackName", "e"}});
  std::string text = json::serialize(events);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_NE(text.find("*****"), std::string::npos) << text;
  // The resource itself got the real value.
  auto user = call("DescribeStackResource", {{"StackName", "e"}, {"LogicalResourceId", "User"}});
  auto tags = other("sqs", "ListQueueTags",
                    {{"QueueUrl", user.at("StackResourceDetail").at("PhysicalResourceId")}});
  EXPECT_EQ(tags.at("Tags").at("secret"), "s3cret");
}

TEST_F(CustomResourceTest, ContinueUpdateRollbackAfterAFailedRevert) {
  constexpr const char* kRevert = R"(
Parameters:
  Token: {Type: String}
  Size: {Type: Number, Default: 5}
  Fail: {Type: String, Default: "no"}
Conditions:
  Failing: !Equals [!Ref Fail, "yes"]
Resources:
  Thing:
    Type: Custom::Thing
    Properties: {ServiceToken: !Ref Token, Size: !Ref Size}
  Bad:
    Type: AWS::SQS::Queue
    Condition: Failing
    DependsOn: Thing
    Properties: {VisibilityTimeout: 999999}
)";
  auto token = json::object{{"ParameterKey", "Token"}, {"ParameterValue", topic}};
  auto created = call_async(
      "CreateStack",
      {{"StackName", "cr"}, {"TemplateBody", kRevert}, {"Parameters", json::array{token}}});
  respond(next_request(), {{"Status", "SUCCESS"}, {"PhysicalResourceId", "t-1"}});
  ASSERT_EQ(settled("cr"), "CREATE_COMPLETE");
  EXPECT_FALSE(try_call("ContinueUpdateRollback", {{"StackName", "cr"}}));

  // The update's Bad fails; reverting Thing fails too.
  auto updated = call_async(
      "UpdateStack",
      {{"StackName", "cr"},
       {"TemplateBody", kRevert},
       {"Parameters",
        json::array{token, json::object{{"ParameterKey", "Size"}, {"ParameterValue", "6"}},
                    json::object{{"ParameterKey", "Fail"}, {"ParameterValue", "yes"}}}}});
  respond(next_request(), {{"Status", "SUCCESS"}});
  auto revert = next_request();
  EXPECT_EQ(s(revert.at("RequestType")), "Update");
  EXPECT_EQ(revert.at("ResourceProperties").at("Size"), "5");
  respond(revert, {{"Status", "FAILED"}, {"Reason", "stuck"}});
  EXPECT_EQ(settled("cr"), "UPDATE_ROLLBACK_FAILED");

  // Continued: the revert is sent again, and fails again.
  auto again = call_async("ContinueUpdateRollback", {{"StackName", "cr"}});
  auto second = next_request();
  EXPECT_EQ(s(second.at("RequestType")), "Update");
  respond(second, {{"Status", "FAILED"}, {"Reason", "still stuck"}});
  EXPECT_EQ(settled("cr"), "UPDATE_ROLLBACK_FAILED");
  EXPECT_TRUE(again.get());

  // Skipping the resource finishes the rollback without a call.
  auto bad = try_call("ContinueUpdateRollback",
                      {{"StackName", "cr"}, {"ResourcesToSkip", json::array{"Bad"}}});
  EXPECT_FALSE(bad);
  call("ContinueUpdateRollback", {{"StackName", "cr"}, {"ResourcesToSkip", json::array{"Thing"}}});
  EXPECT_EQ(settled("cr"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("cr").find("Resource skipped during UpdateRollback"), std::string::npos);
  auto thing = call("DescribeStackResource", {{"StackName", "cr"}, {"LogicalResourceId", "Thing"}});
  EXPECT_EQ(thing.at("StackResourceDetail").at("PhysicalResourceId"), "t-1");
}

TEST_F(CustomResourceTest, BadServiceTokensFailTheResource) {
  call("CreateStack",
       {{"StackName", "b"},
        {"TemplateBody", kCustomTemplate},
        {"Parameters",
         json::array{json::object{{"ParameterKey", "Token"}, {"ParameterValue", "not-an-arn"}}}}});
  EXPECT_EQ(settled("b"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("b").find("Invalid service token: not-an-arn"), std::string::npos);
  // A topic that does not exist: SNS's own error.
  call("CreateStack",
       {{"StackName", "n"},
        {"TemplateBody", kCustomTemplate},
        {"Parameters", json::array{json::object{{"ParameterKey", "Token"},
                                                {"ParameterValue", topic + "-gone"}}}}});
  EXPECT_EQ(settled("n"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("n").find("does not exist"), std::string::npos) << reasons("n");
}

TEST(CustomAnswer, ReadsAwsAnswers) {
  CustomResponses::Expected e{"stack", "req", "Thing", {}, nullptr};
  auto ok = read_answer(
      R"({"Status":"SUCCESS","StackId":"stack","RequestId":"req","LogicalResourceId":"Thing",
          "PhysicalResourceId":"p","Data":{"A":"1"},"NoEcho":true})",
      e);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->physical_id, "p");
  EXPECT_EQ(ok->data.at("A"), "1");
  EXPECT_TRUE(ok->no_echo);
  EXPECT_FALSE(read_answer("not json", e));
  EXPECT_EQ(read_answer(std::string(5000, ' '), e).error().message, "Response object is too long.");
  EXPECT_FALSE(read_answer(
      R"({"Status":"SUCCESS","StackId":"other","RequestId":"req","LogicalResourceId":"Thing"})",
      e));
  EXPECT_FALSE(read_answer(R"({"Status":"SUCCESS","StackId":"stack","RequestId":"req",
                               "LogicalResourceId":"Thing","Data":[1]})",
                           e));
}

}  // namespace
}  // namespace nimbus::services::cloudformation
