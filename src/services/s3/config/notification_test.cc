#include "services/s3/config/notification.h"

#include <gtest/gtest.h>

#include "services/s3/config/test_support.h"

namespace nimbus::s3config {
namespace {

using testing::code;
using testing::doc;
using testing::message;

std::function<std::string()> ids() {
  return [n = 0]() mutable { return "generated-" + std::to_string(++n); };
}

TEST(Notifications, ParsesDestinationsFiltersAndGivesIds) {
  auto config = doc(R"({
    "QueueConfigurations":[{"Id":"q","QueueArn":"arn:aws:sqs:us-east-1:000000000000:q",
      "Events":["s3:ObjectCreated:*"],
      "Filter":{"Key":{"FilterRules":[{"Name":"Prefix","Value":"in/"},{"Name":"suffix","Value":".csv"}]}}}],
    "LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:f",
      "Events":["s3:ObjectRemoved:Delete"]}]})");
  auto n = parse_notifications(config, ids());
  ASSERT_TRUE(n) << n.error().message;
  ASSERT_EQ(n->destinations.size(), 2U);
  EXPECT_EQ(n->destinations[0].id, "q");
  EXPECT_EQ(n->destinations[0].prefix, "in/");
  EXPECT_EQ(n->destinations[0].suffix, ".csv");
  EXPECT_EQ(n->destinations[1].kind, DestinationKind::kLambda);
  EXPECT_EQ(n->destinations[1].id, "generated-1");
  // The generated id is written back, so the stored document returns it.
  EXPECT_EQ(config["LambdaFunctionConfigurations"].as_array()[0].as_object()["Id"], "generated-1");
  EXPECT_EQ(read_notifications(config).destinations.size(), 2U);

  EXPECT_TRUE(wants(n->destinations[0], "ObjectCreated:Put", "in/a.csv"));
  EXPECT_TRUE(wants(n->destinations[0], "ObjectCreated:CompleteMultipartUpload", "in/b.csv"));
  EXPECT_FALSE(wants(n->destinations[0], "ObjectCreated:Put", "out/a.csv"));
  EXPECT_FALSE(wants(n->destinations[0], "ObjectCreated:Put", "in/a.json"));
  EXPECT_FALSE(wants(n->destinations[0], "ObjectRemoved:Delete", "in/a.csv"));
  EXPECT_TRUE(wants(n->destinations[1], "ObjectRemoved:Delete", "anything"));
  EXPECT_FALSE(wants(n->destinations[1], "ObjectRemoved:DeleteMarkerCreated", "anything"));
}

TEST(Notifications, RefusesWhatS3Refuses) {
  auto bad_event = doc(
      R"({"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:r:1:q","Events":["s3:ObjectCreated:Nope"]}]})");
  auto s = parse_notifications(bad_event, ids());
  EXPECT_EQ(code(s.status()), "InvalidArgument");
  EXPECT_EQ(message(s.status()), "The event is not supported for notifications");
  auto bad_rule = doc(
      R"({"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:r:1:q","Events":["s3:ObjectCreated:*"],
      "Filter":{"Key":{"FilterRules":[{"Name":"middle","Value":"x"}]}}}]})");
  EXPECT_EQ(message(parse_notifications(bad_rule, ids()).status()),
            "filter rule name must be either prefix or suffix");
  auto two_prefixes = doc(
      R"({"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:r:1:q","Events":["s3:ObjectCreated:*"],
      "Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"a"},{"Name":"prefix","Value":"b"}]}}}]})");
  EXPECT_EQ(message(parse_notifications(two_prefixes, ids()).status()),
            "Cannot specify more than one prefix rule in a filter.");
  auto overlapping = doc(R"({"QueueConfigurations":[
      {"QueueArn":"arn:aws:sqs:r:1:q","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"a/"}]}}},
      {"QueueArn":"arn:aws:sqs:r:1:p","Events":["s3:ObjectCreated:Put"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"a/b/"}]}}}]})");
  EXPECT_EQ(message(parse_notifications(overlapping, ids()).status()),
            "Configurations overlap. Configurations on the same bucket cannot share a common event "
            "type.");
  // Disjoint prefixes, or disjoint event types, do not overlap.
  auto disjoint = doc(R"({"QueueConfigurations":[
      {"QueueArn":"arn:aws:sqs:r:1:q","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"a/"}]}}},
      {"QueueArn":"arn:aws:sqs:r:1:q","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"b/"}]}}},
      {"QueueArn":"arn:aws:sqs:r:1:q","Events":["s3:ObjectRemoved:*"]}]})");
  EXPECT_TRUE(parse_notifications(disjoint, ids()));
}

