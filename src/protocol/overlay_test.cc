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

http::Request lambda_post(std::string path, std::string body) {
  http::Request r;
  r.method = "POST";
  r.target = std::move(path);
  r.headers = {{"content-type", "application/json"}};
  r.body = std::move(body);
  return r;
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

  http::Request update;
  update.method = "PUT";
  update.target = "/2015-03-31/event-source-mappings/abc";
  update.headers = {{"content-type", "application/json"}};
  update.body = R"({"ScalingConfig":{"MaximumConcurrency":1000}})";
  r = parse_request(update, models(), "lambda");
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

}  // namespace
}  // namespace nimbus::protocol
