// An Error's fields (common/error.h) on the wire, per protocol, the way
// botocore and the JS SDK read modelled error members back: restJson body
// members and headers, awsJson body members, elements inside <Error> for
// awsQuery and restXml (S3).
#include <gtest/gtest.h>

#include "protocol/engine.h"
#include "protocol/model.h"

namespace nimbus::protocol {
namespace {
namespace json = boost::json;

const ModelRegistry& models() {
  static const ModelRegistry registry({"sqs", "lambda", "s3", "dynamodb"});
  return registry;
}

TEST(ErrorFields, LambdaThrottleReasonTypeAndRetryAfterHeader) {
  auto e = Error::make("TooManyRequestsException", "Rate Exceeded.")
               .with("Reason", "ReservedFunctionConcurrentInvocationLimitExceeded")
               .with("retryAfterSeconds", "3");
  auto r = serialize_error(Protocol::kRestJson, models().by_name("lambda"), false, e, "rid");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("x-amzn-ErrorType"), "TooManyRequestsException");
  EXPECT_EQ(r.header("Retry-After"), "3");
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("Reason"), "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_EQ(body.at("Type"), "User");
  EXPECT_EQ(body.at("message"), "Rate Exceeded.");
  EXPECT_FALSE(body.contains("retryAfterSeconds"));
}

TEST(ErrorFields, ExplicitTypeWinsOverTheFaultDefault) {
  auto e = Error::make("TooManyRequestsException", "m").with("Type", "Service");
  auto r = serialize_error(Protocol::kRestJson, models().by_name("lambda"), false, e, "rid");
  EXPECT_EQ(json::parse(r.body).at("Type"), "Service");
}

TEST(ErrorFields, NoFieldsLeavesTheResponseAsBefore) {
  auto e = Error::make("TooManyRequestsException", "m");
  EXPECT_EQ(e.fields, nullptr);
  auto r = serialize_error(Protocol::kRestJson, models().by_name("lambda"), false, e, "rid");
  EXPECT_EQ(r.body, R"({"message":"m","Type":"User"})");
  EXPECT_EQ(r.header("Retry-After"), "");
}

TEST(ErrorFields, QueryAndJsonRpc) {
  auto e = Error::make("QueueDoesNotExist", "gone").with("Detail", "a<b");
  auto q = serialize_error(Protocol::kQuery, models().by_name("sqs"), false, e, "rid");
  EXPECT_NE(q.body.find("<Message>gone</Message><Detail>a&lt;b</Detail></Error>"),
            std::string::npos)
      << q.body;
  auto j = serialize_error(Protocol::kJson10, models().by_name("sqs"), false, e, "rid");
  EXPECT_EQ(json::parse(j.body).at("Detail"), "a<b");
  EXPECT_EQ(j.header("x-amzn-query-error"), "AWS.SimpleQueueService.NonExistentQueue;Sender");
}

TEST(ErrorFields, S3ElementsInsideError) {
  auto e =
      Error::make("NoSuchBucket", "The specified bucket does not exist").with("BucketName", "b1");
  auto r = serialize_error(Protocol::kRestXml, models().by_name("s3"), false, e, "rid");
  EXPECT_NE(r.body.find("<Message>The specified bucket does not exist</Message>"
                        "<BucketName>b1</BucketName><RequestId>rid</RequestId>"),
            std::string::npos)
      << r.body;
}

TEST(ErrorFields, S3NamesAnInternalFailureInternalError) {
  auto r = serialize_error(Protocol::kRestXml, models().by_name("s3"), false,
                           Error::internal("fsync: Input/output error"), "rid");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("<Code>InternalError</Code>"), std::string::npos) << r.body;
  auto q = serialize_error(Protocol::kQuery, models().by_name("sqs"), false,
                           Error::internal("disk"), "rid");
  EXPECT_NE(q.body.find("<Code>InternalFailure</Code>"), std::string::npos) << q.body;
}

// A member's type decides its JSON form; the name its wire name.
TEST(ErrorFields, TypedByTheMemberShape) {
  ServiceModel model(json::parse(R"({
    "metadata": {"protocol": "rest-json", "endpointPrefix": "x"},
    "operations": {},
    "shapes": {
      "Busy": {"type": "structure", "exception": true, "error": {"httpStatusCode": 503},
               "members": {"message": {"shape": "S"}, "Count": {"shape": "I"},
                           "Retry": {"shape": "B", "locationName": "retry"},
                           "Wait": {"shape": "S", "location": "header",
                                    "locationName": "x-wait"}}},
      "S": {"type": "string"}, "I": {"type": "integer"}, "B": {"type": "boolean"}
    }})")
                         .as_object());
  auto e = Error::make("Busy", "m")
               .with("Count", "12")
               .with("Retry", "true")
               .with("Wait", "5")
               .with("Count", "13");  // replaces the first
  auto r = serialize_error(Protocol::kRestJson, &model, false, e, "rid");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"message":"m","Count":13,"retry":true})"));
  EXPECT_EQ(r.header("x-wait"), "5");
  // awsJson binds no headers: the member is a body member under its name.
  auto j = serialize_error(Protocol::kJson11, &model, false, e, "rid");
  EXPECT_EQ(json::parse(j.body).at("Wait"), "5");
  EXPECT_EQ(j.header("x-wait"), "");
}

TEST(ErrorFields, StructuredMembersFromJsonText) {
  // DynamoDB's ConditionalCheckFailedException carries the item (blobs raw
  // inside, base64 on the wire); TransactionCanceledException a list.
  auto e = Error::make("ConditionalCheckFailedException", "The conditional request failed")
               .with("Item", R"({"pk":{"S":"a"},"bin":{"B":"\u0001\u00ff"}})");
  auto r = serialize_error(Protocol::kJson10, models().by_name("dynamodb"), false, e, "rid");
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(json::serialize(body.at("Item")), R"({"pk":{"S":"a"},"bin":{"B":"AcO/"}})");
  auto t = Error::make("TransactionCanceledException", "cancelled")
               .with("CancellationReasons", R"([{"Code":"None"},{"Code":"ConditionalCheckFailed",
                     "Message":"The conditional request failed"}])");
  r = serialize_error(Protocol::kJson10, models().by_name("dynamodb"), false, t, "rid");
  EXPECT_EQ(json::parse(r.body).at("CancellationReasons").as_array().size(), 2u);
}

}  // namespace
}  // namespace nimbus::protocol
