// Bucket notifications into SQS (the real engine) and a Lambda target
// double: destination checks, s3:TestEvent, the event record as S3 writes
// it, filters, retries on the simulated clock, and events kept across a
// restart.
#include <gtest/gtest.h>

#include "services/s3/test_helpers.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/target_fixture.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;

class NotifyTest
    : public services::testing::WithTargets<services::testing::ServiceTest<S3Service>> {
 protected:
  NotifyTest() : WithTargets({build<sqs::SqsService>(), build<S3Service>()}) {
    functions.only = "f";
  }

  // Receives (and deletes) up to `n` messages; their bodies, parsed.
  std::vector<json::object> receive_bodies(const std::string& url, size_t n = 1) {
    std::vector<json::object> got;
    for (const auto& m : receive(url, n)) {
      got.push_back(json::parse(m.at("Body").as_string()).as_object());
    }
    return got;
  }
  void put(const std::string& bucket, const std::string& key, const std::string& body) {
    call("PutObject", {{"Bucket", bucket}, {"Key", key}, {"Body", body}});
  }
};

constexpr const char* kQueueArn = "arn:aws:sqs:us-east-1:000000000000:events";

TEST_F(NotifyTest, TestEventThenTheRecordOfEachPut) {
  std::string url = queue("events");
  call("CreateBucket", {{"Bucket", "photos"}});
  call(
      "PutBucketNotificationConfiguration",
      {{"Bucket", "photos"},
       {"NotificationConfiguration",
        json::parse(
            R"({"QueueConfigurations":[{"Id":"uploads","QueueArn":")" + std::string(kQueueArn) +
            R"(","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"suffix","Value":".jpg"}]}}}]})")}});
  auto test = receive_bodies(url);
  ASSERT_EQ(test.size(), 1U);
  EXPECT_EQ(s(test[0]["Event"]), "s3:TestEvent");
  EXPECT_EQ(s(test[0]["Bucket"]), "photos");
  EXPECT_EQ(s(test[0]["Service"]), "Amazon S3");

  put("photos", "skip.txt", "no");  // the suffix filter leaves it out
  put("photos", "a b.jpg", "hello");
  auto got = receive_bodies(url);
  ASSERT_EQ(got.size(), 1U);
  auto& r = got[0]["Records"].as_array().at(0).as_object();
  EXPECT_EQ(s(r["eventVersion"]), "2.1");
  EXPECT_EQ(s(r["eventSource"]), "aws:s3");
  EXPECT_EQ(s(r["awsRegion"]), "us-east-1");
  EXPECT_EQ(s(r["eventName"]), "ObjectCreated:Put");
  auto& s3 = r["s3"].as_object();
  EXPECT_EQ(s(s3["configurationId"]), "uploads");
  EXPECT_EQ(s(s3["bucket"].at("arn")), "arn:aws:s3:::photos");
  EXPECT_EQ(s(s3["object"].at("key")), "a+b.jpg");
  EXPECT_EQ(s3["object"].at("size"), 5);
  EXPECT_EQ(s(s3["object"].at("eTag")), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_FALSE(s(s3["object"].at("sequencer")).empty());
}

TEST_F(NotifyTest, DestinationsMustExist) {
  call("CreateBucket", {{"Bucket", "bkt"}});
  auto out = try_call(
      "PutBucketNotificationConfiguration",
      {{"Bucket", "bkt"},
       {"NotificationConfiguration",
        json::parse(
            R"({"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:us-east-1:000000000000:missing","Events":["s3:ObjectCreated:*"]}]})")}});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "InvalidArgument");
  EXPECT_EQ(out.error().message, "Unable to validate the following destination configurations");
  EXPECT_EQ(*out.error().field("ArgumentName1"), "arn:aws:sqs:us-east-1:000000000000:missing");
  EXPECT_TRUE(call("GetBucketNotificationConfiguration", {{"Bucket", "bkt"}}).empty());
  // SkipDestinationValidation stores it anyway.
  call(
      "PutBucketNotificationConfiguration",
      {{"Bucket", "bkt"},
       {"SkipDestinationValidation", true},
       {"NotificationConfiguration",
        json::parse(
            R"({"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:us-east-1:000000000000:missing","Events":["s3:ObjectCreated:*"]}]})")}});
  auto stored = call("GetBucketNotificationConfiguration", {{"Bucket", "bkt"}});
  EXPECT_FALSE(s(stored["QueueConfigurations"].at(0).at("Id")).empty());  // generated
}

TEST_F(NotifyTest, LambdaGetsDeletesAndIsRetriedWhenThrottled) {
  call("CreateBucket", {{"Bucket", "bkt"}});
  call(
      "PutBucketNotificationConfiguration",
      {{"Bucket", "bkt"},
       {"NotificationConfiguration",
        json::parse(
            R"({"LambdaFunctionConfigurations":[{"Id":"del","LambdaFunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:f","Events":["s3:ObjectRemoved:*"]}]})")}});
  put("bkt", "k", "v");
  {
    MutexLock lock(functions.mu);
    functions.fail = 2;
  }
  call("DeleteObject", {{"Bucket", "bkt"}, {"Key", "k"}});
  ASSERT_TRUE(advance_until([&] { return functions.received() == 1; }, std::chrono::seconds(1)));
  MutexLock lock(functions.mu);
  EXPECT_EQ(functions.attempts, 3);
  auto r = json::parse(functions.bodies[0]).at("Records").at(0);
  EXPECT_EQ(s(r.at("eventName")), "ObjectRemoved:Delete");
  EXPECT_FALSE(r.at("s3").at("object").as_object().contains("size"));
}

TEST_F(NotifyTest, StoredEventsAreDeliveredAfterARestart) {
  call("CreateBucket", {{"Bucket", "bkt"}});
  call(
      "PutBucketNotificationConfiguration",
      {{"Bucket", "bkt"},
       {"NotificationConfiguration",
        json::parse(
            R"({"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:f","Events":["s3:ObjectCreated:Put"]}]})")}});
  {
    MutexLock lock(functions.mu);
    functions.fail = 1000;
  }
  put("bkt", "k", "v");
  ASSERT_TRUE(eventually([&] {
    MutexLock lock(functions.mu);
    return functions.attempts >= 1;
  }));
  reopen();
  {
    MutexLock lock(functions.mu);
    functions.fail = 0;
  }
  ASSERT_TRUE(advance_until([&] { return functions.received() == 1; }, std::chrono::seconds(1)));
}

}  // namespace
}  // namespace nimbus::services::s3
