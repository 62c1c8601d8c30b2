// The model overlays (overlays/*.json, merged by overlay.py at embed time)
// as clients see them: the added operations and members parse, validate with
// AWS's messages and serialize in every protocol the service speaks.
#include <gtest/gtest.h>

#include "protocol/engine.h"
#include "protocol/model.h"

namespace nimbus::protocol {
namespace {
namespace json = boost::json;

const ModelRegistry& models() {
  static const ModelRegistry r;
  return r;
}

http::Request request(std::string method, std::string target, http::Headers headers,
                      std::string body) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

http::Request lambda_post(std::string path, std::string body) {
  return request("POST", std::move(path), {{"content-type", "application/json"}}, std::move(body));
}

http::Request sqs_query(std::string body) {
  return request("POST", "/", {{"content-type", "application/x-www-form-urlencoded"}},
                 std::move(body));
}

http::Request sqs_json(std::string operation, std::string body) {
  return request(
      "POST", "/",
      {{"content-type", "application/x-amz-json-1.0"}, {"x-amz-target", "AmazonSQS." + operation}},
      std::move(body));
}

TEST(Overlay, LambdaScalingConfigReachesTheHandler) {
  auto r = parse_request(lambda_post("/2015-03-31/event-source-mappings/",
                                     R"({"FunctionName":"f","EventSourceArn":"arn:aws:sqs:)"
                                     R"(us-east-1:000000000000:q","ScalingConfig":)"
                                     R"({"MaximumConcurrency":5}})"),
                         models(), "lambda");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "CreateEventSourceMapping");
  EXPECT_EQ(json::serialize(r.call->input.at("ScalingConfig")), R"({"MaximumConcurrency":5})");

  r = parse_request(request("PUT", "/2015-03-31/event-source-mappings/abc",
                            {{"content-type", "application/json"}},
                            R"({"ScalingConfig":{"MaximumConcurrency":1000}})"),
                    models(), "lambda");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "UpdateEventSourceMapping");
  EXPECT_EQ(r.call->input.at("ScalingConfig").at("MaximumConcurrency").as_int64(), 1000);
}

TEST(Overlay, LambdaMaximumConcurrencyRangeIsValidated) {
  for (const char* bad : {"1", "1001"}) {
    auto r = parse_request(
        lambda_post("/2015-03-31/event-source-mappings/",
                    std::string(R"({"FunctionName":"f","ScalingConfig":{"MaximumConcurrency":)") +
                        bad + "}}"),
        models(), "lambda");
    ASSERT_TRUE(r.failure) << bad;
    EXPECT_EQ(r.failure->error.code, "ValidationException");
    EXPECT_NE(r.failure->error.message.find("'scalingConfig.maximumConcurrency'"),
              std::string::npos)
        << r.failure->error.message;
  }
}

TEST(Overlay, LambdaMappingOutputCarriesScalingConfigAndArn) {
  auto r = parse_request(lambda_post("/2015-03-31/event-source-mappings/",
                                     R"({"FunctionName":"f","EventSourceArn":"x"})"),
                         models(), "lambda");
  ASSERT_TRUE(r.call);
  json::object out{{"UUID", "u"},
                   {"EventSourceMappingArn",
                    "arn:aws:lambda:us-east-1:000000000000:"
                    "event-source-mapping:u"},
                   {"ScalingConfig", json::object{{"MaximumConcurrency", 7}}}};
  auto resp = serialize_output(*r.call, out, "rid");
  EXPECT_EQ(resp.status, 202);
  auto body = json::parse(resp.body).as_object();
  EXPECT_EQ(body.at("ScalingConfig").at("MaximumConcurrency").as_int64(), 7);
  EXPECT_EQ(body.at("EventSourceMappingArn").as_string(),
            "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:u");
}

TEST(Overlay, SqsMoveTasksOverQueryAndJson) {
  auto q = parse_request(sqs_query("Action=StartMessageMoveTask&Version=2012-11-05&SourceArn="
                                   "arn%3Aaws%3Asqs%3Aus-east-1%3A0%3Adlq"
                                   "&MaxNumberOfMessagesPerSecond=5"),
                         models(), "sqs");
  ASSERT_TRUE(q.call) << q.failure->error.message;
  EXPECT_EQ(json::serialize(q.call->input),
            R"({"SourceArn":"arn:aws:sqs:us-east-1:0:dlq","MaxNumberOfMessagesPerSecond":5})");
  auto j = parse_request(sqs_json("CancelMessageMoveTask", R"({"TaskHandle":"h"})"), models(), "");
  ASSERT_TRUE(j.call) << j.failure->error.message;
  EXPECT_EQ(j.call->operation_name, "CancelMessageMoveTask");

  auto missing = parse_request(sqs_json("ListMessageMoveTasks", "{}"), models(), "");
  ASSERT_TRUE(missing.failure);
  EXPECT_NE(missing.failure->error.message.find("'sourceArn'"), std::string::npos);

  auto list = parse_request(sqs_query("Action=ListMessageMoveTasks&Version=2012-11-05&SourceArn=a"),
                            models(), "sqs");
  ASSERT_TRUE(list.call);
  json::object entry{{"Status", "COMPLETED"}, {"ApproximateNumberOfMessagesMoved", 3}};
  json::object out{{"Results", json::array{entry, entry}}};
  auto xml = serialize_output(*list.call, out, "rid").body;
  EXPECT_NE(xml.find("<ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry>"
                     "<Status>COMPLETED</Status><ApproximateNumberOfMessagesMoved>3"
                     "</ApproximateNumberOfMessagesMoved></ListMessageMoveTasksResultEntry>"
                     "<ListMessageMoveTasksResultEntry>"),
            std::string::npos)
      << xml;
  list.call->protocol = Protocol::kJson10;
  EXPECT_EQ(
      json::parse(serialize_output(*list.call, out, "rid").body).at("Results").as_array().size(),
      2u);
}

TEST(Overlay, SqsMoveTaskErrorsKeepTheirCodes) {
  const auto* sqs = models().by_name("sqs");
  auto e = Error::make("ResourceNotFoundException", "Task does not exist.");
  auto q = serialize_error(Protocol::kQuery, sqs, false, e, "rid");
  EXPECT_EQ(q.status, 400);
  EXPECT_NE(q.body.find("<Code>ResourceNotFoundException</Code>"), std::string::npos);
  auto j = serialize_error(Protocol::kJson10, sqs, false, e, "rid");
  EXPECT_EQ(j.header("x-amzn-query-error"), "ResourceNotFoundException;Sender");
}

TEST(Overlay, SqsReceiveMessageSystemAttributeNames) {
  auto q = parse_request(sqs_query("Action=ReceiveMessage&Version=2012-11-05&QueueUrl=u"
                                   "&MessageSystemAttributeName.1=SenderId"
                                   "&MessageSystemAttributeName.2=DeadLetterQueueSourceArn"),
                         models(), "sqs");
  ASSERT_TRUE(q.call) << q.failure->error.message;
  EXPECT_EQ(json::serialize(q.call->input.at("MessageSystemAttributeNames")),
            R"(["SenderId","DeadLetterQueueSourceArn"])");
  auto j = parse_request(
      sqs_json("ReceiveMessage", R"({"QueueUrl":"u","MessageSystemAttributeNames":["All"]})"),
      models(), "");
  ASSERT_TRUE(j.call) << j.failure->error.message;
  EXPECT_EQ(json::serialize(j.call->input.at("MessageSystemAttributeNames")), R"(["All"])");
}

}  // namespace
}  // namespace nimbus::protocol