TEST(Notifications, EventRecordIsS3s) {
  ObjectEvent e;
  e.name = "ObjectCreated:Put";
  e.region = "us-east-1";
  e.time_ms = 1796384096123;  // 2026-12-04T11:34:56.123Z
  e.principal_id = "AIDAEXAMPLE";
  e.source_ip = "127.0.0.1";
  e.request_id = "REQ1";
  e.host_id = "HOST1";
  e.bucket = "photos";
  e.owner_id = "OWNER";
  e.key = "my dir/ä+b.jpg";
  e.size = 1024;
  e.etag = "d41d8cd98f00b204e9800998ecf8427e";
  e.sequencer = sequencer(0x5AED6DCD90281E5ULL);
  EXPECT_EQ(
      event_record(e, "cfg-1"),
      R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",)"
      R"("eventTime":"2026-12-04T11:34:56.123Z","eventName":"ObjectCreated:Put",)"
      R"("userIdentity":{"principalId":"AIDAEXAMPLE"},"requestParameters":{"sourceIPAddress":"127.0.0.1"},)"
      R"("responseElements":{"x-amz-request-id":"REQ1","x-amz-id-2":"HOST1"},)"
      R"("s3":{"s3SchemaVersion":"1.0","configurationId":"cfg-1",)"
      R"("bucket":{"name":"photos","ownerIdentity":{"principalId":"OWNER"},"arn":"arn:aws:s3:::photos"},)"
      R"("object":{"key":"my+dir/%C3%A4%2Bb.jpg","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e",)"
      R"("sequencer":"05AED6DCD90281E5"}}}]})");
  // A delete carries no size or eTag; a versioned one its versionId.
  ObjectEvent d = e;
  d.name = "ObjectRemoved:DeleteMarkerCreated";
  d.size.reset();
  d.etag.clear();
  d.version_id = "v2";
  auto record = boost::json::parse(event_record(d, "c")).at("Records").at(0).at("s3").at("object");
  EXPECT_FALSE(record.as_object().contains("size"));
  EXPECT_FALSE(record.as_object().contains("eTag"));
  EXPECT_EQ(record.at("versionId"), "v2");
  EXPECT_LT(sequencer(9), sequencer(10));
  EXPECT_LT(sequencer(0xFF), sequencer(0x100));
}

TEST(Notifications, EventBridgeEventsAreS3s) {
  ObjectEvent e;
  e.name = "ObjectCreated:Put";
  e.region = "ca-central-1";
  e.time_ms = 1636675200123;  // 2021-11-12T00:00:00.123Z
  e.principal_id = "123456789012";
  e.source_ip = "1.2.3.4";
  e.request_id = "N4N7GDK58NMKJ12R";
  e.bucket = "b1";
  e.key = "a key";
  e.size = 5;
  e.etag = "b1946ac92492d2347c6235b4d2611184";
  e.sequencer = "617F08299329D189";
  auto created = eventbridge_event(e, "17793124-05d4-b198-2fde-7ededc63b103", "111122223333");
  ASSERT_TRUE(created);
  EXPECT_EQ(json::parse(*created), json::parse(R"({
    "version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103","detail-type":"Object Created",
    "source":"aws.s3","account":"111122223333","time":"2021-11-12T00:00:00Z",
    "region":"ca-central-1","resources":["arn:aws:s3:::b1"],
    "detail":{"version":"0","bucket":{"name":"b1"},
      "object":{"key":"a key","size":5,"etag":"b1946ac92492d2347c6235b4d2611184",
                "sequencer":"617F08299329D189"},
      "request-id":"N4N7GDK58NMKJ12R","requester":"123456789012",
      "source-ip-address":"1.2.3.4","reason":"PutObject"}})"));

  e.name = "LifecycleExpiration:Delete";
  e.size.reset();
  e.etag.clear();
  auto deleted = json::parse(*eventbridge_event(e, "id", "111122223333")).as_object();
  EXPECT_EQ(deleted["detail-type"], "Object Deleted");
  EXPECT_EQ(deleted["detail"].at("reason"), "Lifecycle Expiration");
  EXPECT_EQ(deleted["detail"].at("deletion-type"), "Permanently Deleted");
  EXPECT_FALSE(deleted["detail"].at("object").as_object().contains("size"));

  e.name = "ObjectTagging:Put";
  auto tagged = json::parse(*eventbridge_event(e, "id", "111122223333")).as_object();
  EXPECT_EQ(tagged["detail-type"], "Object Tags Added");
  EXPECT_FALSE(tagged["detail"].as_object().contains("reason"));

  e.name = "ReducedRedundancyLostObject";
  EXPECT_FALSE(eventbridge_event(e, "id", "111122223333"));
}

TEST(Notifications, TestEvent) {
  EXPECT_EQ(test_event("photos", "R", "H", 1796384096123),
            R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-12-04T11:34:56.123Z",)"
            R"("Bucket":"photos","RequestId":"R","HostId":"H"})");
}

}  // namespace
}  // namespace nimbus::s3config
